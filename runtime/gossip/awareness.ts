// Lifeguard's local health multiplier. When this node is the slow one (CPU
// starved, swapping, its own link flaky), its probes fail through no fault of
// the targets, and plain SWIM would have it accuse healthy peers. The score
// counts evidence that the problem is local; probes then start less often and
// wait longer, in proportion.
//
// Evidence it is us: a failed probe where the relays did not even send a nack
// (they could not reach us either), and having to refute a suspicion of
// ourselves. Evidence we are fine: any probe that got its ack.
import { assert } from '../common/assert.js';

export class Awareness {
  private score = 0;

  /** `multiplierMax` is config.awarenessMax: the score stays in [0, multiplierMax - 1]. */
  constructor(private readonly multiplierMax: number) {
    assert(Number.isSafeInteger(multiplierMax) && multiplierMax >= 1, 'awareness multiplier max must be a whole number >= 1');
  }

  /** Adds `delta` (may be negative), clamped to the range. */
  apply(delta: number): void {
    assert(Number.isSafeInteger(delta), 'awareness delta must be a whole number');
    this.score = Math.min(this.multiplierMax - 1, Math.max(0, this.score + delta));
  }

  /** 0 when healthy. */
  get health(): number {
    return this.score;
  }

  /** A timeout or interval in ticks, stretched by the current health: ticks × (score + 1). */
  scale(ticks: number): number {
    return ticks * (this.score + 1);
  }
}
