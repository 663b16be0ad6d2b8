/**
 * Follower side of InstallSnapshot: collects chunks in order until the whole
 * snapshot is here. Holds at most one snapshot, at most snapshotBytesMax
 * bytes. Chunks arrive one at a time (the leader waits for each answer), so
 * anything out of order is answered with the offset we actually want.
 */
import type { Snapshot, SnapshotMeta } from '../types.js';
import type { SnapshotChunkRequest } from './messages.js';

export type ChunkOutcome =
  | { kind: 'incomplete'; nextOffset: number }
  | { kind: 'complete'; snapshot: Snapshot }
  | { kind: 'refused'; reason: string };

export class SnapshotAssembly {
  private meta: SnapshotMeta | null = null;
  private leaderTerm = 0;
  private totalBytes = 0;
  private chunks: Uint8Array[] = [];
  private receivedBytes = 0;

  constructor(private readonly bytesMax: number) {}

  accept(chunk: SnapshotChunkRequest): ChunkOutcome {
    if (chunk.totalBytes > this.bytesMax) {
      return { kind: 'refused', reason: `snapshot of ${chunk.totalBytes} bytes exceeds snapshotBytesMax ${this.bytesMax}` };
    }
    if (chunk.offset < 0 || chunk.offset + chunk.data.length > chunk.totalBytes) {
      return { kind: 'refused', reason: `chunk [${chunk.offset}, +${chunk.data.length}) lies outside a ${chunk.totalBytes}-byte snapshot` };
    }
    if (chunk.offset === 0) this.start(chunk);
    else if (!this.continues(chunk)) return { kind: 'incomplete', nextOffset: this.sameSnapshot(chunk) ? this.receivedBytes : 0 };
    // An empty non-final chunk would never progress: the leader never sends one.
    if (chunk.data.length === 0 && this.receivedBytes < this.totalBytes) return { kind: 'incomplete', nextOffset: this.receivedBytes };
    this.chunks.push(chunk.data);
    this.receivedBytes += chunk.data.length;
    if (this.receivedBytes < this.totalBytes) return { kind: 'incomplete', nextOffset: this.receivedBytes };
    const data = concat(this.chunks, this.totalBytes);
    const snapshot: Snapshot = { meta: this.meta!, data };
    this.clear();
    return { kind: 'complete', snapshot };
  }

  private start(chunk: SnapshotChunkRequest): void {
    this.meta = chunk.meta;
    this.leaderTerm = chunk.term;
    this.totalBytes = chunk.totalBytes;
    this.chunks = [];
    this.receivedBytes = 0;
  }

  private sameSnapshot(chunk: SnapshotChunkRequest): boolean {
    return (
      this.meta !== null &&
      this.meta.index === chunk.meta.index &&
      this.meta.term === chunk.meta.term &&
      this.leaderTerm === chunk.term &&
      this.totalBytes === chunk.totalBytes
    );
  }

  private continues(chunk: SnapshotChunkRequest): boolean {
    return this.sameSnapshot(chunk) && chunk.offset === this.receivedBytes;
  }

  clear(): void {
    this.meta = null;
    this.chunks = [];
    this.receivedBytes = 0;
    this.totalBytes = 0;
  }
}

function concat(chunks: readonly Uint8Array[], totalBytes: number): Uint8Array {
  const data = new Uint8Array(totalBytes);
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.length;
  }
  return data;
}
