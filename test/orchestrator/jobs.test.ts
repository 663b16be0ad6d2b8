import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster, created, makeNode, makeService } from './fixtures.js';

const onFailure = { restartPolicy: { condition: 'on-failure' as const, delayMs: 0, maxAttempts: 0, windowMs: 0 } };

function completeAll(world: Cluster): void {
  for (const task of world.live('batch')) if (task.state === 'running') world.report(task.id, 'complete', { exitCode: 0 });
}

test('a replicated job runs N tasks to completion, restarts failures, then is done', () => {
  // Proves job semantics: desired complete, failures retried, completed slots never run again.
  const world = new Cluster({ nodes: [makeNode('n1'), makeNode('n2')], services: [makeService('batch', { mode: 'replicated-job', replicas: 3, ...onFailure })] });
  world.settle();
  assert.ok(world.live('batch').every((task) => task.desiredState === 'complete'));
  const [first, second] = world.running('batch');
  world.report(first!.id, 'complete', { exitCode: 0 });
  world.report(second!.id, 'failed', { exitCode: 2 });
  world.settle();
  assert.equal(world.tasksOf('batch').length, 4, 'only the failed slot got a new task');
  completeAll(world);
  world.settle();
  assert.equal(world.reconcile(), []);
  assert.equal(world.tasksOf('batch').filter((task) => task.state === 'complete').map((task) => task.slot).sort(), [1, 2, 3]);
  world.advance(3_600_000);
  assert.equal(world.reconcile(), [], 'a finished job stays finished');
});

test('a global job runs once per node, on nodes that join later too, and again on a node drained before it finished', () => {
  // Proves once-per-node: a completed node gets nothing more; an interrupted one runs it when it is active again.
  const world = new Cluster({ nodes: [makeNode('n1'), makeNode('n2')], services: [makeService('batch', { mode: 'global-job', ...onFailure })] });
  world.settle();
  world.report(world.running('batch').find((task) => task.nodeId === 'n1')!.id, 'complete', { exitCode: 0 });
  world.setNode('n2', { availability: 'drain' });
  world.nodes = [...world.nodes, makeNode('n3')];
  world.settle();
  assert.equal(world.running('batch').map((task) => task.nodeId), ['n3']);
  world.setNode('n2', { availability: 'active' });
  world.settle();
  assert.equal(world.running('batch').map((task) => task.nodeId).sort(), ['n2', 'n3']);
  completeAll(world);
  world.settle();
  assert.equal(world.reconcile(), []);
  assert.equal(world.tasksOf('batch').filter((task) => task.state === 'complete').length, 3);
});

test('a new spec version reruns every slot of a job at once, finished or not, and closes the update status', () => {
  // Proves job reruns ignore update parallelism and report completion through updateStatus.
  const world = new Cluster({ nodes: [makeNode('n1')], services: [makeService('batch', { mode: 'replicated-job', replicas: 3, ...onFailure })] });
  world.settle();
  world.report(world.running('batch')[0]!.id, 'complete', { exitCode: 0 });
  world.updateSpec('batch', { image: 'registry.local/batch:2', update: { ...world.service('batch').spec.update, parallelism: 1 } });
  const actions = world.reconcile();
  assert.equal(created(actions).map((task) => [task.slot, task.specVersion]), [[1, 2], [2, 2], [3, 2]]);
  assert.equal(world.service('batch').updateStatus.state, 'completed');
  world.settle();
  assert.equal(world.running('batch').length, 3);
});

test.run();
