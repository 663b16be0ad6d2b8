/**
 * The pipelining window to one follower: appends sent but not yet
 * acknowledged, bounded both in messages and in bytes. Each slot remembers
 * the last index the append carried, so an acknowledgement frees every
 * append it covers.
 */
import { assert } from '../../common/assert.js';

export class Inflights {
  private lastIndexes: number[] = [];
  private sizes: number[] = [];
  private bytesTotal = 0;

  constructor(
    readonly messagesMax: number,
    readonly bytesMax: number,
  ) {}

  add(lastIndex: number, bytes: number): void {
    assert(!this.full(), 'added an append to a full inflight window');
    const previous = this.lastIndexes[this.lastIndexes.length - 1];
    assert(previous === undefined || lastIndex > previous, `inflight appends out of order: ${lastIndex} after ${previous}`);
    this.lastIndexes.push(lastIndex);
    this.sizes.push(bytes);
    this.bytesTotal += bytes;
  }

  /** Frees every append whose last index is at or below `index`. */
  freeTo(index: number): void {
    let count = 0;
    while (count < this.lastIndexes.length && this.lastIndexes[count]! <= index) {
      this.bytesTotal -= this.sizes[count]!;
      count += 1;
    }
    if (count === 0) return;
    this.lastIndexes.splice(0, count);
    this.sizes.splice(0, count);
  }

  /** Frees the oldest append so one more can go out (used when a heartbeat shows the follower alive but the window stuck). */
  freeFirst(): void {
    if (this.lastIndexes.length === 0) return;
    this.bytesTotal -= this.sizes[0]!;
    this.lastIndexes.shift();
    this.sizes.shift();
  }

  full(): boolean {
    return this.lastIndexes.length >= this.messagesMax || this.bytesTotal >= this.bytesMax;
  }

  count(): number {
    return this.lastIndexes.length;
  }

  bytes(): number {
    return this.bytesTotal;
  }

  reset(): void {
    this.lastIndexes = [];
    this.sizes = [];
    this.bytesTotal = 0;
  }
}
