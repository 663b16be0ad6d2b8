import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ServiceSpec, TaskRecord, UpdateConfig } from '../../runtime/store/services.js';
import type { Action } from '../../runtime/orchestrator/index.js';
import { Cluster, created, liveBySlot, makeNode, makeService, shutDownIds } from './fixtures.js';

function updateConfig(patch: Partial<UpdateConfig>): UpdateConfig {
  return { parallelism: 1, delayMs: 0, monitorMs: 0, failureAction: 'pause', maxFailureRatio: 0, order: 'stop-first', ...patch };
}

function web(replicas: number, spec: Partial<ServiceSpec> = {}): Cluster {
  const nodes = [makeNode('n1'), makeNode('n2'), makeNode('n3')];
  const world = new Cluster({ nodes, services: [makeService('web', { replicas, ...spec })] });
  world.settle();
  return world;
}

/**
 * One pipeline step: reconcile, schedule, agents; returns reconcile's actions.
 * A stop-first successor is only placed once its predecessor has stopped
 * (predecessor-wait.ts), so the scheduler and the agents go twice: first the
 * old tasks stop, then their successors are placed and start.
 */
function step(world: Cluster, agentExtra?: (task: TaskRecord) => Partial<TaskRecord>): Action[] {
  const actions = world.reconcile();
  for (let round = 0; round < 2; round++) {
    world.schedule();
    world.runAgents(agentExtra);
  }
  return actions;
}

const versions = (world: Cluster) => world.running('web').map((task) => task.specVersion);

test('stop-first in batches of parallelism: old shut down before new, the next batch only after monitor and delay', () => {
  // Proves batching, ordering within a replacement, monitorMs gating, delayMs between batches, and progress messages.
  const world = web(5);
  world.updateSpec('web', { image: 'registry.local/web:2', update: updateConfig({ parallelism: 2, monitorMs: 3000, delayMs: 2000 }) });
  const first = step(world);
  assert.equal(created(first).length, 2);
  for (const task of created(first)) {
    const shutdownAt = first.findIndex((action) => action.kind === 'setDesiredState' && action.desiredState === 'shutdown');
    assert.ok(shutdownAt >= 0 && shutdownAt < first.findIndex((action) => action.kind === 'createTask' && action.task.id === task.id));
  }
  assert.equal([world.service('web').updateStatus.state, world.service('web').updateStatus.message], ['updating', 'updating 0/5']);
  const startedMs = world.nowMs;
  assert.equal(world.plan().wakeAtMs, startedMs + 3000, 'wake when the new tasks have run for monitorMs');
  world.nowMs = startedMs + 2999;
  assert.equal(created(step(world)), [], 'not stable yet');
  world.nowMs = startedMs + 3000;
  assert.equal(created(step(world)), [], 'stable, but the workers rest for delayMs');
  assert.equal(world.service('web').updateStatus.message, 'updating 2/5');
  assert.equal(world.plan().wakeAtMs, startedMs + 5000);
  world.nowMs = startedMs + 5000;
  assert.equal(created(step(world)).length, 2, 'second batch');
  for (let guard = 0; guard < 20 && world.service('web').updateStatus.state === 'updating'; guard++) {
    world.nowMs = world.plan().wakeAtMs ?? world.nowMs + 1000;
    step(world);
    assert.ok(world.running('web').length >= 3, 'never more than parallelism replicas down');
  }
  assert.equal([world.service('web').updateStatus.state, world.service('web').updateStatus.message], ['completed', 'update completed']);
  assert.equal(versions(world), [2, 2, 2, 2, 2]);
});

