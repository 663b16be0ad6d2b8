// Drives health.ts for one container: runs a probe, waits `intervalMs`, runs
// the next. Owns the timer (through the Timers interface, so tests step it)
// and reports each change of status. One probe at a time: the next is only
// scheduled after the previous has finished or timed out.
import type { Clock } from '../../common/clock.js';
import { applyProbe, initialHealth, type HealthState } from './health.js';
import type { TimerHandle, Timers } from './timers.js';
import type { HealthCheckSpec, HealthStatus } from './types.js';

export interface ProbeResult {
  healthy: boolean;
  output: string;
}

export interface HealthMonitorOptions {
  check: HealthCheckSpec;
  /** Runs the check's command once, honouring its timeout; must not throw for a failing command. */
  probe: (command: string[], timeoutMs: number) => Promise<ProbeResult>;
  timers: Timers;
  clock: Clock;
  /** Monotonic time the container started (start period counts from here). */
  startedAtMs: number;
  onChange: (previous: HealthStatus, current: HealthStatus, output: string) => void;
}

export class HealthMonitor {
  private state: HealthState = initialHealth();
  private timer: TimerHandle | null = null;
  private stopped = false;

  constructor(private readonly options: HealthMonitorOptions) {}

  get status(): HealthStatus {
    return this.state.status;
  }

  /** Schedules the first probe one interval from now, as Docker does. */
  start(): void {
    this.schedule();
  }

  /** No probe runs after this; a probe in flight has its result ignored. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.options.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = null;
      void this.runProbe();
    }, this.options.check.intervalMs);
  }

  private async runProbe(): Promise<void> {
    const { check } = this.options;
    let result: ProbeResult;
    try {
      result = await this.options.probe(check.command, check.timeoutMs);
    } catch (error) {
      result = { healthy: false, output: error instanceof Error ? error.message : String(error) };
    }
    if (this.stopped) return;
    const previous = this.state.status;
    this.state = applyProbe(this.state, { healthy: result.healthy, atMs: this.options.clock.monotonicMs() }, check, this.options.startedAtMs);
    if (this.state.status !== previous) this.options.onChange(previous, this.state.status, result.output);
    this.schedule();
  }
}
