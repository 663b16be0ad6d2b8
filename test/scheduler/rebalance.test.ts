// rebalance(): after a node joins, the fewest moves that even out the spread, within the filters and the move budget.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rebalance, type Move, type PlacedTask, type SchedulableNode } from '../../runtime/scheduler/index.js';
import { SeededRng } from '../../runtime/common/rng.js';
import { GiB, MiB, node, placed, service } from './fixtures.js';

/** `counts[i]` tasks of `serviceId` on `nodeIds[i]`, slots numbered in order. */
function layout(serviceId: string, nodeIds: readonly string[], counts: readonly number[], options: Partial<PlacedTask> = {}): PlacedTask[] {
  const tasks: PlacedTask[] = [];
  for (const [i, nodeId] of nodeIds.entries()) {
    for (let k = 0; k < counts[i]!; k++) tasks.push(placed(`${serviceId}.${tasks.length + 1}`, serviceId, nodeId, { slot: tasks.length + 1, ...options }));
  }
  return tasks;
}

/** Task count per node after applying moves. */
function after(tasks: readonly PlacedTask[], moves: readonly Move[], serviceId: string): Record<string, number> {
  const where = new Map(tasks.filter((t) => t.serviceId === serviceId).map((t) => [t.taskId, t.nodeId]));
  for (const move of moves) {
    assert.is(where.get(move.taskId), move.sourceNodeId, `move of ${move.taskId} starts where the task is`);
    where.set(move.taskId, move.targetNodeId);
  }
  const counts: Record<string, number> = {};
  for (const nodeId of where.values()) counts[nodeId] = (counts[nodeId] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([left], [right]) => (left < right ? -1 : 1)));
}

test('a node joins a 4-4-4 service: exactly 3 moves, one from each node, give 3-3-3-3', () => {
  // Proves rebalance restores the per-node spread with the minimum number of moves and stops there.
  const nodes = ['a', 'b', 'c', 'd'].map((id) => node(id));
  const tasks = layout('web', ['a', 'b', 'c'], [4, 4, 4]);
  const moves = rebalance({ nodes, placed: tasks, service: { serviceId: 'web', spec: service('web') }, movesMax: 10 });
  assert.is(moves.length, 3);
  assert.ok(moves.every((move) => move.targetNodeId === 'd'));
  assert.equal(after(tasks, moves, 'web'), { a: 3, b: 3, c: 3, d: 3 });
  assert.equal(rebalance({ nodes, placed: tasks, service: { serviceId: 'web', spec: service('web') }, movesMax: 2 }), moves.slice(0, 2), 'the budget cuts the same plan short');
});

test('ten nodes join ten nodes of 20 tasks each: exactly the 100 moves needed, zones kept even', () => {
  // Proves minimality at scale: every task that moves lands on a new node and no original node drops below 10.
  const spec = service('web', (s) => { s.placement.spreadOver = ['node.labels.zone']; });
  const old = Array.from({ length: 10 }, (_, i) => `old-${i}`);
  const fresh = Array.from({ length: 10 }, (_, i) => `new-${i}`);
  const nodes = [...old, ...fresh].map((id, i) => node(id, { labels: { zone: `z${i % 2}` } }));
  const tasks = layout('web', old, old.map(() => 20));
  const moves = rebalance({ nodes, placed: tasks, service: { serviceId: 'web', spec }, movesMax: 1000 });
  assert.is(moves.length, 100);
  assert.ok(moves.every((move) => move.sourceNodeId.startsWith('old-') && move.targetNodeId.startsWith('new-')));
  assert.ok(Object.values(after(tasks, moves, 'web')).every((count) => count === 10));
});

test('an even spread, or one off by one, gives no moves', () => {
  // Proves rebalance never churns a service that is already as even as it can be.
  const nodes = ['a', 'b', 'c'].map((id) => node(id));
  for (const counts of [[2, 2, 2], [3, 2, 2], [1, 1, 0], [0, 0, 0]]) {
    assert.equal(rebalance({ nodes, placed: layout('web', ['a', 'b', 'c'], counts), service: { serviceId: 'web', spec: service('web') }, movesMax: 5 }), [], String(counts));
  }
});

test('with spreadOver, a new zone gets its share and a new node in an existing zone only evens that zone', () => {
  // Proves moves balance label groups first, then nodes inside a group, never unbalancing the zones.
  const spec = service('web', (s) => { s.placement.spreadOver = ['node.labels.zone']; });
  const zoned = (id: string, zone: string): SchedulableNode => node(id, { labels: { zone } });
  const tasks = layout('web', ['a1', 'b1'], [3, 3]);
  const newZone = rebalance({ nodes: [zoned('a1', 'a'), zoned('b1', 'b'), zoned('c1', 'c')], placed: tasks, service: { serviceId: 'web', spec }, movesMax: 5 });
  assert.equal(after(tasks, newZone, 'web'), { a1: 2, b1: 2, c1: 2 });
  assert.is(newZone.length, 2);
  const newNode = rebalance({ nodes: [zoned('a1', 'a'), zoned('a2', 'a'), zoned('b1', 'b')], placed: tasks, service: { serviceId: 'web', spec }, movesMax: 5 });
  assert.equal(newNode, [{ taskId: 'web.3', sourceNodeId: 'a1', targetNodeId: 'a2' }], 'one move inside zone a; zone b keeps its 3');
});

