// Proves the node commands send the right control requests (with `self` resolved) and print docker-like tables and JSON.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NodeView } from '../../runtime/wire/messages/control.js';
import { activeInfo, edgectl, findNode, managerNode, startDaemon, workerNode, type FakeDaemon } from './support.js';

let daemon: FakeDaemon;
const nodes: NodeView[] = [managerNode, workerNode];

test.before(async () => {
  daemon = await startDaemon({
    'swarm.info': () => activeInfo,
    'node.ls': () => ({ nodes }),
    'node.inspect': (body: { ref: string }) => ({ node: findNode(nodes, body.ref) }),
    'node.update': (body: { ref: string; availability?: NodeView['availability'] }) => {
      const node = findNode(nodes, body.ref);
      return { node: { ...node, availability: body.availability ?? node.availability } };
    },
    'node.promote': (body: { ref: string }) => ({ node: { ...findNode(nodes, body.ref), role: 'manager', managerStatus: 'reachable' } }),
    'node.demote': (body: { ref: string }) => {
      const { managerStatus: _dropped, ...node } = findNode(nodes, body.ref);
      return { node: { ...node, role: 'worker' } };
    },
    'node.rm': (body: { ref: string }) => ({ id: findNode(nodes, body.ref).id }),
  });
});
test.after(() => daemon.close());
test.before.each(() => {
  daemon.calls.length = 0;
});

const methods = (): string[] => daemon.calls.map((call) => call.method);

