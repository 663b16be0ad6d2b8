// The write side of the log: appends framed records to the active segment,
// starts a new segment when the next record would overflow it, writes
// snapshot files in their place in the record stream, and removes what a
// durable snapshot covers.
//
// Ordering rules, each one a crash case:
// - a segment is fsynced before anything is written to the next one, so only
//   the newest segment can ever have a torn tail;
// - a new segment opens with its start record and the current hard state, so
//   the newest hard state always lives in the newest segment and older
//   segments can be removed without losing it;
// - a snapshot file is durable (fsync, rename, directory fsync) before the
//   marker record that refers to it is written;
// - segments and older snapshot files are removed only after that marker is
//   durable. Removals are not fsynced: one undone by a crash is redone by the
//   next recovery.
import { join } from 'node:path';
import { assert } from '../../common/assert.js';
import type { HardState } from '../types.js';
import type { StorageConfig } from './config.js';
import { segmentFileName } from './file-names.js';
import type { InstrumentedFile, InstrumentedFileSystem } from './instrumented-file-system.js';
import { encodeHardState, encodeSegmentStart, encodeSnapshotMarker, segmentStartBytes } from './log-record.js';
import { writeSnapshotFile } from './snapshot-file.js';
import type { PendingRecord, PendingSnapshot, WriteBatch } from './write-buffer.js';

export interface SegmentInfo {
  sequence: number;
  name: string;
  /** Highest entry index among the segment's records, 0 if it has none. */
  maxEntryIndex: number;
}

/** Where the writer picks up: built by recovery from what it read. */
export interface WriterStart {
  /** Every segment in sequence order; the last one is the active one. */
  segments: SegmentInfo[];
  activeFile: InstrumentedFile;
  activeSizeBytes: number;
  hardState: HardState;
  lastEntryIndex: number;
  /** Segments with a lower sequence hold only records a log-replacing snapshot voided. */
  voidBeforeSequence: number;
  /** The segment holding the newest snapshot marker (0: none); it and later ones are never removed. */
  markerSequence: number;
  snapshotName: string | null;
}

interface MarkerRecord extends PendingRecord {
  voidsEarlierRecords: boolean;
}

export class SegmentWriter {
  private readonly segments: SegmentInfo[];
  private activeFile: InstrumentedFile;
  private activeSizeBytes: number;
  private activeUnsynced = false;
  private directoryUnsynced = false;
  private hardStateWritten: HardState;
  private lastEntryIndexWritten: number;
  private voidBeforeSequence: number;
  private markerSequence: number;
  private snapshotName: string | null;
  private readonly obsoleteSnapshots: string[] = [];

  constructor(
    private readonly fileSystem: InstrumentedFileSystem,
    private readonly config: StorageConfig,
    start: WriterStart,
  ) {
    assert(start.segments.length > 0, 'the writer needs an active segment');
    this.segments = start.segments;
    this.activeFile = start.activeFile;
    this.activeSizeBytes = start.activeSizeBytes;
    this.hardStateWritten = start.hardState;
    this.lastEntryIndexWritten = start.lastEntryIndex;
    this.voidBeforeSequence = start.voidBeforeSequence;
    this.markerSequence = start.markerSequence;
    this.snapshotName = start.snapshotName;
  }

  /** Creates a segment file holding its start record and the hard state; the caller syncs. */
  static async createSegment(
    fileSystem: InstrumentedFileSystem,
    dir: string,
    sequence: number,
    firstIndex: number,
    hardState: HardState,
  ): Promise<{ info: SegmentInfo; file: InstrumentedFile; sizeBytes: number }> {
    const name = segmentFileName(sequence, firstIndex);
    const file = await fileSystem.create(join(dir, name));
    const head = concatenate([encodeSegmentStart(sequence), encodeHardState(hardState)]);
    assert(head.byteLength === segmentStartBytes, 'segment start size drifted from segmentStartBytes');
    await file.writeFully(head, 0);
    return { info: { sequence, name, maxEntryIndex: 0 }, file, sizeBytes: head.byteLength };
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Writes a batch in order and makes it durable; then removes what its snapshots cover. */
  async writeBatch(batch: WriteBatch): Promise<void> {
    let pending: PendingRecord[] = [];
    let newestSnapshot: PendingSnapshot | null = null;
    for (const item of batch.items) {
      if (item.kind === 'record') {
        pending.push(item);
        continue;
      }
      await this.writeRecords(pending);
      pending = [await this.writeSnapshot(item)];
      newestSnapshot = item;
    }
    await this.writeRecords(pending);
    await this.syncActive();
    if (newestSnapshot) await this.removeCovered(newestSnapshot.snapshot.meta.index);
  }

  /** Logs a marker for a snapshot file that is already durable (recovery after a crash between the two). */
  async writeMarkerDurably(index: number, term: number, keepsLog: boolean): Promise<void> {
    await this.writeRecords([marker(index, term, keepsLog)]);
    await this.syncActive();
  }

  /**
   * Removes the oldest segments while each is voided by a log-replacing
   * snapshot or holds no entry after `snapshotIndex`. Stops at the first one
   * still needed, so what remains is always a contiguous run of sequences,
   * and never removes the segment holding the newest snapshot marker: without
   * it a later recovery could not tell "the log continues the snapshot" from
   * "the marker was never written".
   */
  async removeCovered(snapshotIndex: number): Promise<void> {
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      if (oldest.sequence >= this.markerSequence) break;
      if (oldest.sequence >= this.voidBeforeSequence && oldest.maxEntryIndex > snapshotIndex) break;
      await this.fileSystem.remove(join(this.config.dir, oldest.name));
      this.segments.shift();
    }
    for (const name of this.obsoleteSnapshots.splice(0)) await this.fileSystem.remove(join(this.config.dir, name));
  }

