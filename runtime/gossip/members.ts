// The member table: what this node believes about every member it knows,
// itself included. Bounded by membersMax: a full table refuses newcomers
// rather than grow, so no sequence of messages can make it unbounded.
//
// Alongside the map it keeps the ids of the live members (alive or suspect,
// not self) in an array, so picking random peers is O(k) even at 1000 nodes.
import { assert } from '../common/assert.js';
import type { Rng } from '../common/rng.js';
import type { MemberId, MemberStatus, NodeRole } from './messages.js';

export interface Member {
  readonly id: MemberId;
  address: string;
  role: NodeRole;
  /** Owned copy (never a view into a received frame's buffer). */
  labels: Uint8Array;
  incarnation: number;
  status: MemberStatus;
  /** Tick of the last status change: drives reaping and gossip to the dead. */
  statusTick: number;
}

export function isLive(status: MemberStatus): boolean {
  return status === 'alive' || status === 'suspect';
}

export class MemberTable {
  private readonly members = new Map<MemberId, Member>();
  private readonly live: MemberId[] = [];
  private readonly liveIndex = new Map<MemberId, number>();

  constructor(
    readonly selfId: MemberId,
    private readonly capacity: number,
  ) {
    assert(capacity >= 2, 'member table needs room for self and one peer');
  }

  get size(): number {
    return this.members.size;
  }

  get isFull(): boolean {
    return this.members.size >= this.capacity;
  }

  get(id: MemberId): Member | undefined {
    return this.members.get(id);
  }

  values(): IterableIterator<Member> {
    return this.members.values();
  }

  /** Live peers (alive or suspect), self excluded. The array is owned by the table: read, don't keep. */
  get livePeers(): readonly MemberId[] {
    return this.live;
  }

  /** Live members counting self when self is alive: the n of the formulas. */
  get liveCount(): number {
    const self = this.members.get(this.selfId);
    return this.live.length + (self !== undefined && isLive(self.status) ? 1 : 0);
  }

  /** Adds a member not yet known; false (and nothing changes) when the table is full. */
  add(member: Member): boolean {
    assert(!this.members.has(member.id), `member ${member.id} added twice`);
    if (this.isFull) return false;
    this.members.set(member.id, member);
    this.track(member);
    return true;
  }

  /** Changes a member's status, keeping the live index in step. */
  setStatus(member: Member, status: MemberStatus, tick: number): void {
    assert(this.members.get(member.id) === member, `member ${member.id} is not in the table`);
    member.status = status;
    member.statusTick = tick;
    this.track(member);
  }

  remove(id: MemberId): void {
    assert(id !== this.selfId, 'self is never removed from the member table');
    const member = this.members.get(id);
    if (member === undefined) return;
    this.untrack(id);
    this.members.delete(id);
  }

  /**
   * Up to `count` distinct random live peers, none of them in `exclude`.
   * Rejection sampling when the table is large, a partial shuffle when small.
   */
  randomLive(rng: Rng, count: number, exclude: ReadonlySet<MemberId> = new Set()): MemberId[] {
    const chosen: MemberId[] = [];
    if (count <= 0 || this.live.length === 0) return chosen;
    if (this.live.length > 4 * (count + exclude.size)) {
      const picked = new Set<MemberId>();
      for (let attempt = 0; attempt < 8 * count && chosen.length < count; attempt += 1) {
        const id = this.live[rng.int(this.live.length)]!;
        if (exclude.has(id) || picked.has(id)) continue;
        picked.add(id);
        chosen.push(id);
      }
      if (chosen.length === count) return chosen;
      chosen.length = 0;
    }
    const pool = this.live.filter((id) => !exclude.has(id));
    for (let index = 0; index < pool.length && chosen.length < count; index += 1) {
      const swap = index + rng.int(pool.length - index);
      const picked = pool[swap]!;
      pool[swap] = pool[index]!;
      pool[index] = picked;
      chosen.push(picked);
    }
    return chosen;
  }

  private track(member: Member): void {
    if (member.id === this.selfId) return;
    const indexed = this.liveIndex.has(member.id);
    if (isLive(member.status) && !indexed) {
      this.liveIndex.set(member.id, this.live.length);
      this.live.push(member.id);
    } else if (!isLive(member.status) && indexed) {
      this.untrack(member.id);
    }
  }

  private untrack(id: MemberId): void {
    const index = this.liveIndex.get(id);
    if (index === undefined) return;
    const last = this.live.pop()!;
    if (last !== id) {
      this.live[index] = last;
      this.liveIndex.set(last, index);
    }
    this.liveIndex.delete(id);
  }
}
