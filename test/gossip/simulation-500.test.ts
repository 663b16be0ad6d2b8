// A seeded simulation of 500 nodes with LAN defaults on a LAN losing 5% of
// messages. The cluster is built once (every node starts from a full
// push-pull, as after a completed join; joining itself is covered at N=5 and
// N=50) and the tests below run on it one after another, in order, while a
// watcher checks after every event that no running node is declared dead.
// A failure prints its seed; GOSSIP_SEED=<seed> replays it exactly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lanDefaults } from '../../runtime/gossip/config.js';
import type { Observation } from './sim.js';
import { detectionBoundMs, killAndWatch, replayable, restartAndWatch, seedFor, watchFalseDeaths } from './scenarios.js';
import { GossipSim, nodeId } from './sim.js';

const file = 'test/gossip/simulation-500.test.ts';
const size = 500;
const seed = seedFor(500);
let sim: GossipSim;
let falseDeaths: Observation[];

test.before(() => {
  replayable(seed, file, () => {
    sim = new GossipSim({ seed, size, config: lanDefaults(), network: { latencyMsMin: 1, latencyMsMax: 5, lossRate: 0.05 } });
    sim.preload();
    sim.runUntilConverged(20_000, 1000);
    falseDeaths = watchFalseDeaths(sim);
  });
});

test('N=500: 10 s of 5% loss declares nobody dead', () => {
  // Proves lost messages alone make no false death at scale.
  replayable(seed, file, () => {
    sim.runFor(10_000);
    assert.equal(falseDeaths, []);
    assert.ok(sim.converged(true));
  });
});

test('N=500: killed nodes are declared dead by all 499 live nodes within the bound, and come back when restarted', () => {
  // Proves detection by everyone within detectionTime().boundMs at scale, and revival at a higher incarnation.
  replayable(seed, file, () => {
    const boundMs = detectionBoundMs(sim);
    for (let round = 0; round < 2; round += 1) {
      const victim = nodeId(1 + sim.rng.int(size - 1));
      const detection = killAndWatch(sim, victim, boundMs + 2000);
      assert.equal(detection.missing, [], `every live node declared ${victim} dead`);
      assert.ok(detection.allMs <= boundMs, `${victim}: ${detection.allMs} ms, bound ${boundMs} ms`);
      const deadIncarnation = Math.max(...sim.seen(victim, 'dead').map((observation) => observation.incarnation));
      const { incarnations, missing } = restartAndWatch(sim, victim, nodeId(0), 10_000);
      assert.equal(missing, [], `every live node saw ${victim} alive again`);
      for (const incarnation of incarnations.values()) assert.ok(incarnation > deadIncarnation);
    }
    assert.equal(falseDeaths, []);
  });
});

test('N=500: 1-second blips on single nodes make nobody dead', () => {
  // Proves the 1 s blip tolerance holds at 500 nodes, where dissemination takes longest.
  replayable(seed, file, () => {
    let suspicions = 0;
    for (let round = 0; round < 2; round += 1) {
      const blipped = nodeId(sim.rng.int(size));
      const fromMs = sim.nowMs + sim.rng.int(200);
      sim.blip(blipped, fromMs, fromMs + 1000);
      sim.runFor(5000);
      suspicions += sim.seen(blipped, 'suspect', fromMs).length;
    }
    assert.ok(suspicions > 0, 'the blips caused suspicion');
    assert.equal(falseDeaths, []);
  });
});

test('N=500: a graceful leave is seen as left by every other node, never dead', () => {
  // Proves leave dissemination reaches everyone at scale.
  replayable(seed, file, () => {
    const leaver = nodeId(1 + sim.rng.int(size - 1));
    const leftAtMs = sim.nowMs;
    sim.leave(leaver);
    sim.runFor(4000);
    assert.is(sim.node(leaver).core, null);
    const sawLeft = new Set(sim.seen(leaver, 'left', leftAtMs).map((observation) => observation.observer));
    const missing = sim.running().filter((node) => !sawLeft.has(node.id));
    assert.is(missing.length, 0, `${missing.length} nodes missed the leave`);
    assert.equal(sim.seen(leaver, 'dead', leftAtMs), []);
    assert.equal(falseDeaths, []);
  });
});

test.run();
