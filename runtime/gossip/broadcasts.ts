// The piggyback queue: membership news waiting to ride on outgoing messages.
// Each update is sent a bounded number of times (retransmitLimit: λ·log n)
// and then forgotten; SWIM's analysis shows that many transmissions from
// every node that learned it reach the whole cluster with high probability.
//
// Bounded by construction: at most one update per member is queued (a newer
// one about the same member replaces the older, whose news it supersedes),
// and the queue holds at most `capacity` members. The least-sent updates go
// first, so fresh news overtakes news most nodes already have.
import { assert } from '../common/assert.js';
import { encodedBytes } from './encoded-size.js';
import type { MemberId, Update } from './messages.js';

interface Queued {
  update: Update;
  /** Encoded size, computed once. */
  bytes: number;
  /** Times this update has been put in a message. */
  transmits: number;
}

export interface TakeOptions {
  /** Updates reaching this many transmits are dropped from the queue. */
  retransmitLimit: number;
  bytesMax: number;
  countMax: number;
}

/** Smallest encoded update (a `left` with a 1-character id); below this nothing else fits. */
const updateBytesMin = 30;

export class BroadcastQueue {
  private readonly byMember = new Map<MemberId, Queued>();
  /** levels[t] holds the updates sent t times, oldest first. */
  private readonly levels: Set<Queued>[] = [];
  /** Updates pushed out by a full queue (a counter for stats). */
  dropped = 0;

  constructor(private readonly capacity: number) {
    assert(Number.isSafeInteger(capacity) && capacity >= 1, 'broadcast queue capacity must be a whole number >= 1');
  }

  get size(): number {
    return this.byMember.size;
  }

  /** Queues `update`, replacing anything queued about the same member. */
  enqueue(update: Update): void {
    const previous = this.byMember.get(update.member);
    if (previous !== undefined) this.remove(previous);
    else if (this.byMember.size >= this.capacity) this.dropMostSent();
    const queued: Queued = { update, bytes: encodedBytes(update), transmits: 0 };
    this.byMember.set(update.member, queued);
    this.level(0).add(queued);
    assert(this.byMember.size <= this.capacity, 'broadcast queue over capacity');
  }

  /** The queued update about `member`, if any (tests and leave() use it). */
  queued(member: MemberId): Update | undefined {
    return this.byMember.get(member)?.update;
  }

  /** Times the update about `member` has been sent so far, or undefined if none is queued. */
  transmitsOf(member: MemberId): number | undefined {
    return this.byMember.get(member)?.transmits;
  }

  /**
   * Picks updates for one message, least-sent first, within the byte and
   * count budgets, and counts the transmission. `reservedBytes` is what the
   * caller already placed in the message.
   */
  take(options: TakeOptions, reservedBytes = 0): Update[] {
    const taken: Queued[] = [];
    let bytesLeft = options.bytesMax - reservedBytes;
    for (const level of this.levels) {
      if (taken.length >= options.countMax || bytesLeft < updateBytesMin) break;
      for (const queued of level) {
        if (taken.length >= options.countMax || bytesLeft < updateBytesMin) break;
        if (queued.bytes > bytesLeft) continue;
        taken.push(queued);
        bytesLeft -= queued.bytes;
      }
    }
    // Moved after the scan so no item is visited twice in one call.
    for (const queued of taken) {
      this.remove(queued);
      queued.transmits += 1;
      if (queued.transmits < options.retransmitLimit) {
        this.byMember.set(queued.update.member, queued);
        this.level(queued.transmits).add(queued);
      }
    }
    return taken.map((queued) => queued.update);
  }

  /** Drops whatever is queued about `member` (e.g. it was reaped). */
  forget(member: MemberId): void {
    const queued = this.byMember.get(member);
    if (queued !== undefined) this.remove(queued);
  }

  private level(transmits: number): Set<Queued> {
    while (this.levels.length <= transmits) this.levels.push(new Set());
    return this.levels[transmits]!;
  }

  private remove(queued: Queued): void {
    this.byMember.delete(queued.update.member);
    this.levels[queued.transmits]?.delete(queued);
  }

  private dropMostSent(): void {
    for (let transmits = this.levels.length - 1; transmits >= 0; transmits -= 1) {
      const level = this.levels[transmits]!;
      const oldest = level.values().next();
      if (!oldest.done) {
        this.remove(oldest.value);
        this.dropped += 1;
        return;
      }
    }
  }
}
