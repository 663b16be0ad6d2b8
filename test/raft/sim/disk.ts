// A fake disk with the semantics of DurableStorage (runtime/raft/types.ts):
// writes are buffered and become durable at sync(); a crash keeps a random
// prefix of the unsynced writes (none, some or all: an OS may have flushed
// part of them) and loses the rest. Snapshots saved outside a Ready (local
// compaction) are durable at once, like the temp-file-fsync-rename they model.
import type { Entry, HardState, RecoveredState, Snapshot } from '../../../runtime/raft/types.js';
import type { Rng } from '../../../runtime/common/rng.js';

type Write = { kind: 'entries'; entries: Entry[] } | { kind: 'hardState'; hardState: HardState } | { kind: 'snapshot'; snapshot: Snapshot };

export interface DurableView {
  hardState: HardState;
  snapshotIndex: number;
  lastIndex: number;
  /** Term of the durable entry at `index`; undefined when absent or inside the snapshot. */
  termAt(index: number): number | undefined;
}

interface Durable {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
}

export class SimDisk {
  private stored: Durable;
  private buffered: Write[] = [];
  syncs = 0;
  bytesWritten = 0;

  constructor(initial: RecoveredState) {
    this.stored = { hardState: { ...initial.hardState }, snapshot: initial.snapshot, entries: [...initial.entries] };
  }

  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    // Copy as a real disk would serialize: later mutation by anyone cannot reach stored bytes.
    this.buffered.push({ kind: 'entries', entries: entries.map((e) => ({ ...e, data: e.data.slice() })) });
    for (const entry of entries) this.bytesWritten += entry.data.length + 24;
  }

  setHardState(hardState: HardState): void {
    this.buffered.push({ kind: 'hardState', hardState: { ...hardState } });
    this.bytesWritten += 24;
  }

  /** A snapshot received from the leader, written within a Ready. */
  bufferSnapshot(snapshot: Snapshot): void {
    this.buffered.push({ kind: 'snapshot', snapshot: copySnapshot(snapshot) });
    this.bytesWritten += snapshot.data.length;
  }

  /** A snapshot the node made itself: durable when this returns. */
  saveSnapshot(snapshot: Snapshot): void {
    applyWrite(this.stored, { kind: 'snapshot', snapshot: copySnapshot(snapshot) });
    this.bytesWritten += snapshot.data.length;
    this.syncs += 1;
  }

  sync(): void {
    for (const write of this.buffered) applyWrite(this.stored, write);
    this.buffered = [];
    this.syncs += 1;
  }

  hasUnsynced(): boolean {
    return this.buffered.length > 0;
  }

  /** Power loss: a random prefix of the unsynced writes survives. Returns how many were lost. */
  crash(rng: Rng): number {
    const kept = rng.int(this.buffered.length + 1);
    for (const write of this.buffered.slice(0, kept)) applyWrite(this.stored, write);
    const lost = this.buffered.length - kept;
    this.buffered = [];
    return lost;
  }

  /** What is durable right now (what a crash would keep for sure), for the persist-before-send check. */
  durable(): DurableView {
    const disk = this.stored;
    const offset = disk.snapshot?.meta.index ?? 0;
    return {
      hardState: disk.hardState,
      snapshotIndex: offset,
      lastIndex: offset + disk.entries.length,
      termAt: (index) => (index === offset ? (disk.snapshot?.meta.term ?? 0) : index < offset ? undefined : disk.entries[index - offset - 1]?.term),
    };
  }

  recover(): RecoveredState {
    return {
      hardState: { ...this.stored.hardState },
      snapshot: this.stored.snapshot === null ? null : copySnapshot(this.stored.snapshot),
      entries: this.stored.entries.map((e) => ({ ...e, data: e.data.slice() })),
    };
  }
}

function copySnapshot(snapshot: Snapshot): Snapshot {
  return { meta: structuredClone(snapshot.meta), data: snapshot.data.slice() };
}

function applyWrite(disk: Durable, write: Write): void {
  switch (write.kind) {
    case 'hardState':
      disk.hardState = write.hardState;
      return;
    case 'entries': {
      const first = write.entries[0]!.index;
      const offset = disk.snapshot?.meta.index ?? 0;
      // Entries at or below the snapshot are covered by it already.
      const fresh = write.entries.filter((e) => e.index > offset);
      if (fresh.length === 0) return;
      const keep = Math.max(0, Math.min(disk.entries.length, fresh[0]!.index - offset - 1));
      if (fresh[0]!.index - offset - 1 > disk.entries.length) {
        throw new Error(`sim disk: entries start at ${first} but the log ends at ${offset + disk.entries.length}`);
      }
      disk.entries = [...disk.entries.slice(0, keep), ...fresh];
      return;
    }
    case 'snapshot': {
      const { index, term } = write.snapshot.meta;
      const offset = disk.snapshot?.meta.index ?? 0;
      if (disk.snapshot !== null && index <= offset) return;
      const atIndex = disk.entries[index - offset - 1];
      // Storage contract (ready.ts): keep the entries after the snapshot only
      // when the stored entry at its index is the snapshot's own.
      const tail = atIndex !== undefined && atIndex.term === term ? disk.entries.slice(index - offset) : [];
      disk.snapshot = write.snapshot;
      disk.entries = tail;
      return;
    }
  }
}
