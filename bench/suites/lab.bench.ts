// The cluster on the lab (real edged processes in network namespaces):
// join time, leader failover, dead-worker detection, idle wire bytes, idle
// memory and idle disk writes. Counts and ratios; times are wall-clock on a
// shared machine, so budgets leave room.
import { execFileSync } from 'node:child_process';
import { median, percentile, type BenchSuite, type Measure } from '../harness.js';
import { bareNodeRssKiB, procNumber, rssKiB } from '../proc.js';
import { Fleet, leaderAmong, nodesByHostname, waitUntil } from '../../test/lab/fleet.js';

function linkBytes(fleet: Fleet, index: number): number {
  const text = execFileSync('ip', ['-n', `${fleet.lab.name}-sw`, '-s', 'link', 'show', `p${index}`], { encoding: 'utf8' });
  const lines = text.trim().split('\n');
  const rx = Number(lines[lines.findIndex((line) => line.trim().startsWith('RX:')) + 1]!.trim().split(/\s+/)[0]);
  const tx = Number(lines[lines.findIndex((line) => line.trim().startsWith('TX:')) + 1]!.trim().split(/\s+/)[0]);
  return rx + tx;
}

async function writable(fleet: Fleet, index: number, value: string): Promise<boolean> {
  try {
    await fleet.call(index, 'node.update', { ref: 'host5', labelsAdd: { probe: value } }, 1500);
    return true;
  } catch {
    return false;
  }
}

export const suite: BenchSuite = {
  name: 'cluster on the lab',
  async run({ ci }): Promise<Measure[]> {
    const rounds = ci ? 3 : 10;
    const fleet = Fleet.create({ name: 'bench', hosts: 5 });
    const measures: Measure[] = [];
    try {
      fleet.start(1);
      await fleet.ready(1);
      const init = await fleet.call(1, 'swarm.init', {});
      const joinMs: number[] = [];
      for (const index of [2, 3, 4, 5]) {
        const started = Date.now();
        fleet.start(index);
        await fleet.ready(index);
        await fleet.call(index, 'swarm.join', { token: index <= 3 ? init.managerToken : init.workerToken, manager: fleet.address(1) });
        await waitUntil(async () => (await nodesByHostname(fleet, 1, true)).get(`host${index}`)?.status === 'ready', 15_000, `host${index} ready`);
        joinMs.push(Date.now() - started);
      }
      measures.push({ name: 'lab.agentStartToReadyMs', value: median(joinMs), unit: 'ms', note: `median of ${joinMs.length}: edged spawned → joined → ready in the store (includes the CLI call)` });

      // Idle: let things settle, then count bytes on the worker's link, RSS and disk writes.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const idleSeconds = ci ? 10 : 30;
      const workerPid = fleet.lab.pidOf(5)!;
      const managerPid = fleet.lab.pidOf(1)!;
      const bytesBefore = linkBytes(fleet, 5);
      const writesBefore = procNumber(managerPid, 'io', 'write_bytes');
      await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
      const bytesPerSecond = (linkBytes(fleet, 5) - bytesBefore) / idleSeconds;
      const managerWritesPerHour = ((procNumber(managerPid, 'io', 'write_bytes') - writesBefore) / idleSeconds) * 3600;
      const bare = await bareNodeRssKiB();
      measures.push(
        { name: 'lab.idleWireBytesPerSecondPerWorker', value: bytesPerSecond, unit: 'B/s', note: `bytes in+out of a worker's interface over ${idleSeconds} s idle (5 nodes, default lan gossip profile, every header counted)` },
        { name: 'lab.workerIdleRssRatioToBareNode', value: rssKiB(workerPid) / bare, unit: 'ratio', note: 'worker edged RSS / bare node RSS, same run' },
        { name: 'lab.managerIdleRssRatioToBareNode', value: rssKiB(managerPid) / bare, unit: 'ratio', note: 'manager edged RSS / bare node RSS, same run' },
        { name: 'lab.managerIdleDiskBytesPerHour', value: managerWritesPerHour, unit: 'bytes', note: `/proc/pid/io write_bytes of a manager over ${idleSeconds} s idle, scaled to an hour` },
      );

      // Leader failover: kill -9 the leader, time until another manager accepts a write.
      const failoverMs: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const leader = await leaderAmong(fleet, [1, 2, 3], 1000);
        const others = [1, 2, 3].filter((index) => index !== leader);
        fleet.kill(leader);
        const killedAt = Date.now();
        // A new leader, then a write it accepts: asking the new leader directly keeps a follower's forwarding timeout out of the number.
        const next = await leaderAmong(fleet, others, 200);
        await waitUntil(() => writable(fleet, next, `r${round}`), 20_000, 'a write after failover');
        failoverMs.push(Date.now() - killedAt);
        fleet.start(leader);
        await fleet.ready(leader);
        await new Promise((resolve) => setTimeout(resolve, 1500));
      }
      measures.push(
        { name: 'lab.leaderFailoverMsMedian', value: median(failoverMs), unit: 'ms', note: `kill -9 of the leader → a write accepted, median of ${rounds}` },
        { name: 'lab.leaderFailoverMsP99', value: percentile(failoverMs, 0.99), unit: 'ms', note: `same, p99 (max of ${rounds})` },
      );

      // Dead worker: kill -9, time until every manager's store says down. More rounds than the others: a median of 3 is too
      // easily pushed by one slow confirmation (see the gossip README) to say anything against a 2 s target.
      const detectMs: number[] = [];
      for (let round = 0; round < (ci ? 5 : 10); round++) {
        fleet.kill(5);
        const killedAt = Date.now();
        await waitUntil(async () => {
          for (const index of [1, 2, 3]) {
            if ((await nodesByHostname(fleet, index, true)).get('host5')?.status !== 'down') return false;
          }
          return true;
        }, 20_000, 'host5 down everywhere');
        detectMs.push(Date.now() - killedAt);
        fleet.start(5);
        await waitUntil(async () => (await nodesByHostname(fleet, 1, true)).get('host5')?.status === 'ready', 20_000, 'host5 ready again');
      }
      measures.push({ name: 'lab.deadWorkerDetectedMsMedian', value: median(detectMs), unit: 'ms', note: `kill -9 of a worker → down on all 3 managers, median of ${detectMs.length} (${detectMs.join(', ')} ms)` });
    } finally {
      fleet.destroy();
    }
    measures.push(...(await meteredProfileMeasures(ci)));
    return measures;
  },
};

