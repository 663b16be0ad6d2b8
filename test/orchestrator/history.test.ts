import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pruneHistory } from '../../runtime/orchestrator/history.js';
import { clearLeftovers } from '../../runtime/orchestrator/leftovers.js';
import { Cluster, makeNode, makeService, makeTask, runStage } from './fixtures.js';

function ended(id: string, generation: number, patch = {}) {
  return makeTask(id, { generation, desiredState: 'shutdown', state: 'failed', nodeId: 'n1', createdAtMs: generation * 1000, updatedAtMs: generation * 1000, ...patch });
}

const removed = (actions: ReturnType<typeof runStage>) => actions.flatMap((action) => (action.kind === 'removeTask' ? [action.taskId] : [])).sort();

test('each slot keeps its newest five ended tasks; the holder is never pruned, even when it has ended', () => {
  // Proves the history limit per slot, oldest pruned first, and that an ended holder stays.
  const world = new Cluster({ nodes: [makeNode('n1')], services: [makeService('web', { replicas: 1 })], nowMs: 100_000 });
  world.tasks = [
    ...[1, 2, 3, 4, 5, 6, 7].map((generation) => ended(`old${generation}`, generation)),
    makeTask('holder', { generation: 8, state: 'failed', nodeId: 'n1' }),
  ];
  assert.equal(removed(runStage(pruneHistory, world)), ['old1', 'old2']);
});

test('a slot the service no longer has keeps no history', () => {
  // Proves history is bounded by existing slots: scaled-away slots and removed nodes are cleared.
  const world = new Cluster({ nodes: [makeNode('n1')], services: [makeService('web', { replicas: 1 }), makeService('agent', { mode: 'global' })], nowMs: 100_000 });
  world.tasks = [
    ended('slot2', 1, { slot: 2 }),
    ended('gone-node', 2, { serviceId: 'agent', slot: 0, nodeId: 'gone' }),
    ended('kept', 3, { serviceId: 'agent', slot: 0, nodeId: 'n1' }),
  ];
  assert.equal(removed(runStage(pruneHistory, world)), ['gone-node', 'slot2']);
});

test('restarts still inside the restart window are kept beyond the limit', () => {
  // Proves the restart policy can still count what it needs after pruning.
  const world = new Cluster({ nodes: [makeNode('n1')], services: [makeService('web', { replicas: 1, restartPolicy: { condition: 'any', delayMs: 0, maxAttempts: 5, windowMs: 60_000 } })], nowMs: 100_000, config: { taskHistoryPerSlotMax: 1 } });
  world.tasks = [
    ended('outside', 1, { restartCount: 1, createdAtMs: 30_000 }),
    ended('inside-a', 2, { restartCount: 2, createdAtMs: 50_000 }),
    ended('inside-b', 3, { restartCount: 3, createdAtMs: 60_000 }),
    ended('newest', 4, { restartCount: 4, createdAtMs: 70_000 }),
  ];
  assert.equal(removed(runStage(pruneHistory, world)), ['outside']);
});

test('tasks of a removed service: running ones are shut down, ended ones removed; unstarted shut-down tasks are marked', () => {
  // Proves leftovers are cleared, including tasks no agent will ever report on.
  const world = new Cluster({ nodes: [makeNode('n1')], services: [makeService('web', { replicas: 1 })] });
  world.tasks = [
    makeTask('orphan-running', { serviceId: 'gone', state: 'running', nodeId: 'n1' }),
    makeTask('orphan-ended', { serviceId: 'gone', state: 'complete', nodeId: 'n1', desiredState: 'shutdown' }),
    makeTask('never-placed', { state: 'pending', desiredState: 'shutdown', slot: 1, generation: 1 }),
    makeTask('holder', { state: 'running', nodeId: 'n1', slot: 1, generation: 2 }),
  ];
  const actions = runStage(clearLeftovers, world);
  assert.equal(actions.map((action) => [action.kind, 'taskId' in action ? action.taskId : '']), [
    ['setDesiredState', 'orphan-running'],
    ['removeTask', 'orphan-ended'],
    ['markTask', 'never-placed'],
  ]);
});

test.run();
