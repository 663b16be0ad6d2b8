// Membership events: each change of this node's view of a member, in the
// order it happened. The daemon's managers turn them into store updates
// through Raft; members() gives the whole view when they need to resync.
import type { MemberId, NodeRole } from './messages.js';

export type MembershipEventKind =
  /** A member joined, or came back (refuted a suspicion, or revived after dead/left with a higher incarnation). */
  | 'alive'
  /** A member stopped answering probes; it may refute. */
  | 'suspect'
  /** The suspicion ran out: the member is gone until it returns with a higher incarnation. */
  | 'dead'
  /** The member said goodbye (graceful leave). */
  | 'left'
  /** An alive member changed its address, role or labels. */
  | 'updated';

export interface MembershipEvent {
  kind: MembershipEventKind;
  member: MemberId;
  incarnation: number;
  address: string;
  role: NodeRole;
  labels: Uint8Array;
  /** This node's tick count when its view changed. */
  tick: number;
}

/**
 * A bounded FIFO: when full, the oldest event goes and `dropped` says a
 * resync is needed. Positions are absolute (they keep counting as events
 * leave), so consuming what a Ready handed out stays right even if events
 * were pushed or dropped in between.
 */
export class BoundedLog<T> {
  private items: T[] = [];
  /** Absolute position of items[0]. */
  private first = 0;
  /** Items pushed out by a full log since the last time the log was empty. */
  dropped = 0;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    if (this.items.length >= this.capacity) {
      this.items.shift();
      this.first += 1;
      this.dropped += 1;
    }
    this.items.push(item);
  }

  get length(): number {
    return this.items.length;
  }

  /** Absolute position just past the last item. */
  get end(): number {
    return this.first + this.items.length;
  }

  peek(): readonly T[] {
    return this.items;
  }

  /** Removes every item before absolute position `end`. */
  consumeUntil(end: number): void {
    const count = Math.max(0, Math.min(this.items.length, end - this.first));
    this.items.splice(0, count);
    this.first += count;
    if (this.items.length === 0) this.dropped = 0;
  }
}