  async close(): Promise<void> {
    await this.activeFile.close();
  }

  private async writeSnapshot(item: PendingSnapshot): Promise<MarkerRecord> {
    const { index, term } = item.snapshot.meta;
    const name = await writeSnapshotFile(this.fileSystem, this.config.dir, item.snapshot);
    if (this.snapshotName !== null && this.snapshotName !== name) this.obsoleteSnapshots.push(this.snapshotName);
    this.snapshotName = name;
    return marker(index, term, item.keepsLog);
  }

  private async writeRecords(records: readonly PendingRecord[]): Promise<void> {
    let start = 0;
    while (start < records.length) {
      let end = start;
      let chunkBytes = 0;
      while (end < records.length && this.activeSizeBytes + chunkBytes + records[end]!.bytes.byteLength <= this.config.segmentBytesMax) {
        chunkBytes += records[end]!.bytes.byteLength;
        end += 1;
      }
      if (end === start) {
        await this.startNextSegment(records[start]!);
        continue;
      }
      const chunk = records.slice(start, end);
      // One write call per run of records: fewer syscalls, same bytes.
      await this.activeFile.writeFully(concatenate(chunk.map((record) => record.bytes)), this.activeSizeBytes);
      this.activeSizeBytes += chunkBytes;
      this.activeUnsynced = true;
      for (const record of chunk) this.noteWritten(record);
      start = end;
    }
  }

  private noteWritten(record: PendingRecord | MarkerRecord): void {
    const active = this.segments[this.segments.length - 1]!;
    if (record.entryIndex > 0) {
      active.maxEntryIndex = Math.max(active.maxEntryIndex, record.entryIndex);
      this.lastEntryIndexWritten = record.entryIndex;
    }
    if (record.hardState) this.hardStateWritten = record.hardState;
    if ('voidsEarlierRecords' in record) {
      this.markerSequence = active.sequence;
      if (record.voidsEarlierRecords) this.voidBeforeSequence = active.sequence;
    }
  }

  private async startNextSegment(nextRecord: PendingRecord): Promise<void> {
    assert(this.activeSizeBytes > segmentStartBytes, 'a record larger than an empty segment passed validation');
    // The old segment must be durable before the new one can hold anything,
    // and its own creation must be too (it may have been made in this batch).
    if (this.activeUnsynced) await this.activeFile.sync();
    if (this.directoryUnsynced) await this.fileSystem.syncDirectory(this.config.dir);
    this.activeUnsynced = false;
    this.directoryUnsynced = false;
    await this.activeFile.close();
    const previous = this.segments[this.segments.length - 1]!;
    const firstIndex = nextRecord.entryIndex > 0 ? nextRecord.entryIndex : this.lastEntryIndexWritten + 1;
    const created = await SegmentWriter.createSegment(this.fileSystem, this.config.dir, previous.sequence + 1, firstIndex, this.hardStateWritten);
    this.segments.push(created.info);
    this.activeFile = created.file;
    this.activeSizeBytes = created.sizeBytes;
    this.activeUnsynced = true;
    this.directoryUnsynced = true;
  }

  private async syncActive(): Promise<void> {
    if (this.activeUnsynced) await this.activeFile.sync();
    if (this.directoryUnsynced) await this.fileSystem.syncDirectory(this.config.dir);
    this.activeUnsynced = false;
    this.directoryUnsynced = false;
  }
}

function marker(index: number, term: number, keepsLog: boolean): MarkerRecord {
  return { kind: 'record', bytes: encodeSnapshotMarker(index, term, keepsLog), entryIndex: 0, hardState: null, voidsEarlierRecords: !keepsLog };
}

export function concatenate(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const part of parts) total += part.byteLength;
  const joined = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.byteLength;
  }
  return joined;
}
