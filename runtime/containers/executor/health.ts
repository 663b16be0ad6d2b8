// The health-check state machine, pure: probe results in, status out. Same
// rules as Docker's HEALTHCHECK so stack files mean what their authors think:
//   - a container starts "starting";
//   - any successful probe makes it "healthy" and clears the failure streak;
//   - a failure adds to the streak, and `retries` in a row make it "unhealthy";
//   - while still "starting" and inside the start period, failures do not count
//     (a slow service is not unhealthy yet), but a success ends the start period.
import type { HealthCheckSpec, HealthStatus } from './types.js';

export interface HealthState {
  status: HealthStatus;
  /** Consecutive failed probes that counted. */
  failureStreak: number;
}

export interface ProbeOutcome {
  healthy: boolean;
  /** When the probe finished, on the same clock as startedAtMs. */
  atMs: number;
}

export function initialHealth(): HealthState {
  return { status: 'starting', failureStreak: 0 };
}

export function applyProbe(state: HealthState, outcome: ProbeOutcome, check: HealthCheckSpec, startedAtMs: number): HealthState {
  if (outcome.healthy) return { status: 'healthy', failureStreak: 0 };
  const inStartPeriod = state.status === 'starting' && outcome.atMs - startedAtMs < check.startPeriodMs;
  if (inStartPeriod) return state;
  const failureStreak = state.failureStreak + 1;
  return { status: failureStreak >= check.retries ? 'unhealthy' : state.status, failureStreak };
}
