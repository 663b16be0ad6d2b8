/**
 * What the leader knows about one member's log, and how it is sending to it.
 *
 * Probe: the leader does not know where the logs agree; it sends one append,
 *   waits for the answer, backs `next` off on a reject.
 * Replicate: the logs agree up to `match`; appends stream out optimistically,
 *   bounded by the inflight window.
 * Snapshot: the member needs entries the leader compacted; a snapshot is on
 *   its way, chunk by chunk, and no appends go out until it is installed.
 *
 * Invariant: match < next.
 */
import { assert } from '../../common/assert.js';
import type { NodeId } from '../types.js';
import { Inflights } from './inflight.js';

export const ProgressState = { Probe: 'probe', Replicate: 'replicate', Snapshot: 'snapshot' } as const;
export type ProgressState = (typeof ProgressState)[keyof typeof ProgressState];

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = ProgressState.Probe;
  /** Probe only: an append is out and we wait for its answer before sending another. */
  probeSent = false;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  /** Snapshot only: index of the snapshot being sent and bytes the member acknowledged. */
  snapshotIndex = 0;
  snapshotOffsetBytes = 0;
  /** Highest commit index sent to the member (appends and heartbeats): tells whether it may be behind on commit. */
  commitSent = 0;
  /** Ticks since the member last made progress while something was in flight to it. */
  stallTicks = 0;
  readonly inflights: Inflights;

  constructor(
    readonly id: NodeId,
    next: number,
    window: { messagesMax: number; bytesMax: number },
  ) {
    this.next = next;
    this.inflights = new Inflights(window.messagesMax, window.bytesMax);
  }

  becomeProbe(): void {
    // After a snapshot the member has at least the snapshot, so start probing right after it.
    const after = this.state === ProgressState.Snapshot ? Math.max(this.match, this.snapshotIndex) : this.match;
    this.resetState(ProgressState.Probe);
    this.next = after + 1;
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.snapshotIndex = snapshotIndex;
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.snapshotIndex = 0;
    this.snapshotOffsetBytes = 0;
    this.stallTicks = 0;
    this.inflights.reset();
  }

  /** The member acknowledged its log matches ours through `index`. Returns true if that is news. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      this.probeSent = false;
      this.stallTicks = 0;
      updated = true;
    }
    if (this.next < index + 1) this.next = index + 1;
    return updated;
  }

  /**
   * The member rejected an append at `rejected`; `hintIndex` is where it
   * suggests to look. Returns false when the reject is stale (an answer to an
   * older append) and must be ignored.
   */
  maybeDecreaseTo(rejected: number, hintIndex: number): boolean {
    if (this.state === ProgressState.Snapshot) return false;
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hintIndex + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Records an append just sent, carrying entries up to `lastIndex` (count and bytes may be 0). */
  sentAppend(lastIndex: number, count: number, bytes: number): void {
    if (this.state === ProgressState.Replicate) {
      if (count === 0) return;
      assert(lastIndex + 1 > this.next - 1, 'replicating backwards');
      this.next = lastIndex + 1;
      this.inflights.add(lastIndex, bytes);
    } else if (this.state === ProgressState.Probe) {
      this.probeSent = true;
    }
  }

  /** True when nothing more may be sent until an answer arrives. */
  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflights.full();
      case ProgressState.Snapshot:
        return true;
    }
  }
}
