import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { handleNodeAvailability } from '../../runtime/orchestrator/node-availability.js';
import { Cluster, created, makeNode, makeService, makeTask, runStage, shutDownIds } from './fixtures.js';

function replicated(replicas = 2): Cluster {
  const world = new Cluster({ nodes: [makeNode('n1'), makeNode('n2'), makeNode('n3')], services: [makeService('web', { replicas })] });
  world.settle();
  return world;
}

test('a down node: its tasks are orphaned and shut down, and each replica is replaced at once, shutdown first', () => {
  // Proves node-down handling for replicas: orphaned (terminal), desired shutdown, a successor in the same slot with no node and the restart count carried.
  const world = replicated(3);
  const victim = world.running('web')[0]!;
  world.setService('web', { spec: { ...world.service('web').spec, restartPolicy: { condition: 'any', delayMs: 60_000, maxAttempts: 0, windowMs: 0 } } });
  world.tasks = world.tasks.map((task) => (task.id === victim.id ? { ...task, restartCount: 2 } : task));
  world.setNode(victim.nodeId, { status: 'down', statusChangedAtMs: world.nowMs });
  const actions = runStage(handleNodeAvailability, world);
  const onNode = world.tasks.filter((task) => task.nodeId === victim.nodeId).map((task) => task.id);
  assert.equal(shutDownIds(actions).sort(), onNode.sort());
  const marks = actions.filter((action) => action.kind === 'markTask');
  assert.equal(marks.map((action) => action.kind === 'markTask' && action.state), onNode.map(() => 'orphaned'));
  const successors = created(actions);
  assert.equal(successors.length, onNode.length, 'one successor per lost replica, with no restart delay');
  const successor = successors.find((task) => task.slot === victim.slot)!;
  assert.equal([successor.nodeId, successor.restartCount], ['', 2]);
  const shutdownAt = actions.findIndex((action) => action.kind === 'setDesiredState' && action.taskId === victim.id);
  const createAt = actions.findIndex((action) => action.kind === 'createTask' && action.task.id === successor.id);
  assert.ok(shutdownAt < createAt, 'the old task is shut down before its successor exists');
});

test('a down node: a global task is orphaned and not replaced anywhere', () => {
  // Proves a global slot belongs to its node: losing the node loses the slot.
  const world = new Cluster({ nodes: [makeNode('n1'), makeNode('n2')], services: [makeService('agent', { mode: 'global' })] });
  world.settle();
  world.setNode('n1', { status: 'down', statusChangedAtMs: world.nowMs });
  const actions = world.reconcile();
  assert.equal(created(actions), []);
  const lost = world.tasksOf('agent').find((task) => task.nodeId === 'n1')!;
  assert.equal([lost.state, lost.desiredState], ['orphaned', 'shutdown']);
});

test('a removed node is handled like a down one', () => {
  // Proves that tasks naming a node the cluster no longer has are orphaned and replaced.
  const world = replicated(2);
  const victim = world.running('web')[0]!;
  world.nodes = world.nodes.filter((node) => node.id !== victim.nodeId);
  world.settle();
  assert.equal(world.task(victim.id).state, 'orphaned');
  assert.equal(world.running('web').length, 2);
});

test('drain moves replicas: old ones are shut down (not orphaned), successors land elsewhere once they stopped, the restart count is untouched', () => {
  // Proves drain = move: stop-first (a successor waits for its predecessor to stop), no orphan mark, no restart accounting, nothing placed on the drained node.
  const world = replicated(3);
  const drained = world.running('web')[0]!.nodeId;
  const before = world.running('web').filter((task) => task.nodeId === drained);
  world.setNode(drained, { availability: 'drain' });
  const actions = world.reconcile();
  assert.ok(!actions.some((action) => action.kind === 'markTask'), 'the agent reports the shutdown itself');
  const successors = created(actions);
  assert.equal(successors.map((task) => task.restartCount), before.map(() => 0));
  world.schedule();
  for (const task of successors) {
    assert.is(world.task(task.id).state, 'pending', 'not placed while the old task of its slot still runs');
    assert.match(world.task(task.id).message, /^waiting for task .+ to stop first/);
  }
  world.runAgents();
  assert.ok(before.every((task) => world.task(task.id).state === 'shutdown'));
  world.schedule();
  world.runAgents();
  assert.ok(before.every((task) => world.task(task.id).state === 'shutdown'));
  assert.ok(world.live('web').every((task) => task.nodeId !== drained));
  assert.equal(world.running('web').length, 3);
});

test('pause and unknown change nothing for running tasks', () => {
  // Proves a paused node keeps serving and an unknown node is not presumed dead.
  const world = replicated(3);
  world.setNode('n1', { availability: 'pause' });
  world.setNode('n2', { status: 'unknown', statusChangedAtMs: world.nowMs });
  assert.equal(runStage(handleNodeAvailability, world), []);
  assert.equal(world.reconcile(), []);
});

test('a node that stops matching the constraints has its replicas moved', () => {
  // Proves the constraint enforcer: a label change makes the service leave that node.
  const spec = { replicas: 2, placement: { constraints: [{ field: 'node.labels.disk', operator: '==' as const, value: 'ssd' }], spreadOver: [], maxReplicasPerNode: 0 } };
  const world = new Cluster({ nodes: [makeNode('n1', { labels: { disk: 'ssd' } }), makeNode('n2', { labels: { disk: 'ssd' } })], services: [makeService('db', spec)] });
  world.settle();
  world.setNode('n1', { labels: {} });
  world.settle();
  assert.equal(world.running('db').map((task) => task.nodeId), ['n2', 'n2']);
});

test('a task only earmarked for a lost node (never started) is shut down, not orphaned, and replaced', () => {
  // Proves orphaned is kept for tasks that had started: an unstarted one is simply shut down.
  const world = new Cluster({ nodes: [makeNode('n1', { status: 'down' }), makeNode('n2')], services: [makeService('web', { replicas: 1 })] });
  world.tasks = [makeTask('moving', { nodeId: 'n1', state: 'pending' })];
  world.reconcile();
  assert.equal([world.task('moving').state, world.task('moving').desiredState], ['shutdown', 'shutdown']);
  assert.equal(world.live('web').length, 1);
  assert.equal(world.live('web')[0]!.nodeId, '');
});

test.run();
