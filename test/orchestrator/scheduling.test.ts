import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { predecessorWaitsEndAtMs, schedulingActions, type PlaceInput, type Placer } from '../../runtime/orchestrator/index.js';
import { GiB, makeNode, makeService, makeTask, testPlacer } from './fixtures.js';

function recording(): { placer: Placer; inputs: PlaceInput[] } {
  const inputs: PlaceInput[] = [];
  return { inputs, placer: { ...testPlacer, place: (input) => (inputs.push(input), testPlacer.place(input)) } };
}

const nodes = [makeNode('n1'), makeNode('n2', { availability: 'drain' })];
const services = [makeService('web', { resources: { memoryReservationBytes: GiB, memoryLimitBytes: 0, cpuLimit: 0, pidsLimit: 0 } })];
const allocatableMemoryBytes = () => 2 * GiB;
const predecessorStopWaitMs = 60_000;

test('waiting tasks are offered oldest first; placed ones are assigned, the rest marked pending with the reason, once', () => {
  // Proves the scheduler stage: order, assignment, pending reason, and that an unchanged reason is not rewritten.
  const { placer, inputs } = recording();
  const tasks = [
    makeTask('later', { slot: 2, generation: 2, createdAtMs: 20 }),
    makeTask('first', { slot: 1, generation: 1, createdAtMs: 10 }),
    makeTask('third', { slot: 3, generation: 3, createdAtMs: 30 }),
  ];
  const actions = schedulingActions({ services, tasks, nodes, nowMs: 100 }, { placer, allocatableMemoryBytes, predecessorStopWaitMs });
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
  assert.equal(schedulingActions({ services, tasks: later, nodes, nowMs: 200 }, { placer, allocatableMemoryBytes, predecessorStopWaitMs }), [], 'same reason: nothing to write');
});

test('tasks being shut down are not placed, but still count against their node until they stop', () => {
  // Proves a stopping task's memory is not handed to a new task on a small board.
  const { placer, inputs } = recording();
  const tasks = [
    makeTask('stopping', { nodeId: 'n1', state: 'running', desiredState: 'shutdown' }),
    makeTask('unwanted', { state: 'pending', desiredState: 'shutdown' }),
    makeTask('new', { slot: 2, generation: 2 }),
  ];
  const actions = schedulingActions({ services, tasks, nodes, nowMs: 100 }, { placer, allocatableMemoryBytes, predecessorStopWaitMs });
  assert.equal(inputs[0]!.pending.map((entry) => entry.task.id), ['new']);
  assert.equal(inputs[0]!.placed.map((task) => task.taskId), ['stopping']);
  assert.equal(actions, [{ kind: 'assignTask', taskId: 'new', nodeId: 'n1', atMs: 100 }]);
});

test('a successor is not placed while the older task of its slot is stopping; placed once it stopped, or when the wait runs out', () => {
  // Proves stop-first means stop, then start: a slot never runs twice because a stopping task ignores SIGTERM for its grace period.
  const { placer, inputs } = recording();
  const old = makeTask('old', { slot: 1, generation: 1, nodeId: 'n1', state: 'running', desiredState: 'shutdown' });
  const successor = makeTask('successor', { slot: 1, generation: 2, createdAtMs: 100 });
  const held = schedulingActions({ services, tasks: [old, successor], nodes, nowMs: 100 }, { placer, allocatableMemoryBytes, predecessorStopWaitMs });
  assert.equal(held, [{ kind: 'markTask', taskId: 'successor', state: 'pending', message: 'waiting for task old to stop first (at most 60 s)', atMs: 100 }]);
  assert.equal(inputs.length, 0, 'not offered to the placer');
  const stillHeld = { ...successor, state: 'pending' as const, message: held[0]!.kind === 'markTask' ? held[0]!.message : '' };
  assert.equal(schedulingActions({ services, tasks: [old, stillHeld], nodes, nowMs: 5000 }, { placer, allocatableMemoryBytes, predecessorStopWaitMs }), [], 'same words: nothing rewritten');

  const stopped = { ...old, state: 'shutdown' as const };
  assert.equal(schedulingActions({ services, tasks: [stopped, stillHeld], nodes, nowMs: 6000 }, { placer, allocatableMemoryBytes, predecessorStopWaitMs }), [
    { kind: 'assignTask', taskId: 'successor', nodeId: 'n1', atMs: 6000 },
  ]);
  // An agent that never reports does not keep the slot empty for ever.
  assert.equal(schedulingActions({ services, tasks: [old, stillHeld], nodes, nowMs: 100 + predecessorStopWaitMs }, { placer, allocatableMemoryBytes, predecessorStopWaitMs }), [
    { kind: 'assignTask', taskId: 'successor', nodeId: 'n1', atMs: 100 + predecessorStopWaitMs },
  ]);
});

