// Spec versions in the store: a rolling change takes a number never used
// before, a rollback takes back the number of the spec it restores (so the
// tasks still running it are current), a scale keeps the number, and the
// bookkeeping survives a snapshot. Records written before the fields existed
// still roll back, to a new number as they always did.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EntryType } from '../../runtime/raft/types.js';
import { applyCommand } from '../../runtime/store/apply.js';
import { encodeCommand, type Command } from '../../runtime/store/commands.js';
import { defaultServiceSpec, type ServiceRecord } from '../../runtime/store/services.js';
import { emptyState, type ClusterState } from '../../runtime/store/state.js';
import { ClusterStore } from '../../runtime/store/store.js';

const v1 = defaultServiceSpec('web', 'registry.local/web:1');
const v2 = { ...v1, image: 'registry.local/web:2' };
const v3 = { ...v1, image: 'registry.local/web:3' };

function service(patch: Partial<ServiceRecord> = {}): ServiceRecord {
  return { id: 's1', spec: v1, previousSpec: null, specVersion: 1, createdAtMs: 0, updatedAtMs: 0, updateStatus: { state: 'none', message: '', startedAtMs: 0 }, ...patch };
}

function world(record = service()): ClusterState {
  const state = emptyState();
  state.clusterId = 'c1';
  assert.ok(applyCommand(state, { op: 'service.create', service: record }).ok);
  return state;
}

function run(state: ClusterState, command: Command): number {
  const result = applyCommand(state, command);
  assert.ok(result.ok, JSON.stringify(result));
  return (result as { value: { specVersion: number } }).value.specVersion;
}

test('rollback returns to the restored spec\'s version; the next update does not reuse the abandoned one', () => {
  const state = world();
  assert.is(run(state, { op: 'service.update', id: 's1', spec: v2, rollback: false, rolls: true, atMs: 10 }), 2);
  assert.equal([state.services.s1!.previousSpec?.image, state.services.s1!.previousSpecVersion], [v1.image, 1]);
  assert.is(run(state, { op: 'service.update', id: 's1', spec: v1, rollback: true, rolls: true, atMs: 20 }), 1);
  const rolledBack = state.services.s1!;
  assert.equal([rolledBack.spec.image, rolledBack.previousSpec, 'previousSpecVersion' in rolledBack, rolledBack.specVersionMax], [v1.image, null, false, 2]);
  assert.equal(rolledBack.updateStatus, { state: 'rolling-back', message: '', startedAtMs: 20 });
  assert.is(run(state, { op: 'service.update', id: 's1', spec: v3, rollback: false, rolls: true, atMs: 30 }), 3, 'version 2 named the abandoned spec');
  assert.is(run(state, { op: 'service.update', id: 's1', spec: { ...v3, replicas: 5 }, rollback: false, rolls: false, atMs: 40 }), 3, 'a scale keeps the version');
  assert.equal(state.services.s1!.previousSpecVersion, 3, 'rolling back the scale stays on version 3');
});

test('a record from before the version fields rolls back to a new number', () => {
  const state = world(service({ spec: v2, previousSpec: v1, specVersion: 2 }));
  assert.is(run(state, { op: 'service.update', id: 's1', spec: v1, rollback: true, rolls: true, atMs: 20 }), 3);
});

test('the version bookkeeping survives a snapshot', () => {
  const store = new ClusterStore();
  let index = 0;
  const apply = (command: Command): void => void store.apply({ index: ++index, term: 1, type: EntryType.Normal, data: encodeCommand(command) });
  apply({ op: 'cluster.init', clusterId: 'c1', createdAtMs: 0, ca: { certPem: '', keyPem: '' }, tokens: emptyState().tokens, node: {
    id: 'n1', hostname: 'n1', role: 'manager', raftId: 0, addr: '10.0.0.1:4270', labels: {}, availability: 'active', status: 'ready', statusMessage: '',
    statusChangedAtMs: 0, certSerials: [], platform: { os: 'linux', arch: 'arm64' }, board: 'pi4b', memoryBytes: 4e9, allocatableBytes: 3e9, cores: 4, joinedAtMs: 0,
  } });
  apply({ op: 'service.create', service: service() });
  apply({ op: 'service.update', id: 's1', spec: v2, rollback: false, rolls: true, atMs: 10 });
  apply({ op: 'service.update', id: 's1', spec: v1, rollback: true, rolls: true, atMs: 20 });
  const restored = new ClusterStore();
  restored.restore(store.snapshot(), index);
  const record = restored.state.services.s1!;
  assert.equal([record.specVersion, record.specVersionMax, record.previousSpec], [1, 2, null]);
});

test.run();
