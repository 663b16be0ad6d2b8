// Rebuilds the log from its records, in file order, with the same rules the
// storage applied when it wrote them. Pure: records in, entries out.
//
// Segments wholly covered by a snapshot may already be removed, and a crash
// may bring back some removed segments but not others, so the replay may
// start part-way through the log and meet old markers whose entries are
// gone. It is therefore lenient about gaps that a later snapshot covers and
// strict about the final log: finish() requires it to run unbroken from the
// newest snapshot. What it cannot explain it reports as a reason string for
// the caller to turn into a typed error with a file and an offset.
import type { Entry, HardState, SnapshotMeta } from '../types.js';
import type { LogRecord } from './log-record.js';

export interface SnapshotPoint {
  index: number;
  term: number;
}

export type ReplayResult =
  | {
      ok: true;
      base: SnapshotPoint;
      entries: Entry[];
      hardState: HardState;
      /** Set when the snapshot file had no marker in the log: the marker to write now. */
      missingMarker: { keepsLog: boolean } | null;
    }
  | { ok: false; reason: string };

type Marker = Extract<LogRecord, { kind: 'snapshot-marker' }>;

export class LogReplay {
  private entries: Entry[] = [];
  private hardState: HardState = { term: 0, vote: 0, commit: 0 };
  private lastMarker: Marker | null = null;

  /** Applies one record; returns why it is impossible at this point, or null. */
  apply(record: LogRecord): string | null {
    switch (record.kind) {
      case 'segment-start':
        return null;
      case 'hard-state':
        this.hardState = record.hardState;
        return null;
      case 'entry':
        return this.applyEntry(record.entry);
      case 'snapshot-marker':
        return this.applyMarker(record);
    }
  }

  /**
   * Reconciles the replayed log with the newest snapshot file. A crash
   * between writing that file and logging its marker leaves the marker out;
   * then the snapshot is applied here as the marker would have been.
   */
  finish(snapshot: SnapshotMeta | null): ReplayResult {
    const marker = this.lastMarker;
    if (marker && (!snapshot || marker.index > snapshot.index)) {
      return { ok: false, reason: `the log records a snapshot at index ${marker.index} but no snapshot file reaches it` };
    }
    let missingMarker: { keepsLog: boolean } | null = null;
    if (snapshot && marker?.index === snapshot.index && marker.term !== snapshot.term) {
      return { ok: false, reason: `the snapshot file at index ${snapshot.index} has term ${snapshot.term}, the log says ${marker.term}` };
    }
    if (snapshot && (!marker || marker.index < snapshot.index)) {
      const keepsLog = this.termAt(snapshot.index) === snapshot.term;
      const problem = this.applyMarker({ kind: 'snapshot-marker', index: snapshot.index, term: snapshot.term, keepsLog });
      if (problem) return { ok: false, reason: problem };
      missingMarker = { keepsLog };
    }
    const base = snapshot ? { index: snapshot.index, term: snapshot.term } : { index: 0, term: 0 };
    const first = this.entries[0];
    if (first && first.index !== base.index + 1) {
      return { ok: false, reason: `the log starts at entry ${first.index} but entries ${base.index + 1}..${first.index - 1} are in no file` };
    }
    return { ok: true, base, entries: this.entries, hardState: this.hardState, missingMarker };
  }

  private lastIndex(): number | null {
    const first = this.entries[0];
    return first ? first.index + this.entries.length - 1 : null;
  }

  private termAt(index: number): number | null {
    const first = this.entries[0];
    if (!first || index < first.index) return null;
    return this.entries[index - first.index]?.term ?? null;
  }

  private applyEntry(entry: Entry): string | null {
    const base = this.lastMarker?.index ?? null;
    if (base !== null && entry.index <= base) return `entry ${entry.index} was written after a snapshot covering it (index ${base})`;
    const first = this.entries[0];
    const last = this.lastIndex();
    if (!first || last === null) {
      // Entries between the marker and this one may have lived in segments a later snapshot removed; finish() checks the final log.
      this.entries.push(entry);
      return null;
    }
    if (entry.index > last + 1) return `entry ${entry.index} follows entry ${last}: entries are missing`;
    if (entry.index < first.index) {
      // An overwrite reaching below what this replay holds: the earlier part lived in removed segments.
      this.entries = [entry];
      return null;
    }
    this.entries.length = entry.index - first.index;
    this.entries.push(entry);
    return null;
  }

  private applyMarker(marker: Marker): string | null {
    if (this.lastMarker && marker.index <= this.lastMarker.index) {
      return `snapshot marker at ${marker.index} does not pass the previous one at ${this.lastMarker.index}`;
    }
    if (!marker.keepsLog) {
      this.entries = [];
    } else {
      const term = this.termAt(marker.index);
      if (term !== null && term !== marker.term) return `snapshot marker at ${marker.index} has term ${marker.term}, the log has ${term}`;
      // If the replay holds nothing at or below the marker, the entries between lived in segments a later
      // snapshot covered and removed; finish() proves the final log has no such gap.
      const first = this.entries[0];
      if (first && first.index <= marker.index) this.entries = this.entries.slice(marker.index + 1 - first.index);
    }
    this.lastMarker = marker;
    return null;
  }
}
