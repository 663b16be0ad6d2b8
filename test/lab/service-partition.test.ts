// A worker cut off from the cluster, on real hosts: the manager declares it
// down and runs its replicas elsewhere, while the cut-off worker keeps its
// own containers running (offline autonomy). After the heal the cluster
// runs exactly N tasks again, one per slot, counted both in `service ps` and
// in the containers each host's runc really runs: the worker's stale tasks
// were fenced (orphaned, desired shutdown) and it stops them. At no sample
// during the heal does the manager show a stale task running again, or two
// running tasks in a slot (Swarm's "2/1", moby/moby#48484).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodesByHostname, waitUntil } from './fleet.js';
import { labBusyboxImage } from './registry.js';
import {
  runningContainers, runningPerNode, serviceTasks, servicesLabReady, sleep, spreadOver, startServiceCluster, type TaskRow,
} from './services-helpers.js';

const ready = servicesLabReady();
const replicas = 6;

/** Slots with more than one task the manager believes running. */
function doubledSlots(list: readonly TaskRow[]): number[] {
  const running = new Map<number, number>();
  for (const task of list) if (task.state === 'running') running.set(task.slot, (running.get(task.slot) ?? 0) + 1);
  return [...running].filter(([, count]) => count > 1).map(([slot]) => slot);
}

test('a partitioned worker keeps its tasks while they are replaced; after the heal exactly N run, one per slot', async () => {
  if (!ready) return;
  const fleet = await startServiceCluster({ name: 'svcpart', hosts: 3 });
  await fleet.run(async () => {
    fleet.edgectl(1, ['service', 'create', '--detach', '--name', 'part', '--replicas', String(replicas), '--reserve-memory', '8M', labBusyboxImage, 'sleep', '3600']);
    await waitUntil(() => runningPerNode(serviceTasks(fleet, 'part')).get('host3') === 2 && serviceTasks(fleet, 'part').filter((task) => task.state === 'running').length === replicas, 90_000, 'six replicas running, two on host3');
    const before = serviceTasks(fleet, 'part');
    assert.equal(spreadOver(fleet, runningPerNode(before)), [2, 2, 2]);
    const stale = before.filter((task) => task.node === 'host3').map((task) => task.id).sort();
    assert.equal(runningContainers(fleet, 3).sort(), stale, 'host3 runs its two tasks');

    fleet.lab.cut(3);
    await waitUntil(async () => (await nodesByHostname(fleet, 1)).get('host3')?.status === 'down', 30_000, 'the manager declares host3 down');
    await waitUntil(() => {
      const counts = runningPerNode(serviceTasks(fleet, 'part'));
      return !counts.has('host3') && [...counts.values()].reduce((sum, count) => sum + count, 0) === replicas;
    }, 60_000, 'host3\'s replicas replaced on host1 and host2');
    const during = serviceTasks(fleet, 'part', { all: true });
    for (const id of stale) assert.is(during.find((task) => task.id === id)?.state, 'orphaned', `task ${id} of the lost node is orphaned`);
    // Long after being declared down, the cut-off worker still runs what it had (it cannot know it was replaced).
    await sleep(5000);
    assert.equal(runningContainers(fleet, 3).sort(), stale, 'host3 keeps running its tasks while cut off');

    fleet.lab.restore(3);
    const healedAt = Date.now();
    let samples = 0;
    // At every sample, not only at the end: the manager's view never doubles a slot or revives a stale task.
    // (A rebalance toward host3 may start meanwhile; it waits for each old replica to stop, so it doubles nothing either.)
    const checkFencing = (list: readonly TaskRow[]): void => {
      samples++;
      assert.equal(doubledSlots(list), [], `no slot has two running tasks:\n${JSON.stringify(list, null, 2)}`);
      for (const id of stale) assert.is.not(list.find((task) => task.id === id)?.state, 'running', `stale task ${id} is not running again`);
    };
    await waitUntil(async () => {
      checkFencing(serviceTasks(fleet, 'part', { all: true }));
      const node = (await nodesByHostname(fleet, 1)).get('host3');
      return node?.status === 'ready' && runningContainers(fleet, 3).every((id) => !stale.includes(id));
    }, 60_000, 'host3 back and its stale containers stopped');
    console.log(`heal → stale containers stopped: ${Date.now() - healedAt} ms (${samples} samples)`);

    // Exactly N containers across the hosts, one per slot, and they are the tasks service ps shows running.
    const settled = (list: readonly TaskRow[]) => {
      const running = list.filter((task) => task.state === 'running' && task.desiredState === 'running');
      const containers = fleet.lab.hosts.flatMap((host) => runningContainers(fleet, host.index)).sort();
      return { running, containers };
    };
    let after: TaskRow[] = [];
    await waitUntil(() => {
      after = serviceTasks(fleet, 'part', { all: true });
      checkFencing(after);
      const { running, containers } = settled(after);
      return running.length === replicas && containers.length === replicas;
    }, 60_000, 'six running tasks and six containers');
    const { running, containers } = settled(after);
    assert.equal(running.map((task) => task.slot).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6], 'one running task per slot');
    assert.equal(containers, running.map((task) => task.id).sort(), 'the running containers are exactly the running tasks');
    for (const id of stale) assert.ok(['orphaned', 'shutdown'].includes(after.find((task) => task.id === id)?.state ?? 'removed from history'), `stale task ${id} stays ended`);
  }, { logChars: 6000 });
});

test.run();
