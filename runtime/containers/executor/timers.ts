// Timers enter the executor through this interface so that health-check tests
// move time by hand instead of sleeping (the Clock in runtime/common says what
// time it is; this says "call me later").

export interface TimerHandle {
  readonly timerId: number;
}

export interface Timers {
  /** Calls `callback` once, `delayMs` from now. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a pending timer; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Real timers, unref'd by default: an executor's periodic work (health
 * probes, log checks) must never be the thing that keeps the agent process
 * alive. The fake's simulated processes pass `keepAlive`, since a test
 * awaiting a fake container's exit should keep running like one awaiting a
 * real one.
 */
export function systemTimers(options: { keepAlive?: boolean } = {}): Timers {
  let nextId = 1;
  const live = new Map<number, NodeJS.Timeout>();
  return {
    setTimeout(callback, delayMs) {
      const timerId = nextId++;
      const timer = setTimeout(() => {
        live.delete(timerId);
        callback();
      }, delayMs);
      if (options.keepAlive !== true) timer.unref();
      live.set(timerId, timer);
      return { timerId };
    },
    clearTimeout(handle) {
      const timer = live.get(handle.timerId);
      if (timer !== undefined) clearTimeout(timer);
      live.delete(handle.timerId);
    },
  };
}

interface ManualTimer {
  timerId: number;
  dueMs: number;
  callback: () => void;
}

/** Timers a test advances by hand; due callbacks run in due order, ties in creation order. */
export class ManualTimers implements Timers {
  private nowMs = 0;
  private nextId = 1;
  private pending: ManualTimer[] = [];

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer = { timerId: this.nextId++, dueMs: this.nowMs + Math.max(0, delayMs), callback };
    this.pending.push(timer);
    return { timerId: timer.timerId };
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending = this.pending.filter((timer) => timer.timerId !== handle.timerId);
  }

  /** Moves time forward, running every callback that falls due on the way. */
  advance(ms: number): void {
    const targetMs = this.nowMs + ms;
    for (;;) {
      const due = this.pending
        .filter((timer) => timer.dueMs <= targetMs)
        .sort((a, b) => a.dueMs - b.dueMs || a.timerId - b.timerId)[0];
      if (due === undefined) break;
      this.pending = this.pending.filter((timer) => timer !== due);
      this.nowMs = due.dueMs;
      due.callback();
    }
    this.nowMs = targetMs;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  get elapsedMs(): number {
    return this.nowMs;
  }
}
