// The state machine's decision table and the restart policy, as pure
// functions: which single step comes next for each state the agent can be in.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decideRestart } from '../../runtime/agent/restart-policy.js';
import { planStep, type Step } from '../../runtime/agent/step-plan.js';
import { newTaskRecord, type TaskRecord } from '../../runtime/agent/task.js';
import { task } from './support.js';

const test = suite('step plan');
const free = () => true;
const online = { online: true, nowMs: 10_000, portsFree: free };
const offline = { online: false, nowMs: 10_000, portsFree: free };

function record(overrides: Partial<TaskRecord>, desiredState: 'running' | 'shutdown' | 'complete' = 'running'): TaskRecord {
  return { ...newTaskRecord(task('t', { desiredState })), ...overrides };
}

test('a wanted task moves forward one step at a time', () => {
  // Proves the forward path: accept, prepare, pull, create, start, then nothing while it runs.
  const table: [Partial<TaskRecord>, Step['kind']][] = [
    [{ state: 'new' }, 'accept'],
    [{ state: 'accepted' }, 'prepare'],
    [{ state: 'preparing' }, 'pull'],
    [{ state: 'preparing', imageId: 'img' }, 'create'],
    [{ state: 'starting', imageId: 'img', container: 'created' }, 'start'],
    [{ state: 'starting', imageId: 'img', container: 'none' }, 'create'],
    [{ state: 'running', container: 'running' }, 'none'],
    [{ state: 'running', container: 'ended', exit: { exitCode: 0, oomKilled: false, stopRequested: false, finishedAtMs: 0 } }, 'finish'],
    [{ state: 'running', container: 'running', failReason: 'unhealthy' }, 'stop'],
    [{ state: 'rejected' }, 'none'],
  ];
  for (const [overrides, kind] of table) assert.is(planStep(record(overrides), online).kind, kind, JSON.stringify(overrides));
});

test('a task whose published port is still held by a task on its way out waits before creating its container', () => {
  // Proves the wait is only at the create step: pulling goes ahead, creating does not.
  const busy = { ...online, portsFree: () => false };
  assert.is(planStep(record({ state: 'preparing' }), busy).kind, 'pull');
  assert.is(planStep(record({ state: 'preparing', imageId: 'img' }), busy).kind, 'none');
  assert.is(planStep(record({ state: 'starting', imageId: 'img', container: 'created' }), busy).kind, 'start');
});

test('an unwanted task is stopped, removed, shut down or forgotten', () => {
  // Proves the shutdown and removal path, listed (desired shutdown) and unlisted.
  const shutdown: [Partial<TaskRecord>, Step['kind']][] = [
    [{ state: 'running', container: 'running' }, 'stop'],
    [{ state: 'shutdown', container: 'ended' }, 'remove'],
    [{ state: 'starting', container: 'created' }, 'remove'],
    [{ state: 'accepted' }, 'shutdown'],
    [{ state: 'failed', rootfsHeld: true }, 'remove'],
    [{ state: 'shutdown' }, 'none'],
  ];
  for (const [overrides, kind] of shutdown) assert.is(planStep(record(overrides, 'shutdown'), online).kind, kind, JSON.stringify(overrides));
  assert.is(planStep(record({ state: 'shutdown', listed: false }), online).kind, 'forget');
  assert.is(planStep(record({ state: 'new', listed: false }), online).kind, 'shutdown');
});

test('an ended task restarts locally only offline: remove first, then wait for the delay, then restart', () => {
  // Proves the local restart sequence and that a session turns it off.
  const ended = { state: 'failed' as const, endedAtMs: 9_500, container: 'ended' as const };
  assert.is(planStep(record(ended), online).kind, 'none');
  assert.is(planStep(record(ended), offline).kind, 'remove');
  assert.equal(planStep(record({ ...ended, container: 'none' }), offline), { kind: 'wait', untilMs: 10_500 });
  assert.is(planStep(record({ ...ended, container: 'none' }), { online: false, nowMs: 10_500, portsFree: free }).kind, 'restart');
});

test('decideRestart follows condition, job completion and max attempts', () => {
  // Proves the policy table.
  const base = { desiredState: 'running' as const, endedAtMs: 1000, restartsAtMs: [] as number[] };
  const policy = (condition: 'none' | 'on-failure' | 'any', maxAttempts = 0, windowMs = 0) => ({ condition, delayMs: 100, maxAttempts, windowMs });
  assert.equal(decideRestart({ ...base, policy: policy('any'), endedAs: 'complete' }), { restart: true, dueAtMs: 1100, attempt: 1 });
  assert.is(decideRestart({ ...base, policy: policy('on-failure'), endedAs: 'complete' }).restart, false);
  assert.is(decideRestart({ ...base, policy: policy('any'), endedAs: 'complete', desiredState: 'complete' }).restart, false, 'a job that finished is done');
  assert.is(decideRestart({ ...base, policy: policy('any'), endedAs: 'failed', desiredState: 'complete' }).restart, true, 'a job that failed retries');
  assert.is(decideRestart({ ...base, policy: policy('none'), endedAs: 'failed' }).restart, false);
  assert.is(decideRestart({ ...base, policy: policy('any'), endedAs: 'shutdown' }).restart, false);
  assert.is(decideRestart({ ...base, policy: policy('any', 2), endedAs: 'failed', restartsAtMs: [10, 20] }).restart, false);
  assert.is(decideRestart({ ...base, policy: policy('any', 2, 500), endedAs: 'failed', restartsAtMs: [10, 20] }).restart, true, 'both restarts are older than the window');
  assert.is(decideRestart({ ...base, policy: policy('any', 2, 500), endedAs: 'failed', restartsAtMs: [10, 600, 900] }).restart, false);
});

test.run();
