// A counting semaphore: at most `capacity` holders at once, the rest queued in
// arrival order. Used to bound concurrent image pulls on a small board; the
// queue holds at most one waiter per task, so the task bound bounds it too.
import { assert } from '../common/assert.js';

export class Slots {
  private held = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly capacity: number) {
    assert(Number.isSafeInteger(capacity) && capacity > 0, 'slot capacity must be a whole number > 0');
  }

  /** Runs `work` once a slot is free and frees it when `work` settles. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.held >= this.capacity) await new Promise<void>((resolve) => this.waiters.push(resolve));
    else this.held += 1;
    try {
      return await work();
    } finally {
      const next = this.waiters.shift();
      // The slot passes straight to the next waiter, so `held` stays the same.
      if (next === undefined) this.held -= 1;
      else next();
    }
  }

  get waiting(): number {
    return this.waiters.length;
  }
}
