/**
 * Wall-clock and monotonic time enter drivers through this interface, so tests
 * can run a board whose clock says 1970, or jump time forward.
 */
export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch (may be wrong on a board without an RTC). */
  nowMs(): number;
  /** Monotonic milliseconds, only meaningful as differences. */
  monotonicMs(): number;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private wallMs: number, private monoMs = 0) {}
  nowMs(): number {
    return this.wallMs;
  }
  monotonicMs(): number {
    return this.monoMs;
  }
  advance(ms: number): void {
    this.wallMs += ms;
    this.monoMs += ms;
  }
  setWall(ms: number): void {
    this.wallMs = ms;
  }
}
