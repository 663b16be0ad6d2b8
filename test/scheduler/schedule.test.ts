// schedule() as a whole: spread, accounting within one call, ranking, pinned tasks, bad specs, determinism.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseConstraint, schedule, type PendingTask, type SchedulableNode } from '../../runtime/scheduler/index.js';
import { SeededRng } from '../../runtime/common/rng.js';
import { GiB, MiB, node, perNode, placed, reasonOf, replicas, service, task } from './fixtures.js';

function zoneOf(nodes: readonly SchedulableNode[], nodeId: string): string {
  return nodes.find((entry) => entry.node.id === nodeId)!.node.labels.zone ?? '';
}

function perZone(nodes: readonly SchedulableNode[], decisions: ReturnType<typeof schedule>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const decision of decisions) if (decision.kind === 'placed') counts[zoneOf(nodes, decision.nodeId)] = (counts[zoneOf(nodes, decision.nodeId)] ?? 0) + 1;
  return counts;
}

test('spread over a label: 6 replicas on 3 nodes with one zone each land 2-2-2', () => {
  // Proves spreadOver balances tasks per label value even when memory would favour one node.
  const nodes = [node('a', { labels: { zone: 'x' }, allocatableMemoryBytes: 8 * GiB }), node('b', { labels: { zone: 'y' } }), node('c', { labels: { zone: 'z' } })];
  const spec = service('web', (s) => { s.placement.spreadOver = ['node.labels.zone']; s.resources.memoryReservationBytes = 100 * MiB; });
  assert.equal(perNode(schedule({ nodes, placed: [], pending: replicas('web', spec, 6) })), { a: 2, b: 2, c: 2 });
});

test('spread counts zones, not nodes: a zone with 3 nodes gets as many tasks as a zone with 1', () => {
  // Proves spreading is per label value, nodes without the label form their own group, and it holds after each task.
  const nodes = [
    node('a1', { labels: { zone: 'a' } }), node('a2', { labels: { zone: 'a' } }), node('a3', { labels: { zone: 'a' } }),
    node('b1', { labels: { zone: 'b' } }), node('n1'),
  ];
  const spec = service('web', (s) => { s.placement.spreadOver = ['node.labels.zone']; });
  const pending = replicas('web', spec, 9);
  for (let count = 1; count <= 9; count++) {
    const counts = Object.values(perZone(nodes, schedule({ nodes, placed: [], pending: pending.slice(0, count) })));
    assert.ok(Math.max(...counts) - Math.min(...counts, ...(counts.length < 3 ? [0] : [])) <= 1, `uneven after ${count}: ${counts}`);
  }
  const decisions = schedule({ nodes, placed: [], pending });
  assert.equal(perZone(nodes, decisions), { a: 3, b: 3, '': 3 });
  assert.equal(perNode(decisions), { a1: 1, a2: 1, a3: 1, b1: 3, n1: 3 }, 'within zone a, one per node (fewest tasks of the service)');
});

test('spread counts tasks already placed, and nests: zone first, then rack', () => {
  // Proves existing tasks steer the spread and a second spreadOver field balances inside each zone.
  const nodes = [
    node('a1', { labels: { zone: 'a', rack: '1' } }), node('a2', { labels: { zone: 'a', rack: '2' } }),
    node('b1', { labels: { zone: 'b', rack: '1' } }), node('b2', { labels: { zone: 'b', rack: '1' } }),
  ];
  const spec = service('web', (s) => { s.placement.spreadOver = ['node.labels.zone', 'node.labels.rack']; });
  const existing = [placed('web.1', 'web', 'b1'), placed('web.2', 'web', 'b2')];
  const decisions = schedule({ nodes, placed: existing, pending: replicas('web', spec, 4, 3) });
  assert.equal(perNode(decisions), { a1: 2, a2: 1, b1: 1 }, 'zone a catches up to 2 using both its racks, then zones alternate');
  assert.equal(perZone(nodes, decisions), { a: 3, b: 1 });
});

