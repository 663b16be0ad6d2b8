// The dispatcher's per-node assignment index: after any sequence of store
// changes it holds exactly what a rebuild from the state would, it reports
// every node whose list changed and only a handful of others, and the
// dispatcher pushes only to the connected nodes a change touched.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRng } from '../../runtime/common/rng.js';
import { AssignmentIndex } from '../../runtime/daemon/assignment-index.js';
import { Dispatcher } from '../../runtime/daemon/dispatcher.js';
import { EntryType } from '../../runtime/raft/types.js';
import { applyCommand } from '../../runtime/store/apply.js';
import { encodeCommand, type Command } from '../../runtime/store/commands.js';
import { taskStates, type TaskState } from '../../runtime/store/services.js';
import { emptyState, type ClusterState } from '../../runtime/store/state.js';
import { ClusterStore } from '../../runtime/store/store.js';
import { makeNode, makeService, makeSpec, makeTask } from '../orchestrator/fixtures.js';

const nodeIds = ['n1', 'n2', 'n3', 'n4'];

function startingState(): ClusterState {
  const state = emptyState();
  state.clusterId = 'c1';
  for (const id of nodeIds) state.nodes[id] = makeNode(id);
  state.services.web = makeService('web');
  state.services.db = makeService('db');
  return state;
}

function randomCommand(rng: SeededRng, state: ClusterState, step: number): Command {
  const taskIds = Object.keys(state.tasks);
  const anyTask = (): string => (taskIds.length === 0 ? 'missing' : taskIds[rng.int(taskIds.length)]!);
  const serviceIds = Object.keys(state.services);
  const anyService = (): string => (serviceIds.length === 0 ? 'missing' : serviceIds[rng.int(serviceIds.length)]!);
  switch (rng.int(9)) {
    case 0:
    case 1:
      return { op: 'task.create', task: makeTask(`t${step}`, { serviceId: anyService(), slot: 1 + rng.int(3), nodeId: rng.int(2) === 0 ? nodeIds[rng.int(4)]! : '', state: rng.int(2) === 0 ? 'assigned' : 'new' }) };
    case 2:
      return { op: 'task.update', id: anyTask(), change: { nodeId: nodeIds[rng.int(4)]!, state: 'assigned' }, atMs: step };
    case 3:
      return { op: 'task.update', id: anyTask(), change: { state: taskStates[rng.int(taskStates.length)] as TaskState }, atMs: step };
    case 4:
      return { op: 'task.update', id: anyTask(), change: { desiredState: rng.int(2) === 0 ? 'shutdown' : 'running' }, atMs: step };
    case 5:
      return { op: 'task.remove', id: anyTask() };
    case 6: {
      const id = anyService();
      const service = state.services[id];
      if (service === undefined) return { op: 'service.create', service: makeService(id === 'missing' ? `s${step}` : id) };
      // Half are a scale (same run spec, new spec object), half a new image.
      const spec = rng.int(2) === 0 ? { ...service.spec, replicas: 1 + rng.int(5) } : { ...service.spec, image: `registry.local/${id}:${step}` };
      return { op: 'service.update', id, spec, rollback: false, rolls: spec.image !== service.spec.image, atMs: step };
    }
    case 7:
      return rng.int(4) === 0 ? { op: 'service.remove', id: anyService() } : { op: 'service.create', service: makeService(`s${step}`) };
    default:
      return { op: 'batch', commands: [randomCommand(rng, state, step * 1000 + 1), randomCommand(rng, state, step * 1000 + 2)] };
  }
}

const listed = (index: AssignmentIndex): Map<string, string> => new Map(nodeIds.map((id) => [id, JSON.stringify(index.assignmentsOf(id))]));

test('after any sequence of changes the index equals a rebuild, and every changed node is reported', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rng = new SeededRng(seed);
    const state = startingState();
    const index = new AssignmentIndex(state);
    index.takeChangedNodes();
    for (let step = 1; step <= 150; step++) {
      const before = listed(index);
      const command = randomCommand(rng, state, step);
      if (!applyCommand(state, command).ok) continue;
      index.follow(state, command);
      const after = listed(index);
      const rebuilt = listed(new AssignmentIndex(state));
      assert.equal(after, rebuilt, `seed ${seed} step ${step}: ${command.op}`);
      const reported = new Set(index.takeChangedNodes());
      for (const id of nodeIds) if (before.get(id) !== after.get(id)) assert.ok(reported.has(id), `seed ${seed} step ${step}: ${id} changed but was not reported`);
    }
  }
});

test('a change to one task reports only the nodes it left and joined; observed progress and a scale report none', () => {
  const state = startingState();
  state.tasks.a = makeTask('a', { nodeId: 'n1', state: 'assigned' });
  state.tasks.b = makeTask('b', { nodeId: 'n2', state: 'running' });
  const index = new AssignmentIndex(state);
  index.takeChangedNodes();
  const apply = (command: Command): string[] => {
    assert.ok(applyCommand(state, command).ok);
    index.follow(state, command);
    return index.takeChangedNodes().sort();
  };
  assert.equal(apply({ op: 'task.update', id: 'a', change: { state: 'running' }, atMs: 1 }), [], 'the agent reporting progress changes nothing it is told');
  assert.equal(apply({ op: 'task.update', id: 'a', change: { desiredState: 'shutdown' }, atMs: 2 }), ['n1']);
  assert.equal(apply({ op: 'service.update', id: 'web', spec: { ...state.services.web!.spec, replicas: 5 }, rollback: false, rolls: false, atMs: 3 }), [], 'a scale keeps every run spec');
  assert.equal(apply({ op: 'service.update', id: 'web', spec: makeSpec({ name: 'web', image: 'registry.local/web:2' }), rollback: false, rolls: true, atMs: 4 }), [], 'a new spec version: the tasks of the old one still run the spec they were made from');
  assert.equal(apply({ op: 'task.create', task: makeTask('c', { nodeId: 'n3', state: 'assigned', specVersion: 2, generation: 2 }) }), ['n3']);
  assert.equal(apply({ op: 'task.update', id: 'b', change: { state: 'failed' }, atMs: 5 }), ['n2']);
  assert.equal(index.assignmentsOf('n2'), [], 'a finished task leaves its node\'s list');
  assert.equal(apply({ op: 'service.remove', id: 'web' }), ['n1', 'n3']);
  assert.equal(nodeIds.map((id) => index.assignmentsOf(id).length), [0, 0, 0, 0]);
});