test('node ls prints docker-like columns, sorted by hostname, with 12-char IDs and * on the local node', async () => {
  const result = await edgectl(['node', 'ls'], { socketPath: daemon.socketPath });
  assert.is(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  assert.is(lines.length, 3);
  assert.match(lines[0]!, /^ID\s+HOSTNAME\s+STATUS\s+AVAILABILITY\s+MANAGER STATUS\s+ARCH\s+BOARD$/);
  // pi-garage sorts before pi-kitchen; the worker has an empty MANAGER STATUS.
  assert.match(lines[1]!, /^a7b2c9d4e1f6\s+pi-garage\s+Down\s+Drain\s+arm64\s+raspberry-pi-zero-2w$/);
  assert.match(lines[2]!, /^k3m9x2p7q4w8 \*\s+pi-kitchen\s+Ready\s+Active\s+Leader\s+arm64\s+raspberry-pi-4b$/);
  assert.equal(daemon.calls.find((call) => call.method === 'node.ls')?.body, {});
});

test('node ls --json prints an array of NodeViews with managerStatus null for workers', async () => {
  const result = await edgectl(['node', 'ls', '--json'], { socketPath: daemon.socketPath });
  assert.is(result.code, 0, result.stderr);
  const printed = JSON.parse(result.stdout) as Record<string, unknown>[];
  assert.is(printed.length, 2);
  assert.equal(printed[0], { ...workerNode, managerStatus: null });
  assert.equal(printed[1], managerNode);
  for (const node of printed) for (const key of ['id', 'hostname', 'role', 'status', 'availability', 'managerStatus', 'addr', 'labels']) assert.ok(key in node, key);
});

test('node ls --stale asks for a stale read; -q prints only IDs', async () => {
  const result = await edgectl(['node', 'ls', '--stale', '-q'], { socketPath: daemon.socketPath });
  assert.is(result.stdout, `${workerNode.id}\n${managerNode.id}\n`);
  assert.equal(daemon.calls.find((call) => call.method === 'node.ls')?.body, { stale: true });
});

test('node inspect prints a JSON array by default; --pretty a readable summary', async () => {
  const raw = await edgectl(['node', 'inspect', 'pi-garage'], { socketPath: daemon.socketPath });
  assert.is(raw.code, 0, raw.stderr);
  assert.equal(JSON.parse(raw.stdout), [{ ...workerNode, managerStatus: null }]);
  const pretty = await edgectl(['node', 'inspect', '--pretty', 'pi-kitchen'], { socketPath: daemon.socketPath });
  assert.is(pretty.code, 0, pretty.stderr);
  for (const text of ['ID:', managerNode.id, 'Hostname:', 'pi-kitchen', 'Reachability:', 'Reachable', 'Leader:', 'Yes', 'Architecture:', 'arm64', 'Memory:', '4.0GiB', ' - zone=house']) {
    assert.match(pretty.stdout, text);
  }
});

test('`self` is resolved through swarm.info to the local node id', async () => {
  const result = await edgectl(['node', 'inspect', 'self'], { socketPath: daemon.socketPath });
  assert.is(result.code, 0, result.stderr);
  assert.equal(methods(), ['swarm.info', 'node.inspect']);
  assert.equal(daemon.calls[1]?.body, { ref: managerNode.id });
});

test('node inspect of several nodes prints the found ones, reports the missing one with its code, exits 1', async () => {
  const result = await edgectl(['node', 'inspect', 'pi-kitchen', 'pi-attic', 'pi-garage'], { socketPath: daemon.socketPath });
  assert.is(result.code, 1);
  assert.equal((JSON.parse(result.stdout) as NodeView[]).map((node) => node.hostname), ['pi-kitchen', 'pi-garage']);
  assert.match(result.stderr, 'no node with ID or hostname "pi-attic"; see `edgectl node ls` [EDGE_NODE_NOT_FOUND]');
});

test('node inspect --pretty --json is a usage error', async () => {
  const result = await edgectl(['node', 'inspect', '--pretty', '--json', 'self'], { socketPath: daemon.socketPath });
  assert.is(result.code, 2);
  assert.is(daemon.calls.length, 0);
});

test('node update sends availability, added and removed labels in one request', async () => {
  const result = await edgectl(
    ['node', 'update', '--availability', 'drain', '--label-add', 'zone=garage', '--label-add', 'solar', '--label-rm', 'old', 'pi-garage'],
    { socketPath: daemon.socketPath },
  );
  assert.is(result.code, 0, result.stderr);
  assert.equal(daemon.calls, [
    { method: 'node.update', body: { ref: 'pi-garage', availability: 'drain', labelsAdd: { zone: 'garage', solar: '' }, labelsRemove: ['old'] } },
  ]);
  assert.is(result.stdout, `${workerNode.id}\n`);
});

test('node update refuses a bad availability, a bad label and an empty update, naming the flag', async () => {
  const cases: [string[], string][] = [
    [['--availability', 'paused', 'self'], '--availability: "paused" is not one of active, pause, drain'],
    [['--label-add', '=x', 'self'], '--label-add'],
    [['--label-add', 'a=1', '--label-rm', 'a', 'self'], 'not both'],
    [['self'], 'nothing to update'],
  ];
  for (const [args, text] of cases) {
    const result = await edgectl(['node', 'update', ...args], { socketPath: daemon.socketPath });
    assert.is(result.code, 2, args.join(' '));
    assert.match(result.stderr, text);
    assert.match(result.stderr, 'Usage: edgectl node update [OPTIONS] NODE');
  }
  assert.is(daemon.calls.length, 0);
});

test('node promote and demote handle each node in turn and say what happened, docker-style', async () => {
  const promoted = await edgectl(['node', 'promote', 'pi-garage', 'self'], { socketPath: daemon.socketPath });
  assert.is(promoted.code, 0, promoted.stderr);
  assert.is(promoted.stdout, 'Node pi-garage promoted to a manager in the swarm.\nNode self promoted to a manager in the swarm.\n');
  assert.equal(
    daemon.calls.filter((call) => call.method === 'node.promote').map((call) => call.body),
    [{ ref: 'pi-garage' }, { ref: managerNode.id }],
  );
  const demoted = await edgectl(['node', 'demote', '--json', 'pi-kitchen'], { socketPath: daemon.socketPath });
  const printed = JSON.parse(demoted.stdout) as Record<string, unknown>[];
  assert.is(printed[0]?.role, 'worker');
  assert.is(printed[0]?.managerStatus, null);
});

test('node rm passes --force (also given after the nodes) and refuses `self`', async () => {
  const removed = await edgectl(['node', 'rm', 'pi-garage', '--force'], { socketPath: daemon.socketPath });
  assert.is(removed.code, 0, removed.stderr);
  assert.equal(daemon.calls, [{ method: 'node.rm', body: { ref: 'pi-garage', force: true } }]);
  assert.is(removed.stdout, 'pi-garage\n');
  const self = await edgectl(['node', 'remove', 'self'], { socketPath: daemon.socketPath });
  assert.is(self.code, 2);
  assert.match(self.stderr, 'edgectl swarm leave');
});

test.run();
