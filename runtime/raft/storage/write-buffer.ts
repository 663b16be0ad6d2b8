// What append(), setHardState() and saveSnapshot() have asked for but no write
// has taken yet, in call order. A flush takes it all at once: everything
// buffered while the previous fsync ran rides on the next one (group commit).
import type { HardState, Snapshot } from '../types.js';
import { encodeHardState } from './log-record.js';

export interface PendingRecord {
  kind: 'record';
  bytes: Uint8Array;
  /** The entry's index for an entry record, 0 for any other record. */
  entryIndex: number;
  /** The hard state for a hard-state record, else null. */
  hardState: HardState | null;
}

export interface PendingSnapshot {
  kind: 'snapshot';
  snapshot: Snapshot;
  /** Whether the log holds the snapshot's last entry, so later entries stay (see LogShape). */
  keepsLog: boolean;
}

export type PendingItem = PendingRecord | PendingSnapshot;

export interface WriteBatch {
  items: PendingItem[];
  /** Record bytes in the batch (snapshot data is the caller's and not counted). */
  bytes: number;
}

export class WriteBuffer {
  private items: PendingItem[] = [];
  private recordBytes = 0;
  /** Only the newest hard state matters, so one record per batch carries it. */
  private hardState: HardState | null = null;

  get bytes(): number {
    return this.recordBytes;
  }

  get isEmpty(): boolean {
    return this.items.length === 0 && this.hardState === null;
  }

  addEntry(bytes: Uint8Array, entryIndex: number): void {
    this.items.push({ kind: 'record', bytes, entryIndex, hardState: null });
    this.recordBytes += bytes.byteLength;
  }

  addSnapshot(snapshot: Snapshot, keepsLog: boolean): void {
    this.items.push({ kind: 'snapshot', snapshot, keepsLog });
  }

  setHardState(hardState: HardState): void {
    this.hardState = { ...hardState };
  }

  take(): WriteBatch {
    const items = this.items;
    let bytes = this.recordBytes;
    if (this.hardState) {
      const record = encodeHardState(this.hardState);
      items.push({ kind: 'record', bytes: record, entryIndex: 0, hardState: this.hardState });
      bytes += record.byteLength;
    }
    this.items = [];
    this.recordBytes = 0;
    this.hardState = null;
    return { items, bytes };
  }
}
