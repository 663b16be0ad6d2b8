import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { schedulingActions, type PlaceInput, type Placer } from '../../runtime/orchestrator/index.js';
import { GiB, makeNode, makeService, makeTask, testPlacer } from './fixtures.js';

function recording(): { placer: Placer; inputs: PlaceInput[] } {
  const inputs: PlaceInput[] = [];
  return { inputs, placer: { ...testPlacer, place: (input) => (inputs.push(input), testPlacer.place(input)) } };
}

const nodes = [makeNode('n1'), makeNode('n2', { availability: 'drain' })];
const services = [makeService('web', { resources: { memoryReservationBytes: GiB, memoryLimitBytes: 0, cpuLimit: 0, pidsLimit: 0 } })];
const allocatableMemoryBytes = () => 2 * GiB;

test('waiting tasks are offered oldest first; placed ones are assigned, the rest marked pending with the reason, once', () => {
  // Proves the scheduler stage: order, assignment, pending reason, and that an unchanged reason is not rewritten.
  const { placer, inputs } = recording();
  const tasks = [
    makeTask('later', { slot: 2, generation: 2, createdAtMs: 20 }),
    makeTask('first', { slot: 1, generation: 1, createdAtMs: 10 }),
    makeTask('third', { slot: 3, generation: 3, createdAtMs: 30 }),
  ];
  const actions = schedulingActions({ services, tasks, nodes, nowMs: 100 }, { placer, allocatableMemoryBytes });
  assert.equal(inputs[0]!.pending.map((entry) => entry.task.id), ['first', 'later', 'third']);
  assert.equal(actions, [
    { kind: 'assignTask', taskId: 'first', nodeId: 'n1', atMs: 100 },
    { kind: 'assignTask', taskId: 'later', nodeId: 'n1', atMs: 100 },
    { kind: 'markTask', taskId: 'third', state: 'pending', message: 'no suitable node', atMs: 100 },
  ]);
  const later = [
    { ...tasks[0]!, nodeId: 'n1', state: 'running' as const },
    { ...tasks[1]!, nodeId: 'n1', state: 'running' as const },
    { ...tasks[2]!, state: 'pending' as const, message: 'no suitable node' },
  ];
  assert.equal(schedulingActions({ services, tasks: later, nodes, nowMs: 200 }, { placer, allocatableMemoryBytes }), [], 'same reason: nothing to write');
});

test('tasks being shut down are not placed, but still count against their node until they stop', () => {
  // Proves a stopping task's memory is not handed to a new task on a small board.
  const { placer, inputs } = recording();
  const tasks = [
    makeTask('stopping', { nodeId: 'n1', state: 'running', desiredState: 'shutdown' }),
    makeTask('unwanted', { state: 'pending', desiredState: 'shutdown' }),
    makeTask('new', { slot: 2, generation: 2 }),
  ];
  const actions = schedulingActions({ services, tasks, nodes, nowMs: 100 }, { placer, allocatableMemoryBytes });
  assert.equal(inputs[0]!.pending.map((entry) => entry.task.id), ['new']);
  assert.equal(inputs[0]!.placed.map((task) => task.taskId), ['stopping']);
  assert.equal(actions, [{ kind: 'assignTask', taskId: 'new', nodeId: 'n1', atMs: 100 }]);
});

test('nothing waiting: the placer is not called', () => {
  // Proves the stage costs nothing when there is nothing to place.
  const { placer, inputs } = recording();
  assert.equal(schedulingActions({ services, tasks: [makeTask('done', { state: 'running', nodeId: 'n1' })], nodes, nowMs: 1 }, { placer, allocatableMemoryBytes }), []);
  assert.equal(inputs.length, 0);
});

test.run();
