import type { Rng } from '../common/rng.js';

/**
 * Exponential backoff with full jitter: attempt n waits a random time in
 * [0, min(maxMs, baseMs · 2^n)]. Full jitter spreads a fleet that lost its
 * manager at the same instant, so a hundred boards do not reconnect in step.
 */
export interface BackoffConfig {
  /** First ceiling, ms. Default 100. */
  baseMs: number;
  /** Largest ceiling, ms. Default 10 000: a board retries at least every 10 s. */
  maxMs: number;
}

export const defaultBackoff: BackoffConfig = { baseMs: 100, maxMs: 10_000 };

export function backoffDelayMs(attempt: number, config: BackoffConfig, rng: Rng): number {
  const ceiling = Math.min(config.maxMs, config.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(rng.next() * ceiling);
}
