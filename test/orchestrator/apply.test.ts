import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyActions, type Action } from '../../runtime/orchestrator/index.js';
import { makeService, makeSpec, makeTask } from './fixtures.js';

function one(action: Action, task = makeTask('t1', { state: 'running', nodeId: 'n1' })) {
  const before = { services: [makeService('web', {}, { previousSpec: makeSpec({ image: 'registry.local/web:0' }) })], tasks: [task] };
  return { before, after: applyActions(before, [action]) };
}

test('createTask adds the task; a second task with the same id is ignored', () => {
  // Proves creation and that a replayed creation does not duplicate or overwrite.
  const task = makeTask('t2', { slot: 2 });
  const { after } = one({ kind: 'createTask', task });
  assert.equal(after.tasks.map((candidate) => candidate.id), ['t1', 't2']);
  const again = applyActions(after, [{ kind: 'createTask', task: { ...task, slot: 9 } }]);
  assert.equal(again.tasks.find((candidate) => candidate.id === 't2')!.slot, 2);
});

test('setDesiredState only moves forward (running → complete → shutdown) and leaves updatedAtMs alone', () => {
  // Proves desired state is monotonic and does not disturb the observed-change time the monitor reads.
  const { after } = one({ kind: 'setDesiredState', taskId: 't1', desiredState: 'shutdown', reason: 'test' });
  assert.equal([after.tasks[0]!.desiredState, after.tasks[0]!.updatedAtMs], ['shutdown', 0]);
  const back = applyActions(after, [{ kind: 'setDesiredState', taskId: 't1', desiredState: 'running', reason: 'test' }]);
  assert.equal(back.tasks[0]!.desiredState, 'shutdown');
});

test('markTask moves observed state forward only, and never from one ended state to another', () => {
  // Proves the forward-only rule and that terminal states are final, as the store applies them.
  const { after } = one({ kind: 'markTask', taskId: 't1', state: 'orphaned', message: 'node n1 is down', atMs: 50 });
  assert.equal([after.tasks[0]!.state, after.tasks[0]!.message, after.tasks[0]!.updatedAtMs], ['orphaned', 'node n1 is down', 50]);
  const backwards = one({ kind: 'markTask', taskId: 't1', state: 'pending', message: 'x', atMs: 60 });
  assert.equal(backwards.after.tasks[0]!.state, 'running');
  const ended = one({ kind: 'markTask', taskId: 't1', state: 'orphaned', message: 'x', atMs: 60 }, makeTask('t1', { state: 'failed' }));
  assert.equal(ended.after.tasks[0]!.state, 'failed');
});

test('removeTask, setUpdateStatus and assignTask do what they say; unknown ids change nothing', () => {
  // Proves the remaining actions and their tolerance of a stale view.
  assert.equal(one({ kind: 'removeTask', taskId: 't1' }).after.tasks, []);
  const status = one({ kind: 'setUpdateStatus', serviceId: 'web', state: 'updating', message: 'updating 1/3', startedAtMs: 7 }).after.services[0]!.updateStatus;
  assert.equal(status, { state: 'updating', message: 'updating 1/3', startedAtMs: 7 });
  const assigned = one({ kind: 'assignTask', taskId: 't1', nodeId: 'n2', atMs: 9 }, makeTask('t1', { state: 'pending' })).after.tasks[0]!;
  assert.equal([assigned.nodeId, assigned.state, assigned.updatedAtMs], ['n2', 'assigned', 9]);
  const { before, after } = one({ kind: 'removeTask', taskId: 'nope' });
  assert.equal(after, { services: before.services, tasks: before.tasks });
});

test('rollbackService restores the previous spec with a new version and clears previousSpec; without one it changes nothing', () => {
  // Proves the rollback command as the store's service.update with rollback applies it.
  const { after } = one({ kind: 'rollbackService', serviceId: 'web', message: 'rolling back: 1 of 3 tasks failed', atMs: 70 });
  const service = after.services[0]!;
  assert.equal([service.spec.image, service.previousSpec, service.specVersion, service.updatedAtMs], ['registry.local/web:0', null, 2, 70]);
  assert.equal(service.updateStatus, { state: 'rolling-back', message: 'rolling back: 1 of 3 tasks failed', startedAtMs: 70 });
  const twice = applyActions(after, [{ kind: 'rollbackService', serviceId: 'web', message: 'again', atMs: 80 }]);
  assert.equal(twice.services[0]!.specVersion, 2);
});

test('applyActions leaves its input untouched', () => {
  // Proves records are replaced, not mutated, so a caller's snapshot stays valid.
  const { before } = one({ kind: 'removeTask', taskId: 'x' });
  const frozen = JSON.stringify(before);
  applyActions(before, [{ kind: 'setDesiredState', taskId: 't1', desiredState: 'shutdown', reason: 'x' }, { kind: 'rollbackService', serviceId: 'web', message: '', atMs: 1 }]);
  assert.equal(JSON.stringify(before), frozen);
});

test.run();
