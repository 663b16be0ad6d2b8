// Services on the lab: real edged processes in network namespaces, real
// containers through runc, the lab registry's busybox image (pulled once on
// every node before anything is timed). Three nodes: host1 is the only
// manager (it runs tasks too), host2 and host3 are workers.
//
// Times are wall-clock on a shared 2-core machine; budgets leave room. The
// dead-worker time is split at the moment the leader recorded the node down
// (the store's statusChangedAtMs, same machine clock), so the numbers show
// how much is gossip's detection and how much is everything after it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { median, percentile, type BenchSuite, type Measure } from '../harness.js';
import { bareNodeRssKiB, rssKiB } from '../proc.js';
import { Fleet, nodesByHostname, waitUntil } from '../../test/lab/fleet.js';
import { labBusyboxImage, startLabRegistry } from '../../test/lab/registry.js';
import { defaultServiceSpec, type ServiceSpec } from '../../runtime/store/services.js';

const hosts = [1, 2, 3] as const;
const workers = [2, 3] as const;

interface TaskRow {
  id: string;
  node: string;
  state: string;
  desiredState: string;
}

/** A spec as the control API takes it (the wire has no null: no health check is an absent field). */
function wireSpec(name: string, replicas: number, change: Partial<ServiceSpec> = {}): Omit<ServiceSpec, 'healthCheck'> {
  const { healthCheck: _none, ...spec } = { ...defaultServiceSpec(name, labBusyboxImage), command: ['sleep', '36000'], replicas, ...change };
  return spec;
}

async function tasksOf(fleet: Fleet, service: string): Promise<TaskRow[]> {
  return ((await fleet.call(1, 'service.ps', { ref: service, stale: true }, 5000)) as { tasks: TaskRow[] }).tasks;
}

function runningPerHost(tasks: readonly TaskRow[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const task of tasks) if (task.state === 'running' && task.desiredState === 'running') counts.set(task.node, (counts.get(task.node) ?? 0) + 1);
  return counts;
}

const total = (counts: Map<string, number>): number => [...counts.values()].reduce((sum, count) => sum + count, 0);