/** What `--gossip-profile metered` saves on the wire and costs in detection time, on 3 real nodes. */
async function meteredProfileMeasures(ci: boolean): Promise<Measure[]> {
  const fleet = Fleet.create({ name: 'benchm', hosts: 3 });
  const metered = ['--gossip-profile', 'metered'];
  try {
    fleet.start(1, metered);
    await fleet.ready(1);
    const init = await fleet.call(1, 'swarm.init', {});
    for (const index of [2, 3]) {
      fleet.start(index, metered);
      await fleet.ready(index);
      await fleet.call(index, 'swarm.join', { token: init.workerToken, manager: fleet.address(1) });
      await waitUntil(async () => (await nodesByHostname(fleet, 1, true)).get(`host${index}`)?.status === 'ready', 30_000, `host${index} ready`);
    }
    await new Promise((resolve) => setTimeout(resolve, 3000));
    // A 2 s probe interval leaves few packets in a short window: one link heartbeat or session refresh more or less would swing it.
    const idleSeconds = 30;
    const bytesBefore = linkBytes(fleet, 3);
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const bytesPerSecond = (linkBytes(fleet, 3) - bytesBefore) / idleSeconds;
    const detectMs: number[] = [];
    for (let round = 0; round < (ci ? 1 : 3); round++) {
      fleet.kill(3);
      const killedAt = Date.now();
      await waitUntil(async () => (await nodesByHostname(fleet, 1, true)).get('host3')?.status === 'down', 60_000, 'host3 down');
      detectMs.push(Date.now() - killedAt);
      fleet.start(3, metered);
      await waitUntil(async () => (await nodesByHostname(fleet, 1, true)).get('host3')?.status === 'ready', 60_000, 'host3 ready again');
    }
    return [
      { name: 'lab.meteredIdleWireBytesPerSecondPerWorker', value: bytesPerSecond, unit: 'B/s', note: `--gossip-profile metered: bytes in+out of a worker's interface over ${idleSeconds} s idle (3 nodes)` },
      { name: 'lab.meteredDeadWorkerDetectedMsMedian', value: median(detectMs), unit: 'ms', note: `--gossip-profile metered: kill -9 of a worker → down on the manager, median of ${detectMs.length}` },
    ];
  } finally {
    fleet.destroy();
  }
}
