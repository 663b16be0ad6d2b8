// Rolling updates on real hosts, counted from outside while they run: with
// --update-order start-first, the number of tasks that serve (running,
// healthy, still wanted) never drops below the replica count, and afterwards
// every replica runs the new spec (checked in the containers' own
// config.json, and exactly N containers run across the hosts). The same
// update with stop-first does drop below N, which is what shows the order
// makes the difference and that the sampling is fine enough to see a gap;
// and under stop-first no slot ever runs two tasks, while under start-first
// old and new are seen side by side.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Fleet } from './fleet.js';
import { waitUntil } from './fleet.js';
import { labBusyboxImage } from './registry.js';
import {
  containerEnv, edgectlAsync, runningContainers, runningPerSlotMax, servicesLabReady, sleep, startServiceCluster, type TaskRow,
} from './services-helpers.js';

const ready = servicesLabReady();
const replicas = 3;
const sampleIntervalMs = 100;

/** A task that serves: running, its health check passed, and not on its way out. */
function serving(task: TaskRow): boolean {
  return task.state === 'running' && task.health === 'healthy' && task.desiredState === 'running';
}

interface UpdateWatch {
  servingMin: number;
  /** The most running tasks seen in one slot: 2 while a start-first handover overlaps, 1 if the old one always stopped first. */
  perSlotMax: number;
  samples: number;
}

/**
 * Samples the service's tasks through the control API until the update to
 * `specVersion` has completed; returns the fewest serving tasks seen. The
 * control API is called in-process (no edgectl process per sample), so
 * samples are a few tens of ms apart plus the interval.
 */
async function watchUpdate(fleet: Fleet, service: string, specVersion: number, timeoutMs: number): Promise<UpdateWatch> {
  const started = Date.now();
  let servingMin = Number.POSITIVE_INFINITY;
  let perSlotMax = 0;
  let samples = 0;
  for (;;) {
    const { tasks } = (await fleet.call(1, 'service.ps', { ref: service })) as { tasks: TaskRow[] };
    servingMin = Math.min(servingMin, tasks.filter(serving).length);
    perSlotMax = Math.max(perSlotMax, runningPerSlotMax(tasks));
    samples++;
    const inspected = await fleet.call(1, 'service.inspect', { ref: service });
    if (inspected.specVersion >= specVersion && inspected.view.updateState === 'completed') return { servingMin, perSlotMax, samples };
    if (inspected.view.updateState === 'paused' || inspected.view.updateState.startsWith('roll')) {
      throw new Error(`the update to version ${specVersion} stopped: ${inspected.view.updateState} ${inspected.view.updateMessage}`);
    }
    if (Date.now() - started > timeoutMs) throw new Error(`update to version ${specVersion} did not complete in ${timeoutMs} ms (${inspected.view.updateMessage})`);
    await sleep(sampleIntervalMs);
  }
}

/** Every container running on any host, with the host it runs on. */
function containersEverywhere(fleet: Fleet): { index: number; id: string }[] {
  return fleet.lab.hosts.flatMap((host) => runningContainers(fleet, host.index).map((id) => ({ index: host.index, id })));
}

async function specVersionOf(fleet: Fleet, service: string): Promise<number> {
  return (await fleet.call(1, 'service.inspect', { ref: service })).specVersion;
}

test('start-first keeps N replicas serving through an update; stop-first does not', async () => {
  if (!ready) return;
  const fleet = await startServiceCluster({ name: 'svcsf', hosts: 3 });
  await fleet.run(async () => {
    // Ready one second after start, stops at once on SIGTERM (sh as pid 1 would otherwise ignore it until the grace ends).
    const program = 'trap "exit 0" TERM; sleep 1; touch /tmp/ready; while true; do sleep 1; done';
    fleet.edgectl(1, [
      'service', 'create', '--detach', '--name', 'sf', '--replicas', String(replicas), '--reserve-memory', '8M', '--env', 'VERSION=1',
      '--health-cmd', 'test -f /tmp/ready', '--health-interval', '1s', '--health-retries', '3', '--health-start-period', '5s',
      '--update-order', 'start-first', '--update-parallelism', '1', '--update-monitor', '2s', '--update-delay', '0s',
      labBusyboxImage, 'sh', '-c', program,
    ]);
    await waitUntil(async () => ((await fleet.call(1, 'service.ps', { ref: 'sf' })).tasks as TaskRow[]).filter(serving).length === replicas, 90_000, `${replicas} healthy replicas`);

    // start-first: the old task of a slot serves until its successor is healthy and has passed the monitor period.
    const startFirstVersion = (await specVersionOf(fleet, 'sf')) + 1;
    await Promise.all([
      edgectlAsync(fleet, 1, ['service', 'update', '--detach', '--env-add', 'VERSION=2', 'sf']),
      (async () => {
        const watched = await watchUpdate(fleet, 'sf', startFirstVersion, 90_000);
        console.log(`start-first: fewest serving replicas ${watched.servingMin} over ${watched.samples} samples`);
        assert.ok(watched.samples >= 20, `sampled often enough (${watched.samples} samples)`);
        assert.is(watched.servingMin, replicas, 'start-first never has fewer than N serving replicas');
        assert.is(watched.perSlotMax, 2, 'start-first: old and new ran side by side');
      })(),
    ]);
    // The old containers stop once their successors took over; then exactly N run, all with the new env,
    // and the manager has heard of every stop (so the next phase starts from one running task per slot).
    await waitUntil(async () => containersEverywhere(fleet).length === replicas && ((await fleet.call(1, 'service.ps', { ref: 'sf' })).tasks as TaskRow[]).filter((task) => task.state === 'running').length === replicas, 30_000, `exactly ${replicas} containers and running tasks`);
    const current = ((await fleet.call(1, 'service.ps', { ref: 'sf' })).tasks as TaskRow[]).filter(serving);
    assert.is(current.length, replicas);
    for (const task of current) assert.is(task.specVersion, startFirstVersion, `task ${task.id} is of the new version`);
    for (const { index, id } of containersEverywhere(fleet)) {
      assert.ok(current.some((task) => task.id === id), `container ${id} on host${index} belongs to a current task`);
      assert.ok(containerEnv(fleet, index, id).includes('VERSION=2'), `container ${id} on host${index} runs with VERSION=2`);
    }

    // stop-first: the old task goes before its successor is healthy, so a slot serves nobody for a while.
    const stopFirstVersion = startFirstVersion + 1;
    await Promise.all([
      edgectlAsync(fleet, 1, ['service', 'update', '--detach', '--update-order', 'stop-first', '--env-add', 'VERSION=3', 'sf']),
      (async () => {
        const watched = await watchUpdate(fleet, 'sf', stopFirstVersion, 90_000);
        console.log(`stop-first: fewest serving replicas ${watched.servingMin} over ${watched.samples} samples`);
        assert.ok(watched.servingMin < replicas, 'stop-first has fewer than N serving replicas during the update');
        assert.is(watched.perSlotMax, 1, 'stop-first: the new task starts only after the old one stopped');
      })(),
    ]);
    await waitUntil(() => containersEverywhere(fleet).length === replicas, 30_000, `exactly ${replicas} containers running after the stop-first update`);
    for (const { index, id } of containersEverywhere(fleet)) assert.ok(containerEnv(fleet, index, id).includes('VERSION=3'), `container ${id} on host${index} runs with VERSION=3`);
  }, { logChars: 6000 });
});

test.run();
