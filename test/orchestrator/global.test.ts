import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { shapeGlobal } from '../../runtime/orchestrator/global.js';
import { Cluster, created, liveBySlot, makeNode, makeService, runStage, shutDownIds } from './fixtures.js';

const zoneA = { placement: { constraints: [{ field: 'node.labels.zone', operator: '==' as const, value: 'a' }], spreadOver: [], maxReplicasPerNode: 0 } };

function mixedNodes() {
  return [
    makeNode('ready', { labels: { zone: 'a' } }),
    makeNode('paused', { labels: { zone: 'a' }, availability: 'pause' }),
    makeNode('drained', { labels: { zone: 'a' }, availability: 'drain' }),
    makeNode('down', { labels: { zone: 'a' }, status: 'down' }),
    makeNode('unknown', { labels: { zone: 'a' }, status: 'unknown' }),
    makeNode('elsewhere', { labels: { zone: 'b' } }),
  ];
}

test('a global service gets one task on each ready, active, matching node, with the node set', () => {
  // Proves eligibility: paused, drained, down, unknown and non-matching nodes get no task.
  const world = new Cluster({ nodes: mixedNodes(), services: [makeService('agent', { mode: 'global', ...zoneA })] });
  const tasks = created(runStage(shapeGlobal, world));
  assert.equal(tasks.map((task) => task.nodeId), ['ready']);
  assert.equal(tasks[0]!.slot, 0);
});

test('a node that joins gets a task; one that stops matching or is drained loses it; paused and unknown keep theirs', () => {
  // Proves the per-node lifecycle of a global service.
  const nodes = ['a1', 'a2', 'a3', 'a4'].map((id) => makeNode(id, { labels: { zone: 'a' } }));
  const world = new Cluster({ nodes, services: [makeService('agent', { mode: 'global', ...zoneA })] });
  world.settle();
  assert.equal(world.running('agent').length, 4);
  const onNode = (id: string) => world.running('agent').find((task) => task.nodeId === id)!.id;
  const [onA1, onA2, onA3, onA4] = [onNode('a1'), onNode('a2'), onNode('a3'), onNode('a4')];
  world.setNode('a1', { labels: { zone: 'b' } });
  world.setNode('a2', { availability: 'drain' });
  world.setNode('a3', { availability: 'pause' });
  world.setNode('a4', { status: 'unknown' });
  world.nodes = [...world.nodes, makeNode('a5', { labels: { zone: 'a' } })];
  const actions = runStage(shapeGlobal, world);
  assert.equal(shutDownIds(actions).sort(), [onA1, onA2].sort());
  assert.equal(created(actions).map((task) => task.nodeId), ['a5']);
  world.settle();
  assert.equal(world.live('agent').map((task) => task.id).sort(), [onA3, onA4, world.running('agent').find((task) => task.nodeId === 'a5')!.id].sort());
  assert.ok(![onA3, onA4].some((id) => world.task(id).desiredState === 'shutdown'), 'paused and unknown nodes keep their tasks');
});

test('a global service never has two live tasks on one node, through failures and node changes', () => {
  // Proves one task per node: restarts replace in place, and a node coming back does not get a second one.
  const world = new Cluster({ nodes: [makeNode('n1'), makeNode('n2')], services: [makeService('agent', { mode: 'global' })] });
  world.settle();
  const first = world.running('agent').find((task) => task.nodeId === 'n1')!;
  world.report(first.id, 'failed', { error: 'boom' });
  world.settle();
  world.setNode('n2', { status: 'down', statusChangedAtMs: world.nowMs });
  world.settle();
  world.advance(1000);
  world.setNode('n2', { status: 'ready', statusChangedAtMs: world.nowMs });
  world.settle();
  for (const [node, live] of liveBySlot(world.tasks, 'agent')) assert.equal(live.length, 1, `node ${node}`);
  assert.equal(world.running('agent').map((task) => task.nodeId).sort(), ['n1', 'n2']);
});

test.run();
