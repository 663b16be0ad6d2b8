import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fenceSlots } from '../../runtime/orchestrator/fencing.js';
import { Cluster, liveBySlot, makeNode, makeService, makeTask, runStage, shutDownIds } from './fixtures.js';

const nowMs = 100_000;

function world(nodes = [makeNode('n1'), makeNode('n2'), makeNode('n3')]): Cluster {
  return new Cluster({ nodes, services: [makeService('web', { replicas: 1 })], nowMs });
}

test('a node back from a partition with an older task of a slot: the old task is shut down, the newer kept', () => {
  // Proves the moby#48484 fix: after the heal the slot has one live task, the newest generation, never "2/1".
  const cluster = world();
  cluster.setNode('n1', { statusChangedAtMs: 90_000 });
  cluster.tasks = [
    makeTask('old', { nodeId: 'n1', generation: 3, state: 'running', createdAtMs: 10_000, updatedAtMs: 10_000 }),
    makeTask('new', { nodeId: 'n2', generation: 4, state: 'running', createdAtMs: 60_000, updatedAtMs: 61_000 }),
  ];
  assert.equal(shutDownIds(runStage(fenceSlots, cluster)), ['old']);
  cluster.reconcile();
  const live = liveBySlot(cluster.tasks, 'web');
  assert.equal(live.get('1')!.map((task) => task.id), ['new']);
});

test('a start-first predecessor keeps serving until the holder is stable, then is shut down', () => {
  // Proves the handover exception is bounded by the holder becoming stable (running for monitorMs).
  const cluster = world();
  cluster.setService('web', { spec: { ...cluster.service('web').spec, update: { ...cluster.service('web').spec.update, monitorMs: 5000 } } });
  cluster.tasks = [
    makeTask('old', { nodeId: 'n1', generation: 1, state: 'running', createdAtMs: 1_000, updatedAtMs: 2_000 }),
    makeTask('new', { nodeId: 'n2', generation: 2, specVersion: 1, state: 'running', createdAtMs: 98_000, updatedAtMs: 99_000 }),
  ];
  const pass = cluster.plan();
  assert.equal(shutDownIds(pass.actions), []);
  assert.equal(pass.wakeAtMs, 104_000, 'wake when the holder has run for monitorMs');
  cluster.nowMs = 104_000;
  assert.equal(shutDownIds(runStage(fenceSlots, cluster)), ['old']);
});

test('the predecessor is dropped at once when its node is drained, not ready, or changed status after the holder was made', () => {
  // Proves that only a predecessor on a node continuously ready since the holder was created may stay.
  const cases: [string, Partial<ReturnType<typeof makeNode>>][] = [
    ['drained', { availability: 'drain' }],
    ['unknown', { status: 'unknown' }],
    ['came back', { statusChangedAtMs: 99_500 }],
  ];
  for (const [name, patch] of cases) {
    const cluster = world([makeNode('n1', patch), makeNode('n2')]);
    cluster.tasks = [
      makeTask('old', { nodeId: 'n1', generation: 1, state: 'running', createdAtMs: 1_000, updatedAtMs: 2_000 }),
      makeTask('new', { nodeId: 'n2', generation: 2, state: 'starting', createdAtMs: 99_000, updatedAtMs: 99_000 }),
    ];
    assert.equal(shutDownIds(runStage(fenceSlots, cluster)), ['old'], name);
  }
});

test('with several older live tasks, only the one running longest stays beside the holder', () => {
  // Proves at most two live tasks per slot, and that the proven one is the one kept.
  const cluster = world();
  cluster.tasks = [
    makeTask('proven', { nodeId: 'n1', generation: 1, state: 'running', createdAtMs: 1_000, updatedAtMs: 2_000 }),
    makeTask('shaky', { nodeId: 'n2', generation: 2, state: 'running', createdAtMs: 50_000, updatedAtMs: 50_000 }),
    makeTask('holder', { nodeId: 'n3', generation: 3, state: 'assigned', createdAtMs: 99_000, updatedAtMs: 99_000 }),
  ];
  assert.equal(shutDownIds(runStage(fenceSlots, cluster)), ['shaky']);
});

test('an ended older task is never kept beside the holder', () => {
  // Proves a terminal task cannot be a predecessor: it serves nobody.
  const cluster = world();
  cluster.tasks = [
    makeTask('ended', { nodeId: 'n1', generation: 1, state: 'failed', createdAtMs: 1_000, updatedAtMs: 2_000 }),
    makeTask('holder', { nodeId: 'n2', generation: 2, state: 'running', createdAtMs: 99_000, updatedAtMs: 99_000 }),
  ];
  assert.equal(shutDownIds(runStage(fenceSlots, cluster)), ['ended']);
});

test.run();