/** Containers runc knows on a host; unknown (infinite) while runc races a removal and fails to list. */
function containersOn(fleet: Fleet, index: number): number {
  try {
    const listed = execFileSync('runc', ['--root', `${fleet.lab.host(index).runcRoot}/runtime`, 'list', '-q'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return listed.split('\n').filter(Boolean).length;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

async function removeAndWaitGone(fleet: Fleet, service: string): Promise<void> {
  await fleet.call(1, 'service.rm', { ref: service });
  await waitUntil(() => hosts.every((index) => !fleet.lab.isRunning(index) || containersOn(fleet, index) === 0), 60_000, `containers of ${service} gone`);
}

const managerV8Flags: readonly string[] = (JSON.parse(readFileSync(new URL('../../boards/pi4b.json', import.meta.url), 'utf8')) as { v8Flags: string[] }).v8Flags;

async function startCluster(fleet: Fleet): Promise<void> {
  await startLabRegistry(fleet.lab);
  // The manager runs with the V8 flags a Raspberry Pi 4B's unit gives it (boards/pi4b.json), so its memory is what
  // ships: without them V8 lets the young generation grow to 48 MiB after a burst and keeps it.
  for (const index of hosts) fleet.start(index, [], index === 1 ? managerV8Flags : []);
  for (const index of hosts) await fleet.ready(index);
  const init = await fleet.call(1, 'swarm.init', {});
  for (const index of workers) await fleet.call(index, 'swarm.join', { token: init.workerToken, manager: fleet.address(1) });
  await waitUntil(async () => [...(await nodesByHostname(fleet, 1, true)).values()].filter((node) => node.status === 'ready').length === 3, 30_000, 'three ready nodes');
  // Pull the image everywhere once: a global service, then gone.
  await fleet.call(1, 'service.create', { spec: wireSpec('warm', 0, { mode: 'global' }) });
  await waitUntil(async () => runningPerHost(await tasksOf(fleet, 'warm')).size === 3, 120_000, 'busybox pulled and running on every node');
  await removeAndWaitGone(fleet, 'warm');
}

/** `service create` of 10 replicas → 10 running in the store. */
async function measureDeploy(fleet: Fleet, rounds: number): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const name = `deploy${round}`;
    const started = Date.now();
    await fleet.call(1, 'service.create', { spec: wireSpec(name, 10) });
    await waitUntil(async () => total(runningPerHost(await tasksOf(fleet, name))) === 10, 60_000, `10 replicas of ${name} running`);
    times.push(Date.now() - started);
    await removeAndWaitGone(fleet, name);
  }
  return times;
}

interface Replacement {
  killToRunningMs: number;
  killToDownMs: number;
  downToRunningMs: number;
}

/** kill -9 the worker running the most replicas → every replica running again, none on it. */
async function measureDeadWorker(fleet: Fleet, rounds: number): Promise<Replacement[]> {
  const replicas = 6;
  await fleet.call(1, 'service.create', { spec: wireSpec('victims', replicas) });
  await waitUntil(async () => total(runningPerHost(await tasksOf(fleet, 'victims'))) === replicas, 60_000, 'six victims running');
  const results: Replacement[] = [];
  for (let round = 0; round < rounds; round++) {
    const counts = runningPerHost(await tasksOf(fleet, 'victims'));
    // The returning worker got no replicas back (rebalancing waits 30 s), so alternate to whichever holds more.
    const victim = [...workers].sort((a, b) => (counts.get(`host${b}`) ?? 0) - (counts.get(`host${a}`) ?? 0))[0]!;
    if ((counts.get(`host${victim}`) ?? 0) === 0) throw new Error(`no worker runs a replica: ${JSON.stringify([...counts])}`);
    fleet.kill(victim);
    const killedAt = Date.now();
    await waitUntil(async () => {
      const now = runningPerHost(await tasksOf(fleet, 'victims'));
      return !now.has(`host${victim}`) && total(now) === replicas;
    }, 60_000, `host${victim}'s replicas running elsewhere`);
    const runningAt = Date.now();
    const node = (await nodesByHostname(fleet, 1, true)).get(`host${victim}`);
    if (node?.status !== 'down') throw new Error(`host${victim} replaced but not down in the store (${node?.status})`);
    const downAt = node.statusChangedAtMs as number;
    results.push({ killToRunningMs: runningAt - killedAt, killToDownMs: downAt - killedAt, downToRunningMs: runningAt - downAt });
    fleet.start(victim);
    await fleet.ready(victim);
    await waitUntil(async () => (await nodesByHostname(fleet, 1, true)).get(`host${victim}`)?.status === 'ready', 30_000, `host${victim} ready again`);
    // Its old containers are stopped by its agent (their tasks were orphaned); let that finish before the next kill.
    await waitUntil(() => containersOn(fleet, victim) === 0, 30_000, `host${victim}'s orphaned containers stopped`);
  }
  await removeAndWaitGone(fleet, 'victims');
  return results;
}

/** 100 services × 10 replicas that no node matches: 1,000 pending tasks in the store. */
async function measureManagerRss(fleet: Fleet): Promise<{ ratio: number; rssKiB: number; bareKiB: number }> {
  const never = { constraints: [{ field: 'node.labels.bench-never', operator: '==' as const, value: 'placed' }], spreadOver: [], maxReplicasPerNode: 0 };
  for (let index = 0; index < 100; index++) await fleet.call(1, 'service.create', { spec: wireSpec(`pending${index}`, 10, { placement: never }) });
  await waitUntil(async () => {
    const listed = ((await fleet.call(1, 'service.ls', { stale: true }, 5000)) as { services: { desired: number; name: string }[] }).services;
    let pending = 0;
    for (const service of listed.filter((candidate) => candidate.name.startsWith('pending'))) {
      pending += (await tasksOf(fleet, service.name)).filter((task) => task.state === 'pending').length;
    }
    if (pending === 1000) return true;
    // Each check asks 101 questions: do not hammer the manager being measured.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return false;
  }, 120_000, '1,000 pending tasks');
  // Settle: the leader's passes after the burst, then a collection's worth of quiet.
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const rss = rssKiB(fleet.lab.pidOf(1)!);
  const bare = await bareNodeRssKiB();
  return { ratio: rss / bare, rssKiB: rss, bareKiB: bare };
}

export const suite: BenchSuite = {
  name: 'services on the lab',
  async run({ ci }): Promise<Measure[]> {
    const fleet = Fleet.create({ name: 'svcb', hosts: 3 });
    try {
      await startCluster(fleet);
      const deployRounds = ci ? 3 : 7;
      const deploy = await measureDeploy(fleet, deployRounds);
      const deadRounds = ci ? 3 : 10;
      const dead = await measureDeadWorker(fleet, deadRounds);
      const memory = await measureManagerRss(fleet);
      const killToRunning = dead.map((round) => round.killToRunningMs);
      return [
        { name: 'services.deploy10On3Ms', value: median(deploy), unit: 'ms', note: `median of ${deployRounds}: service.create of 10 busybox replicas (image cached) → 10 running in the leader's store, 3 nodes; all: ${deploy.join(', ')}` },
        { name: 'services.deadWorkerReplacementMsMedian', value: median(killToRunning), unit: 'ms', note: `median of ${deadRounds}: kill -9 of a worker running 2-3 of 6 replicas → all 6 running, none on it; all: ${killToRunning.join(', ')}` },
        { name: 'services.deadWorkerReplacementMsP99', value: percentile(killToRunning, 0.99), unit: 'ms', note: `same, p99 (max of ${deadRounds})` },
        { name: 'services.deadWorkerDetectedMsMedian', value: median(dead.map((round) => round.killToDownMs)), unit: 'ms', note: 'part 1: kill -9 → the leader records the node down (gossip detection + status sync + commit)' },
        { name: 'services.deadWorkerDownToRunningMsMedian', value: median(dead.map((round) => round.downToRunningMs)), unit: 'ms', note: `part 2: node recorded down → replacements running in the store (reconcile, commit, push, runc start, status back); all: ${dead.map((round) => round.downToRunningMs).join(', ')}` },
        { name: 'services.managerRss1000TasksRatio', value: memory.ratio, unit: 'ratio', note: `manager (Pi 4B V8 flags: ${managerV8Flags.join(' ')}) RSS ${memory.rssKiB} KiB with 100 services × 10 pending replicas (a constraint no node matches) / bare node ${memory.bareKiB} KiB` },
      ];
    } catch (error) {
      for (const index of hosts) console.log(`--- host${index}\n${fleet.logs(index).slice(-4000)}`);
      throw error;
    } finally {
      fleet.destroy();
    }
  },
};