test('start-first keeps capacity: the old task serves until the new one has been healthy for monitorMs', () => {
  // Proves start-first handover with a health check: an unhealthy new task never replaces the old one.
  const healthCheck = { command: ['true'], intervalMs: 1000, timeoutMs: 1000, retries: 1, startPeriodMs: 0 };
  const world = web(3, { healthCheck });
  world.tasks = world.tasks.map((task) => ({ ...task, health: 'healthy' as const }));
  world.updateSpec('web', { image: 'registry.local/web:2', update: updateConfig({ order: 'start-first', monitorMs: 2000 }) });
  const first = step(world, () => ({ health: 'starting' }));
  const [fresh] = created(first);
  assert.equal(shutDownIds(first), [], 'nothing stopped yet');
  const old = world.tasks.find((task) => task.slot === fresh!.slot && task.id !== fresh!.id && task.desiredState === 'running')!;
  world.advance(10_000);
  step(world);
  assert.equal(world.task(old.id).desiredState, 'running', 'running but not healthy: the old task stays');
  assert.equal(world.running('web').length, 4, 'both serve during the handover');
  world.report(fresh!.id, 'running', { health: 'healthy' });
  world.advance(1999);
  step(world);
  assert.equal(world.task(old.id).desiredState, 'running');
  world.advance(1);
  const handover = step(world, () => ({ health: 'healthy' }));
  assert.ok(shutDownIds(handover).includes(old.id), 'healthy for monitorMs: the old task goes');
  for (let guard = 0; guard < 30 && world.service('web').updateStatus.state === 'updating'; guard++) {
    world.advance(1000);
    step(world, () => ({ health: 'healthy' }));
    assert.ok(world.running('web').length >= 3, 'capacity never drops below 3');
    for (const [slot, live] of liveBySlot(world.tasks, 'web')) assert.ok(live.length <= 2, `slot ${slot}`);
  }
  assert.equal(world.service('web').updateStatus.state, 'completed');
  assert.equal(world.live('web').length, 3);
});

test('failures beyond maxFailureRatio pause the update, which then starts no more slots', () => {
  // Proves failureAction pause: status paused with the reason, old tasks keep serving.
  const world = web(4);
  world.updateSpec('web', { image: 'registry.local/web:bad', update: updateConfig({ failureAction: 'pause' }) });
  const [fresh] = created(step(world));
  world.report(fresh!.id, 'failed', { error: 'exit status 1', exitCode: 1 });
  step(world);
  const status = world.service('web').updateStatus;
  assert.equal(status.state, 'paused');
  assert.match(status.message, /^update paused: 1 of 4 tasks failed \(max failure ratio 0\); last: task t\d+ failed: exit status 1$/);
  for (let i = 0; i < 5; i++) {
    world.advance(5000);
    step(world);
  }
  assert.equal(world.running('web').filter((task) => task.specVersion === 1).length, 3, 'the three untouched replicas still run the old version');
});

test('failureAction rollback switches back to the previous spec and replaces only what the update reached', () => {
  // Proves automatic rollback: rollbackService, status rolling-back, then rolled-back; the version goes back
  // to the restored spec's, so the three replicas the update never reached keep running untouched.
  const world = web(4, { rollback: updateConfig({ parallelism: 0 }) });
  const goodImage = world.service('web').spec.image;
  const untouched = new Set(world.running('web').map((task) => task.id));
  world.updateSpec('web', { image: 'registry.local/web:bad', update: updateConfig({ failureAction: 'rollback' }) });
  const [fresh] = created(step(world));
  world.report(fresh!.id, 'failed', { error: 'exit status 1' });
  const actions = step(world);
  assert.equal(actions[0]?.kind, 'rollbackService');
  const service = world.service('web');
  assert.equal([service.spec.image, service.specVersion, service.updateStatus.state], [goodImage, 1, 'rolling-back']);
  assert.equal(created(actions).length, 1, 'only the slot the update replaced gets a new task');
  step(world);
  assert.equal([world.service('web').updateStatus.state, world.service('web').updateStatus.message], ['rolled-back', 'rollback completed']);
  assert.equal(versions(world), [1, 1, 1, 1]);
  assert.is(world.running('web').filter((task) => untouched.has(task.id)).length, 3, 'the three replicas the update never reached were not replaced');
});

test('`service rollback` mid-update leaves the tasks the update never reached alone; a later update takes a new version', () => {
  // Proves the rollback fix: tasks whose spec version is the restored spec's are current again, not outdated.
  const world = web(4);
  const before = new Map(world.running('web').map((task) => [task.id, task.specVersion]));
  world.updateSpec('web', { image: 'registry.local/web:2', update: updateConfig({ parallelism: 1, monitorMs: 60_000 }) });
  step(world);
  step(world);
  const updated = world.running('web').filter((task) => task.specVersion === 2);
  assert.is(updated.length, 1, 'the update reached one slot and waits on its monitor period');
  world.apply([{ kind: 'rollbackService', serviceId: 'web', message: 'requested by the operator', atMs: world.nowMs }]);
  const first = step(world);
  assert.equal(shutDownIds(first), [updated[0]!.id], 'only the updated task is stopped');
  assert.is(created(first).length, 1);
  for (let i = 0; i < 4; i++) step(world);
  assert.equal([world.service('web').specVersion, world.service('web').updateStatus.state], [1, 'rolled-back']);
  const kept = world.running('web').filter((task) => before.has(task.id));
  assert.is(kept.length, 3, 'three of the original tasks still run');
  assert.equal(versions(world), [1, 1, 1, 1]);
  world.updateSpec('web', { image: 'registry.local/web:3' });
  assert.is(world.service('web').specVersion, 3, 'version 2 named the rolled-back spec; the next spec gets 3');
});

