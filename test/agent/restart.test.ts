// An agent process restart: a new Agent (and FakeExecutor) over the same
// FakeHost and state dir re-attaches to the containers the old one left,
// finishes what it was doing, and runs its tasks with no manager reachable.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stateFileName } from '../../runtime/agent/index.js';
import { fakeProgramArgs } from '../../runtime/containers/executor/index.js';
import { Harness, task } from './support.js';

const test = suite('agent restart');
let harness: Harness;

test.before.each(async () => {
  harness = await Harness.create();
  harness.agent.onSessionOpen();
});
test.after.each(async () => {
  await harness.cleanup();
});

test('a running container is adopted, not recreated, and its later exit is still seen', async () => {
  // Proves re-attachment: same container, no second pull, the exit watcher re-armed.
  await harness.assign(3, [task('t1')]);
  const startedAtMs = harness.host.containers.get('t1')!.startedAtMs;
  await harness.restartAgent();
  await harness.settle();
  assert.is(harness.host.containers.get('t1')!.startedAtMs, startedAtMs);
  assert.is(harness.images.pulls.length, 1);
  assert.is(harness.view('t1')?.state, 'running');
  harness.host.end('t1', 2);
  await harness.settle();
  assert.is(harness.view('t1')?.state, 'failed');
  assert.is(harness.view('t1')?.exitCode, 2);
});

test('on its first session the new agent reports every task, then says hello with the stored version', async () => {
  // Proves statuses lost with the old agent object are re-sent and knownVersion survives the restart.
  await harness.assign(3, [task('t1'), task('t2')]);
  await harness.restartAgent();
  harness.sent.length = 0;
  harness.agent.onSessionOpen();
  assert.equal(harness.topics(), ['dispatcher.status', 'dispatcher.hello']);
  assert.equal(harness.updates().map((update) => `${update.taskId}:${update.state}`), ['t1:running', 't2:running']);
  assert.equal(harness.sent[1]?.body, { nodeId: 'node-1', knownVersion: 3 });
});

test('a container that ended while the agent was down is reported, and restarted under its policy when offline', async () => {
  // Proves exits nobody watched are collected at start and the restart policy applies to them.
  const crash = task('crash', { spec: { restartPolicy: { condition: 'on-failure', delayMs: 200, maxAttempts: 1, windowMs: 0 } } });
  await harness.assign(1, [crash]);
  await harness.agent.stop();
  harness.host.end('crash', 1);
  await harness.executor.close();
  await harness.startAgent();
  await harness.settle();
  assert.is(harness.view('crash')?.state, 'failed');
  await harness.advance(300);
  assert.is(harness.view('crash')?.state, 'running', 'restarted by the new agent');
  assert.is(harness.agent.counters.localRestarts, 1);
});

test('tasks assigned but not yet started when the agent died are started by the new one, offline', async () => {
  // Proves the assignment is on disk before it is acted on, so a manager outage does not strand it.
  harness.images.hold();
  await harness.agent.onAssign({ version: 1, tasks: [task('late')] });
  await harness.settle();
  await harness.restartAgent();
  harness.images.release();
  await harness.advance(100);
  assert.is(harness.view('late')?.state, 'running');
  assert.ok(harness.host.containers.has('late'));
});

test('a container no record explains is left alone until the first assignment, then removed unless listed', async () => {
  // Proves orphans are settled by the managers' desired state, never by a guess while offline.
  await harness.assign(1, [task('known')]);
  await harness.executor.create({ id: 'stray', rootfsPath: '/fake/rootfs/stray', args: fakeProgramArgs({}) });
  await harness.executor.start('stray');
  await harness.executor.create({ id: 'wanted', rootfsPath: '/fake/rootfs/wanted', args: fakeProgramArgs({}) });
  await harness.executor.start('wanted');
  await harness.restartAgent();
  await harness.advance(100);
  assert.ok(harness.host.containers.has('stray'), 'kept while no manager has spoken');
  harness.agent.onSessionOpen();
  await harness.assign(2, [task('known'), task('wanted')]);
  await harness.advance(100);
  assert.not.ok(harness.host.containers.has('stray'), 'removed after the first assignment');
  assert.is(harness.view('wanted')?.state, 'running', 'a listed task adopts its container');
  assert.is(harness.images.pulls.length, 1, 'adoption needed no pull');
});

test('a corrupt state file is reported; the agent starts empty and leaves containers to the first assignment', async () => {
  // Proves a damaged record never makes the agent kill containers on its own.
  await harness.assign(1, [task('t1')]);
  await harness.agent.stop();
  await writeFile(join(harness.stateDir, stateFileName), '{"format":1,"nodeId":');
  await harness.executor.close();
  await harness.startAgent();
  await harness.settle();
  assert.ok(harness.logs.some((line) => line.includes('unreadable')), harness.logs.join('\n'));
  assert.ok(harness.host.containers.get('t1')?.exit === null, 'still running');
  harness.agent.onSessionOpen();
  await harness.assign(2, [task('t1')]);
  assert.is(harness.view('t1')?.state, 'running');
  assert.is(harness.images.pulls.length, 1);
});

test('a task being removed when the agent stopped is removed by the next agent', async () => {
  // Proves unlisted tasks are in the record until their container is gone.
  await harness.assign(1, [task('go', { program: { onTerm: 'ignore' } })]);
  await harness.agent.onAssign({ version: 2, tasks: [] });
  await harness.settle();
  // The stop waits out its grace period; the agent is stopped in the middle of it (stop() waits for that step).
  const stopping = harness.agent.stop();
  await harness.advance(10_100, 100);
  await stopping;
  await harness.executor.close();
  const stored = JSON.parse(await readFile(join(harness.stateDir, stateFileName), 'utf8')) as { tasks: { listed: boolean }[] };
  assert.equal(stored.tasks.map((entry) => entry.listed), [false]);
  await harness.startAgent();
  await harness.advance(100);
  assert.not.ok(harness.host.containers.has('go'));
  assert.is(harness.view('go'), undefined);
});

test.run();
