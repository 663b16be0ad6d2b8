// One suspicion of one member, with Lifeguard's shrinking timeout. A lone
// accuser may be the one with the broken link, so a suspicion nobody else
// shares runs for the longest time; each independent confirmation (a suspect
// message about the same incarnation from another member) is evidence the
// target really is gone, and the timeout falls towards the minimum as
//
//   timeout(c) = max - (max - min) × log(c + 1) / log(expected + 1)
//
// which reaches `min` at c = expected. The log makes the first confirmations
// count most, as in the Lifeguard paper.
import { assert } from '../common/assert.js';
import type { MemberId } from './messages.js';

export interface SuspicionOptions {
  incarnation: number;
  /** Tick at which this node started suspecting (heard of it or decided it). */
  startTick: number;
  /** The member whose suspicion started this timer; it never counts as a confirmation. */
  accuser: MemberId;
  /** Confirmations that bring the timeout to minTicks; 0 means minTicks at once. */
  expected: number;
  minTicks: number;
  maxTicks: number;
}

export class Suspicion {
  readonly incarnation: number;
  readonly startTick: number;
  readonly accuser: MemberId;
  private readonly expected: number;
  private readonly minTicks: number;
  private readonly maxTicks: number;
  /** Distinct confirmers; never more than `expected` (later ones change nothing). */
  private readonly confirmers = new Set<MemberId>();
  private timeout: number;

  constructor(options: SuspicionOptions) {
    assert(options.minTicks >= 1 && options.maxTicks >= options.minTicks, 'suspicion needs 1 <= min <= max');
    assert(Number.isSafeInteger(options.expected) && options.expected >= 0, 'expected confirmations must be a whole number >= 0');
    this.incarnation = options.incarnation;
    this.startTick = options.startTick;
    this.accuser = options.accuser;
    this.expected = options.expected;
    this.minTicks = options.minTicks;
    this.maxTicks = options.maxTicks;
    this.timeout = this.computeTimeout();
  }

  /** Counts `from` as a confirmation; true when it was new and counted (worth re-broadcasting). */
  confirm(from: MemberId): boolean {
    if (this.confirmers.size >= this.expected) return false;
    if (from === this.accuser || this.confirmers.has(from)) return false;
    this.confirmers.add(from);
    this.timeout = this.computeTimeout();
    return true;
  }

  get confirmations(): number {
    return this.confirmers.size;
  }

  /** Current timeout in ticks, counted from startTick. */
  get timeoutTicks(): number {
    return this.timeout;
  }

  expired(nowTick: number): boolean {
    return nowTick - this.startTick >= this.timeout;
  }

  private computeTimeout(): number {
    if (this.expected === 0) return this.minTicks;
    const fraction = Math.log(this.confirmers.size + 1) / Math.log(this.expected + 1);
    const ticks = Math.floor(this.maxTicks - (this.maxTicks - this.minTicks) * fraction);
    return Math.max(this.minTicks, ticks);
  }
}