test('memory is booked within one call: 6 × 300 MiB on two 1 GiB nodes go 3+3, the 7th waits with the reason', () => {
  // Proves each decision is accounted before the next and the memory explanation is exact.
  const nodes = [node('pi-1', { allocatableMemoryBytes: 1 * GiB }), node('pi-2', { allocatableMemoryBytes: 1 * GiB })];
  const spec = service('api', (s) => { s.resources.memoryReservationBytes = 300 * MiB; });
  const decisions = schedule({ nodes, placed: [], pending: replicas('api', spec, 7) });
  assert.equal(perNode(decisions), { 'pi-1': 3, 'pi-2': 3 });
  assert.equal(decisions.slice(0, 6).map((decision) => decision.kind === 'placed' && decision.nodeId), ['pi-1', 'pi-2', 'pi-1', 'pi-2', 'pi-1', 'pi-2']);
  assert.is(reasonOf(decisions[6]), 'no suitable node (insufficient memory on 2 nodes: needs 300 MiB, most free 124 MiB on pi-1)');
});

test('ranking: least reserved fraction (this task included), then fewest of the service, then fewest tasks, then id', () => {
  // Proves each ranking step decides when the ones before it tie.
  const big = node('z-big', { allocatableMemoryBytes: 4 * GiB });
  const small = node('a-small', { allocatableMemoryBytes: 1 * GiB });
  const spec = service('web', (s) => { s.resources.memoryReservationBytes = 256 * MiB; });
  assert.equal(perNode(schedule({ nodes: [small, big], placed: [], pending: replicas('web', spec, 1) })), { 'z-big': 1 }, 'roomier board wins when both are empty');
  const free = service('free');
  const nodes = [node('c'), node('b'), node('a')];
  const existing = [placed('free.1', 'free', 'a'), placed('other.1', 'other', 'b'), placed('other.2', 'other', 'b')];
  assert.equal(perNode(schedule({ nodes, placed: existing, pending: replicas('free', free, 1, 2) })), { c: 1 }, 'a has one of the service; b has more tasks than c');
  assert.equal(perNode(schedule({ nodes: [node('c'), node('b')], placed: [], pending: replicas('free', free, 1) })), { b: 1 }, 'id breaks the tie');
  const singles = ['s1', 's2', 's3'].flatMap((id) => replicas(id, service(id), 1));
  assert.equal(perNode(schedule({ nodes: [node('a'), node('b'), node('c')], placed: [], pending: singles })), { a: 1, b: 1, c: 1 }, 'services without reservations do not pile on one node');
});

test('a task that names its node (global service) is placed there or says why that node refuses', () => {
  // Proves pinned tasks bypass ranking, still pass the filters, and name the node in their reason.
  const nodes = [node('a', { hostname: 'pi-a' }), node('b', { hostname: 'pi-b', availability: 'drain' })];
  const spec = service('agent', (s) => { s.mode = 'global'; });
  const pending: PendingTask[] = [
    { task: task('agent.a', 'agent', 0, 'a'), service: spec },
    { task: task('agent.b', 'agent', 0, 'b'), service: spec },
    { task: task('agent.x', 'agent', 0, 'x'), service: spec },
  ];
  const decisions = schedule({ nodes, placed: [], pending });
  assert.equal(decisions[0], { kind: 'placed', taskId: 'agent.a', nodeId: 'a' });
  assert.is(reasonOf(decisions[1]), 'node pi-b cannot take this task (1 node draining)');
  assert.match(reasonOf(decisions[2]), /^node x is not in the cluster/);
});