test('targets must pass the filters: memory, ports, max per node, readiness and constraints', () => {
  // Proves rebalance proposes only moves schedule() would allow, accounting each move for the next.
  const reserve = 400 * MiB;
  const spec = service('web', (s) => { s.resources.memoryReservationBytes = reserve; });
  const tasks = layout('web', ['a'], [6], { memoryReservationBytes: reserve });
  const nodes = [node('a', { allocatableMemoryBytes: 4 * GiB }), node('b', { allocatableMemoryBytes: 1 * GiB }), node('c', { availability: 'drain' })];
  const moves = rebalance({ nodes, placed: tasks, service: { serviceId: 'web', spec }, movesMax: 6 });
  assert.equal(after(tasks, moves, 'web'), { a: 4, b: 2 }, 'b fits two 400 MiB tasks; the drained node takes none');
  const ported = service('dns', (s) => { s.ports = [{ published: 53, target: 53, protocol: 'udp' }]; });
  const dns = layout('dns', ['a', 'b'], [1, 1], { ports: ported.ports });
  assert.equal(rebalance({ nodes: [node('a'), node('b'), node('c')], placed: dns, service: { serviceId: 'dns', spec: ported }, movesMax: 3 }), []);
  const pinned = service('web', (s) => { s.placement.constraints = [{ field: 'node.hostname', operator: '!=', value: 'c' }]; });
  const free = layout('web', ['a'], [4]);
  const constrained = rebalance({ nodes: [node('a'), node('b'), node('c')], placed: free, service: { serviceId: 'web', spec: pinned }, movesMax: 4 });
  assert.equal(after(free, constrained, 'web'), { a: 2, b: 2 });
});

test('global services and jobs are never moved, and a zero budget moves nothing', () => {
  // Proves rebalance leaves alone what it must not restart.
  const nodes = [node('a'), node('b')];
  const tasks = layout('x', ['a'], [4]);
  for (const mode of ['global', 'replicated-job', 'global-job'] as const) {
    assert.equal(rebalance({ nodes, placed: tasks, service: { serviceId: 'x', spec: service('x', (s) => { s.mode = mode; }) }, movesMax: 4 }), [], mode);
  }
  assert.equal(rebalance({ nodes, placed: tasks, service: { serviceId: 'x', spec: service('x') }, movesMax: 0 }), []);
});

/** Sum over groups of tasks² per level (zone, then node): what rebalance promises to lower at every move. */
function imbalance(tasks: Map<string, string>, zoneOf: (nodeId: string) => string): [number, number] {
  const zones = new Map<string, number>();
  const nodesCount = new Map<string, number>();
  for (const nodeId of tasks.values()) {
    zones.set(zoneOf(nodeId), (zones.get(zoneOf(nodeId)) ?? 0) + 1);
    nodesCount.set(nodeId, (nodesCount.get(nodeId) ?? 0) + 1);
  }
  const squares = (counts: Map<string, number>): number => [...counts.values()].reduce((sum, count) => sum + count * count, 0);
  return [squares(zones), squares(nodesCount)];
}

test('on random clusters every move makes the spread strictly better and the budget is respected', () => {
  // Proves "never worse": each move lowers the zone imbalance, or keeps it and lowers the node imbalance.
  const rng = new SeededRng(42);
  const spec = service('web', (s) => { s.placement.spreadOver = ['node.labels.zone']; });
  for (let round = 0; round < 30; round++) {
    const nodes = Array.from({ length: 2 + rng.int(7) }, (_, i) => node(`n${i}`, { labels: { zone: `z${rng.int(3)}` } }));
    const zoneOf = (nodeId: string): string => nodes.find((entry) => entry.node.id === nodeId)!.node.labels.zone!;
    const tasks = Array.from({ length: rng.int(20) }, (_, i) => placed(`web.${i}`, 'web', `n${rng.int(nodes.length)}`, { slot: i }));
    const movesMax = 1 + rng.int(6);
    const moves = rebalance({ nodes, placed: tasks, service: { serviceId: 'web', spec }, movesMax });
    assert.ok(moves.length <= movesMax);
    const where = new Map(tasks.map((t) => [t.taskId, t.nodeId]));
    let previous = imbalance(where, zoneOf);
    for (const move of moves) {
      where.set(move.taskId, move.targetNodeId);
      const next = imbalance(where, zoneOf);
      assert.ok(next[0] < previous[0] || (next[0] === previous[0] && next[1] < previous[1]), `round ${round}: ${previous} → ${next}`);
      previous = next;
    }
    if (moves.length < movesMax) {
      const again = rebalance({ nodes, placed: tasks.map((t) => ({ ...t, nodeId: where.get(t.taskId)! })), service: { serviceId: 'web', spec }, movesMax: 5 });
      assert.equal(again, [], `round ${round}: stopping early means nothing is left to improve`);
    }
  }
});

test.run();
