// When the leader reconciles. A fixed 250 ms timer made every reaction (a
// node going down, a service created) wait up to a quarter second, and woke
// an idle leader four times a second for nothing. Instead a pass runs:
//   - shortly after the store changes (debounced: the entries of one burst,
//     a batch plus the agents' reports that follow, become one pass);
//   - when the orchestrator's plan asked to be called again (Plan.wakeAtMs:
//     a restart delay or an update's monitor period ends);
//   - on a slow safety timer, so a missed wake costs seconds, not forever.
// Passes never overlap: a change during a pass schedules one more after it.
import type { TimerHandle, Timers } from '../containers/executor/timers.js';

export interface PassScheduleConfig {
  /**
   * After a store change, wait this long for more changes before a pass.
   * Default 10 ms. Longer coalesces more of a burst into one pass; every
   * reaction (a dead node's tasks replaced) waits this much longer.
   */
  debounceMs: number;
  /**
   * A pass runs at least this often when nothing asks for one. Default
   * 5000 ms. Only a safety net: changes and planned wakes are what drive
   * passes. Shorter costs an idle manager CPU; longer delays recovery from
   * a wake that was missed.
   */
  safetyIntervalMs: number;
}

export function defaultPassScheduleConfig(): PassScheduleConfig {
  return { debounceMs: 10, safetyIntervalMs: 5000 };
}

export interface PassScheduleOptions {
  timers: Timers;
  /** The clock Plan.wakeAtMs is read against (the leader's nowMs). */
  nowMs: () => number;
  /** Runs one pass; resolves to when the plan wants the next one (null: only on change). Reports its own failures; a rejection counts as null. */
  runPass: () => Promise<number | null>;
  config?: Partial<PassScheduleConfig>;
}

export class PassSchedule {
  private readonly config: PassScheduleConfig;
  private timer: TimerHandle | undefined;
  /** When the armed timer fires (on the nowMs clock). */
  private dueAtMs = Number.POSITIVE_INFINITY;
  private running = false;
  /** A change arrived while a pass was running: run again once it ends. */
  private changedDuringPass = false;
  private stopped = true;

  constructor(private readonly options: PassScheduleOptions) {
    this.config = { ...defaultPassScheduleConfig(), ...options.config };
  }

  start(): void {
    this.stopped = false;
    this.armIn(this.config.safetyIntervalMs);
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  /** Something the orchestrator reads changed (a store change, a new leadership): pass soon. */
  changed(): void {
    if (this.stopped) return;
    if (this.running) {
      this.changedDuringPass = true;
      return;
    }
    this.armIn(this.config.debounceMs);
  }

  /** Arms the timer to fire in `delayMs`, unless it already fires sooner. */
  private armIn(delayMs: number): void {
    const dueAtMs = this.options.nowMs() + Math.max(0, delayMs);
    if (this.timer !== undefined && this.dueAtMs <= dueAtMs) return;
    this.disarm();
    this.dueAtMs = dueAtMs;
    this.timer = this.options.timers.setTimeout(() => void this.fire(), Math.max(0, delayMs));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAtMs = Number.POSITIVE_INFINITY;
  }

  private async fire(): Promise<void> {
    this.timer = undefined;
    this.dueAtMs = Number.POSITIVE_INFINITY;
    if (this.stopped) return;
    this.running = true;
    this.changedDuringPass = false;
    let wakeAtMs: number | null = null;
    try {
      wakeAtMs = await this.options.runPass();
    } catch {
      // runPass logs why; the next change or the safety timer tries again.
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    this.armIn(this.config.safetyIntervalMs);
    if (wakeAtMs !== null) this.armIn(wakeAtMs - this.options.nowMs());
    if (this.changedDuringPass) this.armIn(this.config.debounceMs);
  }
}
