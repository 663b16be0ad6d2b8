/**
 * ReadIndex (Raft thesis §6.4): linearizable reads without writing the log.
 *
 * The leader notes its commit index for a read, then confirms it is still the
 * leader by a round of heartbeats: once a majority of voters echoed a round at
 * or after the read's round, no other leader can have committed anything the
 * read would miss. The caller serves the read after applying up to the index.
 * A new leader first waits for an entry of its own term to commit, since
 * before that its commit index may lag what earlier leaders committed.
 */
import type { NodeId } from '../types.js';
import { majorityValue } from './quorum.js';

export interface PendingRead {
  requestId: number;
  /** The node whose caller asked: the leader itself, or a follower that forwarded. */
  origin: NodeId;
  index: number;
  round: number;
}

/** A read that may now be served, once the state machine has applied `index`. */
export interface ReadState {
  requestId: number;
  index: number;
}

export class ReadIndexQueue {
  /** The round carried by the latest heartbeat broadcast. */
  round = 0;
  private pending: PendingRead[] = [];
  /** Reads that arrived before this leader committed an entry of its term. */
  private waiting: Array<{ requestId: number; origin: NodeId }> = [];
  private readonly echoedRound = new Map<NodeId, number>();

  constructor(readonly capacity: number) {}

  size(): number {
    return this.pending.length + this.waiting.length;
  }

  full(): boolean {
    return this.size() >= this.capacity;
  }

  wait(requestId: number, origin: NodeId): void {
    this.waiting.push({ requestId, origin });
  }

  takeWaiting(): Array<{ requestId: number; origin: NodeId }> {
    const waiting = this.waiting;
    this.waiting = [];
    return waiting;
  }

  /** Registers a read at commit index `index`; it is confirmed by the next heartbeat round. */
  add(requestId: number, origin: NodeId, index: number): void {
    this.pending.push({ requestId, origin, index, round: this.round + 1 });
  }

  /** True when a read waits for a round no heartbeat has carried yet. */
  needsRound(): boolean {
    const last = this.pending[this.pending.length - 1];
    return last !== undefined && last.round > this.round;
  }

  /** A heartbeat broadcast is going out: the round it carries. */
  nextRound(): number {
    this.round += 1;
    return this.round;
  }

  recordEcho(from: NodeId, round: number): void {
    if (round > (this.echoedRound.get(from) ?? 0)) this.echoedRound.set(from, round);
  }

  /** Removes and returns the reads a majority of `voters` has confirmed. */
  takeConfirmed(voters: readonly NodeId[], self: NodeId): PendingRead[] {
    if (this.pending.length === 0) return [];
    const confirmed = majorityValue(voters, (id) => (id === self ? this.round : this.echoedRound.get(id) ?? 0));
    let count = 0;
    while (count < this.pending.length && this.pending[count]!.round <= confirmed) count += 1;
    return this.pending.splice(0, count);
  }

  /** Leadership ended: every pending read is dropped (callers time out and retry). */
  reset(): void {
    this.pending = [];
    this.waiting = [];
    this.echoedRound.clear();
  }
}
