import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { restartVerdict } from '../../runtime/orchestrator/index.js';
import type { RestartCondition, ServiceSpec, TaskRecord } from '../../runtime/store/services.js';
import { Cluster, created, makeNode, makeService, makeSpec, makeTask } from './fixtures.js';

function policy(condition: RestartCondition, delayMs = 0, maxAttempts = 0, windowMs = 0): Partial<ServiceSpec> {
  return { restartPolicy: { condition, delayMs, maxAttempts, windowMs } };
}

function verdict(spec: Partial<ServiceSpec>, holder: Partial<TaskRecord>, nowMs = 10_000, slotTasks: TaskRecord[] = []) {
  const task = makeTask('h', { state: 'failed', updatedAtMs: 10_000, ...holder });
  return restartVerdict({ spec: makeSpec(spec), specVersion: 1, holder: task, slotTasks: [task, ...slotTasks], nowMs });
}

test('restart conditions: none never, on-failure for failed and rejected, any also for complete; a job never after completing', () => {
  // Proves the condition table.
  assert.equal(verdict(policy('none'), { state: 'failed' }).kind, 'never');
  assert.equal(verdict(policy('on-failure'), { state: 'failed' }).kind, 'restart');
  assert.equal(verdict(policy('on-failure'), { state: 'rejected' }).kind, 'restart');
  assert.equal(verdict(policy('on-failure'), { state: 'complete' }).kind, 'never');
  assert.equal(verdict(policy('on-failure'), { state: 'shutdown' }).kind, 'never');
  assert.equal(verdict(policy('any'), { state: 'complete' }).kind, 'restart');
  assert.equal(verdict(policy('any'), { state: 'shutdown' }).kind, 'restart');
  assert.equal(verdict({ ...policy('any'), mode: 'replicated-job' }, { state: 'complete' }).kind, 'never');
  assert.equal(verdict({ ...policy('on-failure'), mode: 'replicated-job' }, { state: 'failed' }).kind, 'restart');
});

test('the delay counts from the reported end, and reconcile asks to be woken then', () => {
  // Proves delayMs: nothing before endedAt + delay, wakeAtMs says when, the restart happens at that time.
  const world = new Cluster({ nodes: [makeNode('n1')], services: [makeService('web', policy('on-failure', 5000))] });
  world.settle();
  const task = world.running('web')[0]!;
  world.report(task.id, 'failed', { error: 'oom' });
  const endedAtMs = world.nowMs;
  world.advance(1000);
  const early = world.plan();
  assert.equal(early.actions, []);
  assert.equal(early.wakeAtMs, endedAtMs + 5000);
  world.nowMs = endedAtMs + 5000;
  const [next] = created(world.reconcile());
  assert.ok(next !== undefined && next.slot === task.slot && next.restartCount === 1);
  assert.equal(world.task(task.id).desiredState, 'shutdown');
});

test('maxAttempts without a window: the slot gives up after that many restarts, and a new spec version starts afresh', () => {
  // Proves the lifetime cap via restartCount, and its reset by an update.
  const world = new Cluster({ nodes: [makeNode('n1')], services: [makeService('web', policy('on-failure', 0, 2))] });
  world.settle();
  for (let attempt = 1; attempt <= 3; attempt++) {
    world.report(world.live('web')[0]!.id, 'failed', { error: 'crash' });
    world.settle();
  }
  const holder = world.live('web')[0]!;
  assert.equal([holder.state, holder.restartCount], ['failed', 2], 'two restarts, then the third failure stays');
  assert.equal(world.reconcile(), []);
  world.updateSpec('web', { image: 'registry.local/web:2' });
  world.settle();
  assert.equal([world.running('web').length, world.running('web')[0]!.restartCount], [1, 0]);
});

test('maxAttempts within a window: restarts resume once the oldest leaves the window', () => {
  // Proves the sliding window, the wake-up at the moment it slides, and that history keeps what the count needs.
  const world = new Cluster({ nodes: [makeNode('n1')], services: [makeService('web', policy('on-failure', 0, 2, 10_000))], config: { taskHistoryPerSlotMax: 0 } });
  world.settle();
  const restarts: number[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    world.report(world.live('web')[0]!.id, 'failed', { error: 'crash' });
    const made = created(world.reconcile());
    if (made.length > 0) restarts.push(world.nowMs);
    world.schedule();
    world.runAgents();
    world.advance(1000);
  }
  assert.equal(restarts.length, 2, 'the third failure waits');
  const waiting = world.plan();
  assert.equal(waiting.actions, []);
  assert.equal(waiting.wakeAtMs, restarts[0]! + 10_000);
  world.nowMs = restarts[0]! + 10_000;
  assert.equal(created(world.reconcile()).length, 1, 'one attempt freed by the window');
});

test('a global task restarts on its own node, and waits while that node is paused', () => {
  // Proves restart placement for global services and "pause: no new tasks".
  const world = new Cluster({ nodes: [makeNode('n1'), makeNode('n2')], services: [makeService('agent', { mode: 'global', ...policy('any') })] });
  world.settle();
  const onN1 = world.running('agent').find((task) => task.nodeId === 'n1')!;
  world.setNode('n1', { availability: 'pause' });
  world.report(onN1.id, 'failed');
  assert.equal(world.reconcile(), []);
  world.setNode('n1', { availability: 'active' });
  const [next] = created(world.reconcile());
  assert.equal(next?.nodeId, 'n1');
});

test('a task that fails on a node being drained is moved, not restarted', () => {
  // Proves "no restart on drain": the drain path replaces it without a restart delay or count.
  const world = new Cluster({ nodes: [makeNode('n1'), makeNode('n2')], services: [makeService('web', { replicas: 1, ...policy('on-failure', 60_000, 1) })] });
  world.settle();
  const task = world.running('web')[0]!;
  world.setNode(task.nodeId, { availability: 'drain' });
  const [next] = created(world.reconcile());
  assert.equal(next?.restartCount, 0);
  world.report(task.id, 'failed');
  assert.equal(world.reconcile(), [], 'its late failure changes nothing');
});

test('an orphaned holder (a pass cut short after the mark) gets its slot filled without a restart delay', () => {
  // Proves node loss is not a failure even when only part of the node-down pass was applied.
  const world = new Cluster({ nodes: [makeNode('n1', { status: 'down' }), makeNode('n2')], services: [makeService('web', { replicas: 1, ...policy('on-failure', 60_000) })] });
  world.tasks = [makeTask('lost', { nodeId: 'n1', state: 'orphaned', updatedAtMs: world.nowMs })];
  const [next] = created(world.reconcile());
  assert.equal(next?.slot, 1);
  assert.equal(world.task('lost').desiredState, 'shutdown');
});

test.run();
