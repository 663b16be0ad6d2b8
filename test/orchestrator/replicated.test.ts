import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { shapeReplicas } from '../../runtime/orchestrator/replicated.js';
import { Cluster, created, makeNode, makeService, runStage, shutDownIds } from './fixtures.js';

function cluster(replicas: number): Cluster {
  return new Cluster({ nodes: [makeNode('n1'), makeNode('n2')], services: [makeService('web', { replicas })] });
}

test('a new service gets one unplaced task per slot, each with its own generation', () => {
  // Proves slot creation: slots 1..N, desired running, state new, no node (the scheduler picks), current spec version.
  const actions = runStage(shapeReplicas, cluster(3));
  const tasks = created(actions);
  assert.equal(tasks.map((task) => task.slot), [1, 2, 3]);
  assert.ok(tasks.every((task) => task.nodeId === '' && task.desiredState === 'running' && task.state === 'new' && task.specVersion === 1));
  assert.equal(new Set(tasks.map((task) => task.generation)).size, 3);
  assert.equal(actions.length, 3, 'nothing but the three creations');
});

test('scaling down shuts down the highest slots and leaves the others alone', () => {
  // Proves scale-down order: slots above the new count lose their live tasks; lower slots are untouched.
  const world = cluster(5);
  world.settle();
  const bySlot = new Map(world.live('web').map((task) => [task.slot, task.id]));
  world.scale('web', 2);
  const actions = runStage(shapeReplicas, world);
  assert.equal(shutDownIds(actions).sort(), [bySlot.get(3), bySlot.get(4), bySlot.get(5)].sort());
  assert.equal(created(actions), []);
  world.settle();
  assert.equal(world.running('web').map((task) => task.slot).sort(), [1, 2]);
  assert.equal(world.running('web').map((task) => task.id).sort(), [bySlot.get(1), bySlot.get(2)].sort(), 'the surviving replicas were not restarted');
});

test('scaling up adds only the missing slots', () => {
  // Proves scale-up: existing replicas stay, new slots appear above them.
  const world = cluster(2);
  world.settle();
  const before = world.running('web').map((task) => task.id).sort();
  world.scale('web', 4);
  const tasks = created(runStage(shapeReplicas, world));
  assert.equal(tasks.map((task) => task.slot), [3, 4]);
  world.settle();
  assert.equal(world.running('web').length, 4);
  assert.ok(before.every((id) => world.running('web').some((task) => task.id === id)));
});

test('an emptied slot is filled again with a newer generation', () => {
  // Proves refill: a slot whose task was shut down from outside gets a new task, generation above every earlier one.
  const world = cluster(2);
  world.settle();
  const victim = world.running('web').find((task) => task.slot === 2)!;
  world.apply([{ kind: 'setDesiredState', taskId: victim.id, desiredState: 'shutdown', reason: 'test' }]);
  const [task] = created(runStage(shapeReplicas, world));
  assert.ok(task !== undefined && task.slot === 2);
  const highest = Math.max(...world.tasks.map((candidate) => candidate.generation));
  assert.ok(task.generation > highest, `generation ${task.generation} above ${highest}`);
});

test('with no node to run on, replicas are still wanted and wait in pending', () => {
  // Proves the orchestrator does not give up on a slot the scheduler cannot place: the task stays, pending, with the reason.
  const world = new Cluster({ nodes: [makeNode('n1', { availability: 'drain' })], services: [makeService('web', { replicas: 2 })] });
  world.settle();
  assert.equal(world.live('web').length, 2);
  assert.ok(world.live('web').every((task) => task.state === 'pending' && task.message === 'no suitable node'));
  assert.equal(world.reconcile(), [], 'and nothing churns');
});

test.run();
