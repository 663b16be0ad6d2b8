// Seeded simulations of 5 and 50 nodes with LAN defaults on a lossy LAN.
// A failure prints its seed; GOSSIP_SEED=<seed> replays it exactly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { median } from '../../bench/harness.js';
import { detectionTime, lanDefaults, meteredLinkDefaults, simulationDefaults } from '../../runtime/gossip/config.js';
import { detectionBoundMs, killAndWatch, replayable, restartAndWatch, seedFor, watchFalseDeaths } from './scenarios.js';
import { GossipSim, nodeId } from './sim.js';

const file = 'test/gossip/simulation.test.ts';
const lossy = (lossRate: number) => ({ latencyMsMin: 1, latencyMsMax: 5, lossRate });

function joinedCluster(size: number, seed: number, lossRate = 0.05, config = lanDefaults(), convergeMsMax = 30_000): GossipSim {
  const sim = new GossipSim({ seed, size, config, network: lossy(lossRate) });
  sim.joinAll();
  sim.runUntilConverged(convergeMsMax, 1000);
  return sim;
}

for (const size of [5, 50]) {
  test(`N=${size}: nodes join through one seed, and a minute of 10% loss declares nobody dead`, () => {
    // Proves convergence by joining, and that lost messages alone never make a false death.
    const seed = seedFor(100 + size);
    replayable(seed, file, () => {
      const sim = joinedCluster(size, seed, 0.1);
      const falseDeaths = watchFalseDeaths(sim);
      sim.runFor(60_000);
      assert.equal(falseDeaths, [], 'no live node was declared dead');
      assert.ok(sim.converged(true), 'every node still sees every other (alive or under suspicion)');
      assert.ok(sim.dropped > 0, 'the network did lose messages');
    });
  });

  test(`N=${size}: a killed node is declared dead by every live node within the formula's bound`, () => {
    // Proves detection, by everyone, within detectionTime().boundMs, and a typical time within typicalMs.
    const seed = seedFor(200 + size);
    replayable(seed, file, () => {
      const sim = joinedCluster(size, seed);
      const falseDeaths = watchFalseDeaths(sim);
      const boundMs = detectionBoundMs(sim);
      const kills = size === 5 ? 4 : 8;
      const detections: number[] = [];
      for (let round = 0; round < kills; round += 1) {
        const victim = nodeId(1 + sim.rng.int(size - 1));
        const detection = killAndWatch(sim, victim, boundMs + 2000);
        assert.equal(detection.missing, [], `every live node declared ${victim} dead`);
        assert.ok(detection.allMs <= boundMs, `${victim} declared dead by all after ${detection.allMs} ms, bound ${boundMs} ms`);
        detections.push(detection.allMs);
        sim.restart(victim, nodeId(0));
        sim.runUntilConverged(20_000);
      }
      // typicalMs is a central estimate; the median of a handful of kills scatters around it by about a probe interval.
      const typicalMs = detectionTime(sim.config, size).typicalMs + sim.config.probeIntervalTicks * sim.config.tickMs;
      assert.ok(median(detections) <= typicalMs, `median detection ${median(detections)} ms, typical + 1 interval ${typicalMs} ms (${detections.join(', ')})`);
      assert.equal(falseDeaths, []);
    });
  });

  test(`N=${size}: a restarted node (state lost) comes back alive at a higher incarnation everywhere`, () => {
    // Proves refutation by incarnation after a restart: the node learns the number it must beat from its seed.
    const seed = seedFor(300 + size);
    replayable(seed, file, () => {
      const sim = joinedCluster(size, seed);
      const victim = nodeId(size - 1);
      const detection = killAndWatch(sim, victim, 10_000);
      assert.equal(detection.missing, []);
      const deadIncarnation = Math.max(...sim.seen(victim, 'dead').map((observation) => observation.incarnation));
      const { incarnations, missing } = restartAndWatch(sim, victim, nodeId(0), 10_000);
      assert.equal(missing, [], 'every live node saw it alive again');
      for (const [observer, incarnation] of incarnations) assert.ok(incarnation > deadIncarnation, `${observer} saw incarnation ${incarnation}`);
      assert.ok(sim.core(victim).incarnation > deadIncarnation);
      sim.runFor(5000);
      assert.ok(sim.converged(true));
    });
  });

  test(`N=${size}: a graceful leave is seen as left by everyone, never as dead`, () => {
    // Proves leave and failure are told apart.
    const seed = seedFor(400 + size);
    replayable(seed, file, () => {
      const sim = joinedCluster(size, seed);
      const falseDeaths = watchFalseDeaths(sim);
      const leaver = nodeId(1 + sim.rng.int(size - 1));
      const leftAtMs = sim.nowMs;
      sim.leave(leaver);
      sim.runFor(10_000);
      assert.is(sim.node(leaver).core, null, 'the leaver finished and stopped');
      const others = sim.running().map((node) => node.id);
      const sawLeft = new Set(sim.seen(leaver, 'left', leftAtMs).map((observation) => observation.observer));
      for (const id of others) assert.ok(sawLeft.has(id), `${id} saw ${leaver} leave`);
      assert.equal(sim.seen(leaver, 'dead', leftAtMs), [], 'nobody declared the leaver dead');
      assert.equal(falseDeaths, []);
    });
  });

  test(`N=${size}: a 1-second blip on one node's link makes nobody dead, on either side`, () => {
    // Proves the moby#36311 complaint cannot happen with LAN defaults: a 1 s link drop is survived.
    const seed = seedFor(500 + size);
    replayable(seed, file, () => {
      const sim = joinedCluster(size, seed);
      const falseDeaths = watchFalseDeaths(sim);
      let suspicions = 0;
      for (let round = 0; round < 6; round += 1) {
        const blipped = nodeId(sim.rng.int(size));
        const fromMs = sim.nowMs + sim.rng.int(200);
        sim.blip(blipped, fromMs, fromMs + 1000);
        sim.runFor(6000);
        suspicions += sim.seen(blipped, 'suspect', fromMs).length;
      }
      assert.ok(suspicions > 0, 'the blips were long enough to cause suspicion');
      assert.equal(falseDeaths, [], 'no node was declared dead');
      assert.ok(sim.converged(true));
    });
  });
}