test('the dispatcher pushes to the connected nodes a change touched, re-sends after a failed send, and sends a full list on attach', () => {
  const store = new ClusterStore();
  let entryIndex = 0;
  const apply = (command: Command): void => {
    store.apply({ index: ++entryIndex, term: 1, type: EntryType.Normal, data: encodeCommand(command) });
  };
  const node = makeNode('n1');
  apply({ op: 'cluster.init', clusterId: 'c1', createdAtMs: 0, ca: { certPem: '', keyPem: '' }, tokens: emptyState().tokens, node: { ...node, role: 'manager' } });
  for (const id of ['n2', 'n3']) apply({ op: 'node.add', node: makeNode(id) });
  apply({ op: 'service.create', service: makeService('web') });
  apply({ op: 'task.create', task: makeTask('a', { nodeId: 'n1', state: 'assigned' }) });
  apply({ op: 'task.create', task: makeTask('b', { nodeId: 'n2', state: 'assigned' }) });
  const logged: string[] = [];
  const dispatcher = new Dispatcher({ store, state: store.state, write: async () => undefined, context: { log: (line: string) => logged.push(line) } } as never);
  const received = new Map<string, { version: number; tasks: string[] }[]>();
  let n2Refuses = false;
  for (const id of ['n1', 'n2', 'n3']) {
    received.set(id, []);
    dispatcher.attach(id, {
      assign: (body) => {
        if (id === 'n2' && n2Refuses) throw new Error('link full');
        received.get(id)!.push({ version: body.version, tasks: body.tasks.map((task) => task.taskId) });
      },
    });
  }
  try {
    dispatcher.push();
    assert.equal([...received].map(([id, bodies]) => [id, bodies.map((body) => body.tasks)]), [['n1', [['a']]], ['n2', [['b']]], ['n3', [[]]]], 'each attached node gets its full list');
    for (const bodies of received.values()) bodies.length = 0;

    apply({ op: 'task.update', id: 'a', change: { state: 'running' }, atMs: 1 });
    dispatcher.push();
    assert.equal([...received.values()].flat(), [], 'observed progress is not pushed back to anyone');

    apply({ op: 'task.update', id: 'b', change: { desiredState: 'shutdown' }, atMs: 2 });
    n2Refuses = true;
    dispatcher.push();
    assert.equal(received.get('n2'), []);
    assert.match(logged.join('\n'), /could not send assignments to n2: link full/);
    n2Refuses = false;
    apply({ op: 'task.create', task: makeTask('c', { nodeId: 'n3', state: 'assigned', slot: 2 }) });
    dispatcher.push();
    assert.equal(received.get('n1'), [], 'n1 was not touched');
    assert.equal(received.get('n2')!.map((body) => body.tasks), [['b']], 'the failed send is retried with the next push');
    assert.equal(received.get('n3')!.map((body) => body.tasks), [['c']]);
    assert.ok(received.get('n2')![0]!.version > 1, 'versions keep increasing');
  } finally {
    dispatcher.stop();
  }
});

test('a report after a quiet spell is written at once; the next within statusFlushMs waits, then goes in one batch', async () => {
  const store = new ClusterStore();
  let entryIndex = 0;
  const apply = (command: Command): void => void store.apply({ index: ++entryIndex, term: 1, type: EntryType.Normal, data: encodeCommand(command) });
  apply({ op: 'cluster.init', clusterId: 'c1', createdAtMs: 0, ca: { certPem: '', keyPem: '' }, tokens: emptyState().tokens, node: { ...makeNode('n1'), role: 'manager' } });
  apply({ op: 'service.create', service: makeService('web') });
  for (const id of ['a', 'b', 'c']) apply({ op: 'task.create', task: makeTask(id, { nodeId: 'n1', state: 'assigned', slot: id.charCodeAt(0) }) });
  const written: string[][] = [];
  const dispatcher = new Dispatcher({
    store, state: store.state, context: { log: () => {} },
    write: async (command: Command) => void written.push(command.op === 'batch' ? command.commands.map((inner) => (inner.op === 'task.update' ? `${inner.id}:${inner.change.state}` : inner.op)) : [command.op]),
  } as never);
  const report = (taskId: string, state: 'starting' | 'running'): void => dispatcher.report('n1', [{ taskId, state, message: '', error: '', containerId: taskId, atMs: 1 } as never]);
  const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  try {
    report('a', 'running');
    await tick(0);
    assert.equal(written, [['a:running']], 'the first report is written without waiting for a window');
    report('b', 'starting');
    report('c', 'running');
    report('b', 'running');
    await tick(20);
    assert.is(written.length, 1, 'reports within statusFlushMs of the last write wait');
    await tick(120);
    assert.equal(written, [['a:running'], ['b:running', 'c:running']], 'then go together, latest per task');
  } finally {
    dispatcher.stop();
  }
});

test.run();