test('`service rollback` is the same path: the rollback command, then the rollback config', () => {
  // Proves a manual rollback after a completed update restores the old spec through the rolling machinery.
  const world = web(2, { rollback: updateConfig({ parallelism: 1, order: 'start-first' }) });
  const goodImage = world.service('web').spec.image;
  world.updateSpec('web', { image: 'registry.local/web:2', update: updateConfig({ parallelism: 2 }) });
  for (let i = 0; i < 3; i++) step(world);
  assert.equal(world.service('web').updateStatus.state, 'completed');
  world.apply([{ kind: 'rollbackService', serviceId: 'web', message: 'requested by the operator', atMs: world.nowMs }]);
  const first = step(world);
  assert.equal([created(first).length, shutDownIds(first).length], [1, 0], 'one at a time, start-first');
  for (let i = 0; i < 6; i++) step(world);
  assert.equal(world.service('web').spec.image, goodImage);
  assert.equal(world.service('web').updateStatus.state, 'rolled-back');
  assert.equal(world.running('web').length, 2);
});

test('failureAction continue carries on past failures', () => {
  // Proves continue: a failed new task is restarted and the update still completes.
  const world = web(3);
  world.updateSpec('web', { image: 'registry.local/web:2', update: updateConfig({ failureAction: 'continue' }) });
  const [fresh] = created(step(world));
  world.report(fresh!.id, 'failed', { error: 'flaky start' });
  for (let i = 0; i < 8; i++) step(world);
  assert.equal(world.service('web').updateStatus.state, 'completed');
  assert.equal(versions(world), [2, 2, 2]);
});

test('parallelism 0 replaces every slot at once', () => {
  // Proves "0 = all at once".
  const world = web(4);
  world.updateSpec('web', { image: 'registry.local/web:2', update: updateConfig({ parallelism: 0 }) });
  assert.equal(created(step(world)).length, 4);
});

test('outdated tasks that serve nobody are replaced at once, without taking a worker', () => {
  // Proves idle replacement: an ended old task is replaced beside the one running task parallelism allows.
  const world = web(3, { restartPolicy: { condition: 'none', delayMs: 0, maxAttempts: 0, windowMs: 0 } });
  const dead = world.running('web')[0]!;
  world.report(dead.id, 'failed');
  world.updateSpec('web', { image: 'registry.local/web:2', update: updateConfig({ parallelism: 1 }) });
  const actions = step(world);
  assert.equal(created(actions).length, 2);
  assert.ok(shutDownIds(actions).includes(dead.id));
});

test('a global service updates node by node, each new task on its own node; a paused node waits', () => {
  // Proves global updates keep tasks on their nodes and report a task that cannot be replaced yet.
  const world = new Cluster({ nodes: [makeNode('n1'), makeNode('n2'), makeNode('n3')], services: [makeService('agent', { mode: 'global' })] });
  world.settle();
  world.setNode('n3', { availability: 'pause' });
  world.updateSpec('agent', { image: 'registry.local/agent:2', update: updateConfig({ parallelism: 1 }) });
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) {
    for (const task of created(world.reconcile())) {
      seen.push(task.nodeId);
      const replaced = world.tasks.find((other) => other.serviceId === 'agent' && other.nodeId === task.nodeId && other.id !== task.id && other.specVersion === 1);
      assert.ok(replaced !== undefined, 'replaces the task on the same node');
    }
    world.schedule();
    world.runAgents();
  }
  assert.equal(seen, ['n1', 'n2']);
  assert.equal(world.service('agent').updateStatus.message, 'updating 2/3 (1 waiting for their node)');
  world.setNode('n3', { availability: 'active' });
  for (let i = 0; i < 3; i++) step(world);
  assert.equal(world.service('agent').updateStatus.state, 'completed');
});

test.run();
