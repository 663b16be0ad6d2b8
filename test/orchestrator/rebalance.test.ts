import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { UpdateConfig } from '../../runtime/store/services.js';
import { rebalanceServices } from '../../runtime/orchestrator/rebalance.js';
import type { Placer } from '../../runtime/orchestrator/index.js';
import { Cluster, created, makeNode, makeService, runStage, shutDownIds, testPlacer } from './fixtures.js';

const quietMs = 10_000;

function update(patch: Partial<UpdateConfig>): UpdateConfig {
  return { parallelism: 1, delayMs: 0, monitorMs: 1000, failureAction: 'pause', maxFailureRatio: 0, order: 'stop-first', ...patch };
}

/** Six replicas piled on n1 and n2 while n3 was down; then n3 comes back. */
function piledUp(updateConfig: UpdateConfig, placer: Placer = testPlacer): Cluster {
  const world = new Cluster({
    nodes: [makeNode('n1'), makeNode('n2'), makeNode('n3', { status: 'down' })],
    services: [makeService('web', { replicas: 6, update: updateConfig })],
    config: { rebalanceEnabled: true, rebalanceQuietMs: quietMs },
    placer,
  });
  world.settle();
  world.advance(1000);
  world.setNode('n3', { status: 'ready', statusChangedAtMs: world.nowMs });
  return world;
}

const perNode = (world: Cluster) => ['n1', 'n2', 'n3'].map((id) => world.running('web').filter((task) => task.nodeId === id).length);

test('after a node comes back, replicas move to it slowly: after the quiet period, parallelism at a time, start-first', () => {
  // Proves rebalancing: nothing during the quiet period, at most `parallelism` moves per batch, capacity kept, an even spread at the end.
  const world = piledUp(update({ parallelism: 1, order: 'start-first' }));
  assert.equal(perNode(world), [3, 3, 0]);
  const quiet = world.plan();
  assert.equal(quiet.actions, []);
  const wakeAtMs = quiet.wakeAtMs!;
  assert.ok(wakeAtMs > world.nowMs, 'asks to be woken when the quiet period ends');
  world.nowMs = wakeAtMs;
  const first = world.reconcile();
  assert.equal(created(first).map((task) => task.nodeId), ['n3']);
  assert.equal(shutDownIds(first), [], 'start-first: the old replica keeps serving');
  for (let i = 0; i < 200 && perNode(world).join() !== '2,2,2'; i++) {
    world.schedule();
    world.runAgents();
    assert.ok(world.running('web').length >= 6, 'capacity never drops');
    const batch = created(world.reconcile());
    assert.ok(batch.length <= 1, 'one move at a time');
    world.advance(1000);
  }
  world.settle();
  assert.equal(perNode(world), [2, 2, 2]);
  world.advance(quietMs * 10);
  assert.equal(world.reconcile(), [], 'even: nothing more to move');
});

test('no rebalancing while the service is updating, paused, or disabled by config', () => {
  // Proves rebalancing only touches settled services, and can be turned off.
  const paused = piledUp(update({ parallelism: 2 }));
  paused.setService('web', { updateStatus: { state: 'paused', message: 'update paused', startedAtMs: 0 } });
  paused.advance(quietMs * 2);
  assert.equal(runStage(rebalanceServices, paused), []);
  const off = piledUp(update({ parallelism: 2 }));
  off.options.config.rebalanceEnabled = false;
  off.advance(quietMs * 2);
  assert.equal(runStage(rebalanceServices, off), []);
});

test("the hook's proposals are checked: moves of non-holders, from the wrong node or to a node that takes no tasks are ignored", () => {
  // Proves the orchestrator does not trust the rebalance hook blindly.
  let holderId = '';
  const liar: Placer = {
    ...testPlacer,
    rebalance: () => [
      { taskId: 'no-such-task', sourceNodeId: 'n1', targetNodeId: 'n3' },
      { taskId: holderId, sourceNodeId: 'n2', targetNodeId: 'n3' },
      { taskId: holderId, sourceNodeId: 'n1', targetNodeId: 'drained' },
    ],
  };
  const world = piledUp(update({ parallelism: 5 }), liar);
  world.nodes = [...world.nodes, makeNode('drained', { availability: 'drain' })];
  holderId = world.running('web').find((task) => task.nodeId === 'n1')!.id;
  world.advance(quietMs * 2);
  assert.equal(runStage(rebalanceServices, world), []);
});

test('a move the scheduler cannot place on its target is given up: dropped under start-first, unpinned under stop-first', () => {
  // Proves a pinned move never leaves a slot waiting forever on one node.
  for (const order of ['start-first', 'stop-first'] as const) {
    const refusesN3: Placer = { ...testPlacer, place: (input) => testPlacer.place({ ...input, nodes: input.nodes.filter((entry) => entry.node.id !== 'n3') }) };
    const world = piledUp(update({ parallelism: 1, order }), refusesN3);
    world.nowMs = world.plan().wakeAtMs!;
    const [move] = created(world.reconcile());
    assert.equal(move?.nodeId, 'n3', order);
    world.schedule();
    world.runAgents();
    assert.equal(world.task(move!.id).state, 'pending', `${order}: the target is full`);
    world.advance(quietMs);
    world.reconcile();
    assert.equal(world.task(move!.id).desiredState, 'shutdown', order);
    world.schedule();
    world.runAgents();
    assert.equal(created(world.reconcile()).filter((task) => task.nodeId === 'n3'), [], `${order}: not retried at once`);
    world.options.config.rebalanceEnabled = false;
    world.settle();
    assert.equal(world.running('web').length, 6, `${order}: the slot is served again`);
    assert.ok(world.live('web').every((task) => task.nodeId !== 'n3'), order);
  }
});

test('a stop-first move waits for the replica it replaces to stop, however long that takes within the wait, and is not given up meanwhile', () => {
  // Proves a move never runs beside the task it replaces, and that its placement window opens when that task has stopped.
  const world = piledUp(update({ parallelism: 1, order: 'stop-first' }));
  world.nowMs = world.plan().wakeAtMs!;
  const first = world.reconcile();
  const [move] = created(first);
  const [old] = shutDownIds(first);
  assert.equal(move?.nodeId, 'n3');
  world.schedule();
  assert.equal(world.task(move!.id).state, 'pending', 'held while the old replica still runs');
  world.advance(quietMs * 2);
  world.reconcile();
  world.schedule();
  assert.equal([world.task(move!.id).desiredState, world.task(move!.id).state], ['running', 'pending'], 'still waiting, not given up');
  world.report(old!, 'shutdown');
  world.reconcile();
  world.schedule();
  world.runAgents();
  assert.equal([world.task(move!.id).nodeId, world.task(move!.id).state], ['n3', 'running'], 'placed on its target once the old one stopped');
});

test.run();
