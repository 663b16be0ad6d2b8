// Drain and return on real hosts: six replicas spread 2-2-2; draining host3
// moves its two away (3-3-0) and stops its containers; setting it active
// again rebalances back to 2-2-2, one move at a time (update parallelism 1,
// stop-first: never fewer than five running, never more than one on its
// way, never two running in a slot); a host whose edged was killed is declared down, its replicas run
// elsewhere, and once it is back it gets its share again. edged runs with a
// 3 s rebalance quiet period (the default 30 s is for real fleets).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Fleet, nodesByHostname, waitUntil } from './fleet.js';
import { labBusyboxImage } from './registry.js';
import {
  runningContainers, runningPerNode, runningPerSlotMax, servicesLabReady, sleep, spreadOver, startServiceCluster, type TaskRow,
} from './services-helpers.js';

const ready = servicesLabReady();
const replicas = 6;

async function tasksOf(fleet: Fleet, service: string): Promise<TaskRow[]> {
  return (await fleet.call(1, 'service.ps', { ref: service })).tasks as TaskRow[];
}

async function spread(fleet: Fleet): Promise<number[]> {
  return spreadOver(fleet, runningPerNode(await tasksOf(fleet, 'drn')));
}

/**
 * Waits for `target` while checking, at every sample, that the service keeps
 * at least N - 1 replicas running and has at most one replacement on its
 * way (wanted, not yet running): the rebalance moves one replica at a time;
 * and that no slot ever has two running tasks: under stop-first the old
 * replica (sleep ignores SIGTERM, so it takes the whole 10 s grace) stops
 * before its successor starts.
 */
async function rebalanceTo(fleet: Fleet, target: number[], what: string): Promise<number> {
  let samples = 0;
  const tookMs = await waitUntil(async () => {
    const list = await tasksOf(fleet, 'drn');
    samples++;
    const running = list.filter((task) => task.state === 'running' && task.desiredState === 'running').length;
    const onTheirWay = list.filter((task) => task.desiredState === 'running' && task.state !== 'running').length;
    assert.ok(running >= replicas - 1, `at most one replica is moved at a time: ${running} running\n${JSON.stringify(list, null, 2)}`);
    assert.ok(onTheirWay <= 1, `one replacement at a time (update parallelism 1): ${onTheirWay} on their way`);
    assert.ok(runningPerSlotMax(list) <= 1, `stop-first: a move starts only after the replica it replaces stopped\n${JSON.stringify(list, null, 2)}`);
    return JSON.stringify(spreadOver(fleet, runningPerNode(list))) === JSON.stringify(target) && running === replicas;
  }, 90_000, what);
  console.log(`${what}: ${tookMs} ms, ${samples} samples`);
  return tookMs;
}

test('drain moves replicas away; active again and back from down, the node gets its share again', async () => {
  if (!ready) return;
  const fleet = await startServiceCluster({ name: 'svcdrn', hosts: 3, edgedFlags: ['--rebalance-quiet-period', '3s'] });
  await fleet.run(async () => {
    fleet.edgectl(1, [
      'service', 'create', '--detach', '--name', 'drn', '--replicas', String(replicas), '--reserve-memory', '8M',
      '--update-parallelism', '1', '--update-order', 'stop-first', '--update-monitor', '1s',
      labBusyboxImage, 'sleep', '3600',
    ]);
    await waitUntil(async () => JSON.stringify(await spread(fleet)) === '[2,2,2]', 90_000, 'six replicas spread 2-2-2');

    fleet.edgectl(1, ['node', 'update', '--availability', 'drain', 'host3']);
    await waitUntil(async () => JSON.stringify(await spread(fleet)) === '[3,3,0]', 60_000, 'host3 drained: 3-3-0');
    await waitUntil(() => runningContainers(fleet, 3).length === 0, 30_000, 'host3\'s containers stopped');
    // A drained node gets nothing back, however long the service stays quiet.
    await sleep(5000);
    assert.equal(await spread(fleet), [3, 3, 0], 'nothing moves to a drained node');

    fleet.edgectl(1, ['node', 'update', '--availability', 'active', 'host3']);
    await rebalanceTo(fleet, [2, 2, 2], 'active again → rebalanced 2-2-2');
    assert.is(runningContainers(fleet, 3).length, 2, 'host3 runs two containers again');

    // Down and back: kill -9 leaves the containers running; the restarted edged's stale tasks are fenced and stopped.
    fleet.kill(3);
    await waitUntil(async () => (await nodesByHostname(fleet, 1)).get('host3')?.status === 'down', 30_000, 'host3 declared down');
    await waitUntil(async () => JSON.stringify(await spread(fleet)) === '[3,3,0]', 60_000, 'host3\'s replicas running on host1 and host2');
    fleet.start(3, ['--rebalance-quiet-period', '3s']);
    await fleet.ready(3);
    await waitUntil(async () => (await nodesByHostname(fleet, 1)).get('host3')?.status === 'ready', 30_000, 'host3 ready again');
    await rebalanceTo(fleet, [2, 2, 2], 'back from down → rebalanced 2-2-2');
    const current = (await tasksOf(fleet, 'drn')).filter((task) => task.node === 'host3' && task.state === 'running');
    await waitUntil(() => runningContainers(fleet, 3).length === 2, 30_000, 'host3 runs exactly its two current tasks');
    assert.equal(runningContainers(fleet, 3).sort(), current.map((task) => task.id).sort());
  }, { logChars: 6000 });
});

test.run();