test('the reason lists every filter that refused nodes, most nodes first', () => {
  // Proves the aggregated explanation format a person sees in `service ps`.
  const nodes = [
    node('n1', { hostname: 'pi-1', labels: { zone: 'a' }, allocatableMemoryBytes: 100 * MiB }),
    node('n2', { hostname: 'pi-2', labels: { zone: 'a' }, allocatableMemoryBytes: 200 * MiB }),
    node('n3', { hostname: 'pi-3', labels: { zone: 'a' }, allocatableMemoryBytes: 200 * MiB }),
    node('n4', { hostname: 'pi-4', labels: { zone: 'c' } }),
    node('n5', { hostname: 'pi-5', labels: { zone: 'a' }, availability: 'drain' }),
  ];
  const spec = service('db', (s) => { s.resources.memoryReservationBytes = 512 * MiB; s.placement.constraints = [parseConstraint('node.labels.zone!=c')]; });
  const decision = schedule({ nodes, placed: [], pending: replicas('db', spec, 1) })[0];
  assert.is(reasonOf(decision), 'no suitable node (insufficient memory on 3 nodes: needs 512 MiB, most free 200 MiB on pi-2; 1 node draining; constraint node.labels.zone!=c matched 3 of 4 nodes)', 'equal counts keep pipeline order');
  assert.is(reasonOf(schedule({ nodes: [], placed: [], pending: replicas('db', spec, 1) })[0]), 'no suitable node (the cluster has no nodes)');
});

test('a spec the scheduler cannot read leaves its tasks pending with the fix, and other services still place', () => {
  // Proves one bad spec does not throw or block the rest of the call.
  const bad = service('bad', (s) => { s.placement.constraints = [{ field: 'node.zone', operator: '==', value: 'b' }]; });
  const decisions = schedule({ nodes: [node('a')], placed: [], pending: [...replicas('bad', bad, 1), ...replicas('ok', service('ok'), 1)] });
  assert.match(reasonOf(decisions[0]), /^cannot schedule: constraint "node.zone==b": unknown field "node.zone".*\(placement.constraints\[0\]\); fix it with edgectl service update$/);
  assert.equal(decisions[1], { kind: 'placed', taskId: 'ok.1', nodeId: 'a' });
});

test('placed tasks on nodes that left the cluster hold nothing', () => {
  // Proves a stale placement on a removed node neither crashes nor books memory anywhere.
  const spec = service('web', (s) => { s.resources.memoryReservationBytes = 1 * GiB; });
  const decisions = schedule({ nodes: [node('a', { allocatableMemoryBytes: 1 * GiB })], placed: [placed('old', 'web', 'gone', { memoryReservationBytes: GiB })], pending: replicas('web', spec, 1) });
  assert.equal(perNode(decisions), { a: 1 });
});

test('determinism: the same input gives the same decisions, whatever order the nodes come in', () => {
  // Proves the output depends on the snapshot's content only: repeated runs and shuffled node lists agree.
  const rng = new SeededRng(7);
  const nodes = Array.from({ length: 40 }, (_, i) => node(`node-${String(i).padStart(2, '0')}`, {
    labels: { zone: `z${i % 3}` }, allocatableMemoryBytes: (1 + (i % 4)) * GiB, availability: i % 11 === 0 ? 'drain' : 'active',
  }));
  const specs = [
    service('web', (s) => { s.placement.spreadOver = ['node.labels.zone']; s.resources.memoryReservationBytes = 200 * MiB; }),
    service('dns', (s) => { s.ports = [{ published: 53, target: 53, protocol: 'udp' }]; }),
    service('db', (s) => { s.placement.maxReplicasPerNode = 1; s.resources.memoryReservationBytes = 900 * MiB; s.placement.constraints = [parseConstraint('node.labels.zone!=z1')]; }),
  ];
  const pending = specs.flatMap((spec) => replicas(spec.name, spec, 30));
  const first = schedule({ nodes, placed: [], pending });
  for (let round = 0; round < 5; round++) {
    const shuffled = [...nodes];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    assert.equal(schedule({ nodes: shuffled, placed: [], pending }), first);
  }
  assert.ok(first.some((decision) => decision.kind === 'pending'), 'the scenario exercises refusals too');
});

test.run();
