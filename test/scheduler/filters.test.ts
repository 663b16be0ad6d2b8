// Each filter on its own: which nodes it lets through, and the phrase it gives when it refuses them all.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseConstraint, schedule, type Decision } from '../../runtime/scheduler/index.js';
import { GiB, MiB, node, perNode, placed, reasonOf, replicas, service } from './fixtures.js';

function only(decisions: Decision[]): Decision {
  assert.is(decisions.length, 1);
  return decisions[0]!;
}

test('ready: drained, paused, down and unknown nodes take no new tasks', () => {
  // Proves only ready+active nodes are used and the explanation counts each cause.
  const nodes = [
    node('a', { availability: 'drain' }), node('b', { availability: 'drain' }), node('c', { availability: 'pause' }),
    node('d', { status: 'down' }), node('e', { status: 'unknown' }), node('f'),
  ];
  const decisions = schedule({ nodes, placed: [], pending: replicas('web', service('web'), 3) });
  assert.equal(perNode(decisions), { f: 3 });
  const refused = only(schedule({ nodes: nodes.slice(0, 5), placed: [], pending: replicas('web', service('web'), 1) }));
  assert.is(reasonOf(refused), 'no suitable node (1 node down, 1 node not reporting yet, 2 nodes draining, 1 node paused)');
  assert.equal(refused.kind === 'pending' && refused.rejections.map((r) => [r.filter, r.nodes]), [['ready', 5]]);
});

test('platform: only nodes whose arch the image was built for, under any spelling of it', () => {
  // Proves imageArchs filters by normalized arch (x64 = amd64, aarch64 = arm64) and an absent list filters nothing.
  const nodes = [node('a', { arch: 'arm' }), node('b', { arch: 'x64' }), node('c', { arch: 'aarch64' }), node('d', { arch: 'arm' })];
  const spec = service('web');
  const withArchs = (archs: string[] | undefined) => replicas('web', spec, 1).map((pending) => ({ ...pending, imageArchs: archs }));
  assert.equal(perNode(schedule({ nodes, placed: [], pending: withArchs(['amd64']) })), { b: 1 });
  assert.equal(perNode(schedule({ nodes, placed: [], pending: withArchs(['arm64']) })), { c: 1 });
  assert.equal(perNode(schedule({ nodes, placed: [], pending: withArchs(undefined) })), { a: 1 });
  const refused = only(schedule({ nodes, placed: [], pending: withArchs(['riscv64', 'ppc64le']) }));
  assert.is(reasonOf(refused), 'no suitable node (image built for ppc64le, riscv64 only: 2 nodes are arm, 1 node is amd64, 1 node is arm64)');
});

test('constraints: every constraint must hold; the explanation says how many nodes each matched', () => {
  // Proves constraints select nodes, a missing label fails ==, and each failing constraint is named with matched/tried counts.
  const nodes = [
    node('a', { labels: { zone: 'a' } }), node('b', { labels: { zone: 'b' }, role: 'manager' }),
    node('c', { labels: { zone: 'b' } }), node('d'), node('e', { availability: 'drain', labels: { zone: 'b' } }),
  ];
  const spec = service('db', (s) => { s.placement.constraints = [parseConstraint('node.labels.zone==b'), parseConstraint('node.role==worker')]; });
  assert.equal(perNode(schedule({ nodes, placed: [], pending: replicas('db', spec, 2) })), { c: 2 });
  const nowhere = service('db', (s) => { s.placement.constraints = [parseConstraint('node.labels.zone==c'), parseConstraint('node.role==worker')]; });
  const refused = only(schedule({ nodes, placed: [], pending: replicas('db', nowhere, 1) }));
  assert.is(reasonOf(refused), 'no suitable node (constraint node.labels.zone==c matched 0 of 4 nodes, constraint node.role==worker matched 3 of 4 nodes; 1 node draining)');
});

test('ports: two tasks publishing one host port never share a node, also within one call', () => {
  // Proves the port ledger counts placed tasks and earlier decisions, per protocol, and explains the conflict.
  const nodes = [node('a'), node('b'), node('c')];
  const spec = service('dns', (s) => { s.ports = [{ published: 53, target: 53, protocol: 'udp' }]; });
  const existing = [placed('other.1', 'other', 'a', { ports: [{ published: 53, target: 5353, protocol: 'udp' }] }), placed('tcp.1', 'tcp', 'b', { ports: [{ published: 53, target: 53, protocol: 'tcp' }] })];
  const decisions = schedule({ nodes, placed: existing, pending: replicas('dns', spec, 3) });
  assert.equal(perNode(decisions), { b: 1, c: 1 }, 'a already has 53/udp; 53/tcp on b does not conflict');
  assert.is(reasonOf(decisions[2]), 'no suitable node (host port 53/udp already published on 3 nodes)');
});

test('max replicas per node: the limit counts existing tasks and this call\'s decisions', () => {
  // Proves maxReplicasPerNode caps each node and explains itself once every node is at the cap.
  const nodes = [node('a'), node('b')];
  const spec = service('web', (s) => { s.placement.maxReplicasPerNode = 2; });
  const decisions = schedule({ nodes, placed: [placed('web.0', 'web', 'a')], pending: replicas('web', spec, 4) });
  assert.equal(perNode(decisions), { a: 1, b: 2 });
  assert.is(reasonOf(decisions[3]), 'no suitable node (max 2 replicas per node reached on 2 nodes)');
});

test('memory: a reservation must fit in allocatable minus what is reserved there', () => {
  // Proves existing reservations count, a node with exactly enough fits, and the explanation names the roomiest node.
  const nodes = [node('a', { hostname: 'pi-1', allocatableMemoryBytes: 1 * GiB }), node('b', { hostname: 'pi-2', allocatableMemoryBytes: 512 * MiB })];
  const existing = [placed('big.1', 'big', 'a', { memoryReservationBytes: 824 * MiB })];
  const spec = service('web', (s) => { s.resources.memoryReservationBytes = 512 * MiB; });
  const decisions = schedule({ nodes, placed: existing, pending: replicas('web', spec, 2) });
  assert.equal(perNode(decisions), { b: 1 });
  assert.is(reasonOf(decisions[1]), 'no suitable node (insufficient memory on 2 nodes: needs 512 MiB, most free 200 MiB on pi-1)');
});

test('a task that reserves nothing passes the memory filter even on a node with nothing allocatable', () => {
  // Proves reservation 0 disables the memory check and allocatable 0 only ranks a node last.
  const nodes = [node('a', { allocatableMemoryBytes: 0 }), node('b', { allocatableMemoryBytes: 1 * GiB })];
  const decisions = schedule({ nodes, placed: [], pending: replicas('web', service('web'), 1) });
  assert.equal(perNode(decisions), { b: 1 });
  const onlyEmpty = schedule({ nodes: [nodes[0]!], placed: [], pending: replicas('web', service('web'), 1) });
  assert.equal(perNode(onlyEmpty), { a: 1 });
});

test.run();
