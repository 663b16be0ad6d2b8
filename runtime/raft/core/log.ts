/**
 * The replicated log as one node holds it in memory: entries after the last
 * compaction point, the latest snapshot, and four cursors.
 *
 *   compacted ≤ applied ≤ applying ≤ committed ≤ lastIndex
 *   stabled ≤ lastIndex  (entries above stabled are not yet handed to the disk)
 *
 * `applying` is how far committed entries were handed out in a Ready that the
 * caller has not acknowledged yet; `applied` moves when it does.
 */
import { assert } from '../../common/assert.js';
import type { Entry, RecoveredState, Snapshot } from '../types.js';
import { RaftError } from './errors.js';

export class RaftLog {
  /** Index and term of the entry just before entries[0]: the compaction point. */
  private offsetIndex: number;
  private offsetTerm: number;
  private entries: Entry[];
  /** Latest snapshot this node has (made locally or received); what the leader sends to laggards. */
  snapshot: Snapshot | null;
  /** A snapshot received from the leader that the caller has not yet persisted and applied. */
  pendingSnapshot: Snapshot | null = null;
  committed: number;
  applying: number;
  applied: number;
  stabled: number;

  constructor(recovered: RecoveredState) {
    const snapshot = recovered.snapshot;
    this.snapshot = snapshot;
    this.offsetIndex = snapshot?.meta.index ?? 0;
    this.offsetTerm = snapshot?.meta.term ?? 0;
    this.entries = [];
    let expected = this.offsetIndex + 1;
    for (const entry of recovered.entries) {
      if (entry.index !== expected) {
        throw new RaftError(
          'EDGE_RAFT_RECOVERED_STATE_INVALID',
          `recovered log has entry ${entry.index} where ${expected} was expected: the data directory is damaged; restore it from a backup or remove this manager and rejoin it`,
        );
      }
      this.entries.push(entry);
      expected += 1;
    }
    this.stabled = this.lastIndex();
    const commit = Math.max(recovered.hardState.commit, this.offsetIndex);
    if (commit > this.lastIndex()) {
      throw new RaftError(
        'EDGE_RAFT_RECOVERED_STATE_INVALID',
        `recovered commit index ${commit} is beyond the last recovered entry ${this.lastIndex()}: synced log entries were lost; remove this manager and rejoin it`,
      );
    }
    this.committed = commit;
    // The caller restores its state machine from the snapshot, so applying resumes after it.
    this.applied = this.offsetIndex;
    this.applying = this.offsetIndex;
  }

  firstIndex(): number {
    return this.offsetIndex + 1;
  }

  lastIndex(): number {
    return this.offsetIndex + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** Term of the entry at `index`, or undefined when it is compacted away or not there yet. */
  term(index: number): number | undefined {
    if (index === this.offsetIndex) return this.offsetTerm;
    if (index < this.offsetIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.offsetIndex - 1]!.term;
  }

  entry(index: number): Entry | undefined {
    if (index <= this.offsetIndex) return undefined;
    return this.entries[index - this.offsetIndex - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft's election restriction: is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Entries from `from` on, at least one when there is one, stopping before
   * `bytesMax` of data. Null when `from` is compacted away (send a snapshot).
   */
  slice(from: number, bytesMax: number): Entry[] | null {
    if (from <= this.offsetIndex) return null;
    const result: Entry[] = [];
    let bytes = 0;
    for (let index = from; index <= this.lastIndex(); index += 1) {
      const entry = this.entries[index - this.offsetIndex - 1]!;
      if (result.length > 0 && bytes + entry.data.length > bytesMax) break;
      bytes += entry.data.length;
      result.push(entry);
    }
    return result;
  }

  /** Leader: appends its own new entries at the end. */
  append(entries: readonly Entry[]): void {
    for (const entry of entries) {
      assert(entry.index === this.lastIndex() + 1, `appended entry ${entry.index} does not follow ${this.lastIndex()}`);
      this.entries.push(entry);
    }
  }

  /**
   * Follower: accepts the leader's entries that follow (prevIndex, prevTerm).
   * Returns the index of the last entry the message vouches for, or null when
   * our log does not contain (prevIndex, prevTerm) and the leader must back off.
   */
  maybeAppend(prevIndex: number, prevTerm: number, entries: readonly Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      assert(conflict > this.committed, `leader entries conflict with committed entry ${conflict} (committed ${this.committed})`);
      const first = entries[0]!.index;
      this.truncateAndAppend(entries.slice(conflict - first));
    }
    return prevIndex + entries.length;
  }

  /** Index of the first entry that is new or differs from ours; 0 when all are already here. */
  private findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  private truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0]!.index;
    assert(first > this.offsetIndex && first <= this.lastIndex() + 1, `cannot place entry ${first} after ${this.lastIndex()}`);
    this.entries.length = first - this.offsetIndex - 1;
    if (this.stabled >= first) this.stabled = first - 1;
    for (const entry of entries) this.entries.push(entry);
  }