test('N=50, metered preset: kills are detected within its bound, and a 4-second link blip makes nobody dead', () => {
  // Proves the metered trade-off: slower detection (its own bound), longer blips survived.
  const seed = seedFor(700);
  replayable(seed, file, () => {
    // Slow probing means a member that missed a join hears of the newcomer only when it is probed by it (~n intervals).
    const sim = joinedCluster(50, seed, 0.05, meteredLinkDefaults(), 300_000);
    const falseDeaths = watchFalseDeaths(sim);
    const boundMs = detectionBoundMs(sim);
    for (let round = 0; round < 2; round += 1) {
      const victim = nodeId(1 + sim.rng.int(49));
      const detection = killAndWatch(sim, victim, boundMs + 5000);
      assert.equal(detection.missing, []);
      assert.ok(detection.allMs <= boundMs, `${victim}: ${detection.allMs} ms, bound ${boundMs} ms`);
      assert.ok(detection.allMs > detectionTime(lanDefaults(), 50).boundMs, 'metered detection is slower than the LAN bound');
      sim.restart(victim, nodeId(0));
      sim.runFor(10_000);
    }
    const blipped = nodeId(7);
    sim.blip(blipped, sim.nowMs, sim.nowMs + 4000);
    sim.runFor(20_000);
    assert.ok(sim.seen(blipped, 'suspect').length > 0, 'the blip caused suspicion');
    assert.equal(falseDeaths, []);
  });
});

test('N=50: a partitioned minority is declared dead across the cut, and everyone is alive again after it heals', () => {
  // Proves partitions are detected and healed by reconnect (push-pull to dead members) and refutation.
  const seed = seedFor(650);
  replayable(seed, file, () => {
    const sim = joinedCluster(50, seed, 0.05, simulationDefaults());
    const minority = [nodeId(10), nodeId(11), nodeId(12)];
    const fromMs = sim.nowMs;
    sim.partition(minority, fromMs, fromMs + 10_000);
    sim.runFor(10_000);
    const majorityView = sim.core(nodeId(0)).members();
    for (const id of minority) assert.is(majorityView.find((row) => row.member === id)?.status, 'dead', `majority sees ${id} dead`);
    for (const id of minority) {
      const view = sim.core(id).members();
      const deadAcross = view.filter((row) => !minority.includes(row.member) && row.status === 'dead').length;
      assert.ok(deadAcross > 0, `${id} noticed the cut (${deadAcross} majority members dead)`);
      for (const peer of minority) assert.is(view.find((row) => row.member === peer)?.status, 'alive', `${id} still sees ${peer}`);
    }
    const healMs = sim.runUntilConverged(30_000);
    assert.ok(healMs < 30_000);
  });
});

test.run();
