// Offline autonomy: with no manager reachable the agent keeps its tasks and
// applies their restart policy itself; with a session it leaves restarts to
// the manager; on reconnect it reports first, then says hello, and the next
// full assignment wins over anything it did alone.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Harness, task } from './support.js';

const test = suite('agent offline');
let harness: Harness;

test.before.each(async () => {
  harness = await Harness.create();
});
test.after.each(async () => {
  await harness.cleanup();
});

const crashing = (maxAttempts: number, condition: 'any' | 'on-failure' | 'none' = 'on-failure') =>
  task('crash', { program: { exitAfterMs: 300, exitCode: 1 }, spec: { restartPolicy: { condition, delayMs: 500, maxAttempts, windowMs: 0 } } });

test('offline, a failing task is restarted after delayMs, at most maxAttempts times, then stays failed', async () => {
  // Proves the local restart policy: delay, attempt count, and giving up.
  harness.agent.onSessionOpen();
  await harness.assign(1, [crashing(2)]);
  harness.agent.onSessionLost();
  await harness.advance(350);
  assert.is(harness.view('crash')?.state, 'failed');
  await harness.advance(400);
  assert.is(harness.view('crash')?.state, 'failed', 'not before the delay');
  await harness.advance(200);
  assert.is(harness.view('crash')?.state, 'running', 'restarted after the delay');
  assert.match(harness.view('crash')?.message ?? '', 'local restart 1');
  await harness.advance(2000);
  assert.is(harness.view('crash')?.state, 'failed', 'gave up after two restarts');
  assert.is(harness.agent.counters.localRestarts, 2);
});

test('condition "on-failure" leaves a clean exit alone; "any" restarts it; "none" never restarts', async () => {
  // Proves the three conditions offline.
  const exiting = (id: string, condition: 'any' | 'on-failure' | 'none', exitCode: number) =>
    task(id, { program: { exitAfterMs: 100, exitCode }, spec: { restartPolicy: { condition, delayMs: 100, maxAttempts: 1, windowMs: 0 } } });
  await harness.assign(1, [exiting('clean-on-failure', 'on-failure', 0), exiting('clean-any', 'any', 0), exiting('failed-none', 'none', 1)]);
  await harness.advance(260);
  assert.is(harness.view('clean-on-failure')?.state, 'complete');
  assert.is(harness.view('clean-any')?.state, 'running');
  assert.is(harness.view('failed-none')?.state, 'failed');
});

test('with a session, an ended task is not restarted by the agent (the orchestrator replaces it)', async () => {
  // Proves the agent restarts only while no manager is reachable.
  harness.agent.onSessionOpen();
  await harness.assign(1, [crashing(0, 'any')]);
  await harness.advance(2000);
  assert.is(harness.view('crash')?.state, 'failed');
  assert.is(harness.agent.counters.localRestarts, 0);
});

test('a session opening during the restart delay cancels the local restart and reports the failure', async () => {
  // Proves the manager takes over as soon as it is reachable.
  await harness.assign(1, [crashing(0)]);
  await harness.advance(350);
  harness.agent.onSessionOpen();
  await harness.advance(2000);
  assert.is(harness.agent.counters.localRestarts, 0);
  assert.is(harness.lastUpdateOf('crash')?.state, 'failed');
});

test('statuses gathered offline are sent on reconnect, coalesced per task, before hello', async () => {
  // Proves the re-send order that makes the session's first assignment an acknowledgement.
  harness.agent.onSessionOpen();
  await harness.assign(1, [task('a'), task('b')]);
  harness.agent.onSessionLost();
  harness.sent.length = 0;
  await harness.assign(2, [task('a', { desiredState: 'shutdown' }), task('b'), task('c')]);
  await harness.advance(500);
  assert.is(harness.sent.length, 0, 'nothing goes out offline');
  harness.agent.onSessionOpen();
  assert.equal(harness.topics(), ['dispatcher.status', 'dispatcher.hello']);
  const updates = harness.updates();
  assert.equal(updates.map((update) => `${update.taskId}:${update.state}`).sort(), ['a:shutdown', 'b:running', 'c:running']);
  assert.equal(harness.sent[1]?.body, { nodeId: 'node-1', knownVersion: 2 });
});

test('after reconnecting, the next full assignment wins over what the agent did alone', async () => {
  // Proves desired state beats local autonomy: a locally restarted task the manager replaced is removed, its replacement runs.
  harness.agent.onSessionOpen();
  await harness.assign(1, [crashing(0)]);
  harness.agent.onSessionLost();
  await harness.advance(900);
  assert.is(harness.view('crash')?.state, 'running', 'restarted locally');
  harness.agent.onSessionOpen();
  await harness.assign(7, [task('crash-2')]);
  await harness.advance(200);
  assert.not.ok(harness.host.containers.has('crash'), 'the old task is gone');
  assert.is(harness.view('crash-2')?.state, 'running');
});

test('a restart window counts only recent restarts: a task that runs longer than the window between crashes keeps restarting', async () => {
  // Proves windowMs against the same maxAttempts: without the window the second crash is final, with it the task restarts again.
  const crashEvery = (id: string, windowMs: number) =>
    task(id, { program: { exitAfterMs: 2000, exitCode: 1 }, spec: { restartPolicy: { condition: 'any', delayMs: 500, maxAttempts: 1, windowMs } } });
  await harness.assign(1, [crashEvery('windowed', 1500), crashEvery('unwindowed', 0)]);
  await harness.advance(2600);
  assert.is(harness.view('windowed')?.state, 'running', 'first restart');
  assert.is(harness.view('unwindowed')?.state, 'running', 'first restart');
  await harness.advance(2600);
  assert.is(harness.view('windowed')?.state, 'running', 'the first restart fell out of the window');
  assert.is(harness.view('unwindowed')?.state, 'failed', 'one attempt in all, used up');
});

test.run();
