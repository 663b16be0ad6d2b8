// Unit tests of the health-check state machine (health.ts) and its driver
// (health-monitor.ts), with time moved by hand through ManualTimers.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../../runtime/common/clock.js';
import { applyProbe, initialHealth } from '../../../runtime/containers/executor/health.js';
import { HealthMonitor, type ProbeResult } from '../../../runtime/containers/executor/health-monitor.js';
import { ManualTimers } from '../../../runtime/containers/executor/timers.js';
import type { HealthCheckSpec, HealthStatus } from '../../../runtime/containers/executor/types.js';

const test = suite('health');
const check: HealthCheckSpec = { command: ['probe'], intervalMs: 1000, timeoutMs: 500, retries: 3, startPeriodMs: 5000 };
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('retries consecutive failures make it unhealthy; one success resets the streak', () => {
  // Proves the threshold is consecutive failures, not total failures.
  let state = { status: 'healthy' as HealthStatus, failureStreak: 0 };
  const fail = { healthy: false, atMs: 10_000 };
  state = applyProbe(state, fail, check, 0);
  state = applyProbe(state, fail, check, 0);
  assert.is(state.status, 'healthy');
  state = applyProbe(state, { healthy: true, atMs: 10_000 }, check, 0);
  assert.equal(state, { status: 'healthy', failureStreak: 0 });
  state = applyProbe(applyProbe(applyProbe(state, fail, check, 0), fail, check, 0), fail, check, 0);
  assert.equal(state, { status: 'unhealthy', failureStreak: 3 });
  assert.equal(applyProbe(state, { healthy: true, atMs: 10_000 }, check, 0), { status: 'healthy', failureStreak: 0 });
});

test('failures inside the start period do not count while starting; a success ends the period', () => {
  // Proves a slow service is not declared unhealthy early, and that start period applies only before the first success.
  let state = initialHealth();
  for (let i = 0; i < 10; i++) state = applyProbe(state, { healthy: false, atMs: 4000 }, check, 0);
  assert.equal(state, { status: 'starting', failureStreak: 0 });
  state = applyProbe(state, { healthy: true, atMs: 4500 }, check, 0);
  for (let i = 0; i < 3; i++) state = applyProbe(state, { healthy: false, atMs: 4800 }, check, 0);
  assert.is(state.status, 'unhealthy', 'after a success, failures count even inside the start period');
  let late = initialHealth();
  for (let i = 0; i < 3; i++) late = applyProbe(late, { healthy: false, atMs: 6000 }, check, 0);
  assert.is(late.status, 'unhealthy', 'past the start period a starting container can become unhealthy');
});

test('the monitor probes once per interval and reports each transition once', async () => {
  // Proves the driver: first probe after one interval, transitions healthy then unhealthy, no duplicate events.
  const timers = new ManualTimers();
  const clock = new ManualClock(0, 0);
  const outcomes = [true, true, false, false, false, false];
  const events: string[] = [];
  let probes = 0;
  const monitor = new HealthMonitor({
    check: { ...check, startPeriodMs: 0 },
    probe: async (): Promise<ProbeResult> => ({ healthy: outcomes[probes++] ?? false, output: `probe ${probes}` }),
    timers,
    clock,
    startedAtMs: 0,
    onChange: (previous, current, output) => events.push(`${previous}->${current} (${output})`),
  });
  monitor.start();
  assert.is(monitor.status, 'starting');
  timers.advance(999);
  await flush();
  assert.is(probes, 0, 'no probe before the first interval');
  for (let step = 0; step < 6; step++) {
    clock.advance(1000);
    timers.advance(1000);
    await flush();
  }
  assert.is(probes, 6);
  assert.equal(events, ['starting->healthy (probe 1)', 'healthy->unhealthy (probe 5)']);
  assert.is(monitor.status, 'unhealthy');
});

test('a probe that throws counts as a failure; stop() ends probing and ignores a late result', async () => {
  // Proves a broken probe cannot crash the monitor and a stopped monitor stays silent.
  const timers = new ManualTimers();
  const clock = new ManualClock(0, 10_000);
  const events: HealthStatus[] = [];
  let release: ((result: ProbeResult) => void) | null = null;
  let calls = 0;
  const monitor = new HealthMonitor({
    check: { ...check, retries: 1, startPeriodMs: 0 },
    probe: (): Promise<ProbeResult> => {
      calls += 1;
      if (calls === 1) return Promise.reject(new Error('exec failed'));
      return new Promise((resolve) => (release = resolve));
    },
    timers,
    clock,
    startedAtMs: 0,
    onChange: (_previous, current) => events.push(current),
  });
  monitor.start();
  timers.advance(1000);
  await flush();
  assert.equal(events, ['unhealthy']);
  timers.advance(1000);
  await flush();
  assert.is(calls, 2);
  monitor.stop();
  (release as ((result: ProbeResult) => void) | null)?.({ healthy: true, output: '' });
  await flush();
  assert.equal(events, ['unhealthy'], 'the late success after stop() is ignored');
  assert.is(timers.pendingCount, 0, 'no timer left behind');
});

test.run();