  /**
   * Fast back-off: the largest index ≤ `index` whose term is ≤ `term`, with
   * that term. A leader that sent prevLogTerm `term` can skip every entry of
   * ours above it, since none of them can match.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let at = Math.min(index, this.lastIndex());
    while (at > this.offsetIndex) {
      const ourTerm = this.term(at)!;
      if (ourTerm <= term) return { index: at, term: ourTerm };
      at -= 1;
    }
    return { index: at, term: at === this.offsetIndex && this.offsetTerm <= term ? this.offsetTerm : 0 };
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert(index <= this.lastIndex(), `commit ${index} is beyond the last index ${this.lastIndex()}`);
    this.committed = index;
  }

  /** Entries not yet handed to the disk. */
  unstableEntries(): Entry[] {
    return this.entries.slice(this.stabled - this.offsetIndex);
  }

  /** The disk holds entries through `index`, if the entry there is still the one written (same term). */
  stableTo(index: number, term: number): void {
    if (index > this.stabled && this.matchTerm(index, term)) this.stabled = index;
  }

  /** Committed entries not yet handed out for applying, at most `bytesMax` of data (at least one). */
  nextCommitted(bytesMax: number): Entry[] {
    const from = this.applying + 1;
    if (from > this.committed) return [];
    const result: Entry[] = [];
    let bytes = 0;
    for (let index = from; index <= this.committed; index += 1) {
      const entry = this.entry(index);
      assert(entry !== undefined, `committed entry ${index} is not in memory`);
      if (result.length > 0 && bytes + entry.data.length > bytesMax) break;
      bytes += entry.data.length;
      result.push(entry);
    }
    return result;
  }

  appliedTo(index: number): void {
    assert(index <= this.committed, `applied ${index} beyond committed ${this.committed}`);
    if (index > this.applied) this.applied = index;
    if (index > this.applying) this.applying = index;
  }

  /** Follower: replaces the whole log by a snapshot from the leader (its log could not be matched). */
  restore(snapshot: Snapshot): void {
    const { index, term } = snapshot.meta;
    assert(index > this.committed, `restoring snapshot ${index} at or below commit ${this.committed}`);
    this.entries = [];
    this.offsetIndex = index;
    this.offsetTerm = term;
    this.committed = index;
    this.stabled = index;
    this.snapshot = snapshot;
    this.pendingSnapshot = snapshot;
  }

  /** The caller persisted and applied the received snapshot at `index`. */
  snapshotApplied(index: number): void {
    if (this.pendingSnapshot !== null && this.pendingSnapshot.meta.index === index) this.pendingSnapshot = null;
    if (index > this.applied) this.applied = index;
    if (index > this.applying) this.applying = index;
  }

  /**
   * Records a snapshot made locally at an applied index, and drops entries
   * older than `trailEntries` behind it from memory.
   */
  compact(snapshot: Snapshot, trailEntries: number): void {
    const { index, term } = snapshot.meta;
    assert(index <= this.applied, `snapshot ${index} is beyond applied ${this.applied}`);
    assert(this.matchTerm(index, term), `snapshot term ${term} does not match entry ${index}`);
    this.snapshot = snapshot;
    const newOffset = Math.max(this.offsetIndex, index - trailEntries);
    if (newOffset === this.offsetIndex) return;
    this.offsetTerm = this.term(newOffset)!;
    this.entries = this.entries.slice(newOffset - this.offsetIndex);
    this.offsetIndex = newOffset;
  }

  /** Number of entries held in memory. */
  size(): number {
    return this.entries.length;
  }
}