test('the pass asks to run again when the first wait for a predecessor runs out', () => {
  // Proves a held-back task is looked at when its wait ends, not at the next unrelated change or safety timer.
  const old = makeTask('old', { slot: 1, generation: 1, nodeId: 'n1', state: 'running', desiredState: 'shutdown' });
  const later = makeTask('later', { slot: 1, generation: 2, createdAtMs: 900 });
  const first = makeTask('first', { slot: 1, generation: 3, createdAtMs: 300 });
  assert.is(predecessorWaitsEndAtMs({ services, tasks: [old, later, first], nodes, nowMs: 1000 }, predecessorStopWaitMs), 300 + predecessorStopWaitMs);
  assert.is(predecessorWaitsEndAtMs({ services, tasks: [{ ...old, state: 'shutdown' }, later], nodes, nowMs: 1000 }, predecessorStopWaitMs), null, 'nothing stopping: nothing to wait for');
  assert.is(predecessorWaitsEndAtMs({ services, tasks: [old, later], nodes, nowMs: 900 + predecessorStopWaitMs }, predecessorStopWaitMs), null, 'a wait that ran out asks for nothing');
});

test('no wait for a start-first predecessor that still serves, a stopping task of another slot or service, or one that never reached a node', () => {
  // Proves the wait is only for an older, unwanted task of the same slot that a node still runs.
  const { placer } = recording();
  const others = [
    makeTask('handover', { slot: 1, generation: 1, nodeId: 'n1', state: 'running', desiredState: 'running' }),
    makeTask('other-slot', { slot: 2, generation: 2, nodeId: 'n1', state: 'running', desiredState: 'shutdown' }),
    makeTask('other-service', { serviceId: 'db', slot: 1, generation: 1, nodeId: 'n1', state: 'running', desiredState: 'shutdown' }),
    makeTask('never-placed', { slot: 1, generation: 2, state: 'pending', desiredState: 'shutdown' }),
    makeTask('newer', { slot: 1, generation: 9, nodeId: 'n1', state: 'running', desiredState: 'shutdown' }),
  ];
  const successor = makeTask('successor', { slot: 1, generation: 3, createdAtMs: 100 });
  // No reservations here: only the wait could keep the successor off n1.
  const unreserved = [makeService('web'), makeService('db')];
  assert.equal(schedulingActions({ services: unreserved, tasks: [...others, successor], nodes, nowMs: 100 }, { placer, allocatableMemoryBytes, predecessorStopWaitMs }), [
    { kind: 'assignTask', taskId: 'successor', nodeId: 'n1', atMs: 100 },
  ]);
});

test('nothing waiting: the placer is not called', () => {
  // Proves the stage costs nothing when there is nothing to place.
  const { placer, inputs } = recording();
  assert.equal(schedulingActions({ services, tasks: [makeTask('done', { state: 'running', nodeId: 'n1' })], nodes, nowMs: 1 }, { placer, allocatableMemoryBytes, predecessorStopWaitMs }), []);
  assert.equal(inputs.length, 0);
});

test.run();
