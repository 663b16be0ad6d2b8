// Raft core: how fast a cluster replaces a leader that is cut off (in ticks,
// over many seeds of the deterministic simulator, with the LAN defaults), how
// much traffic replication and an idle cluster cost (message counts), and
// one timing as a ratio to a floor measured in the same run.
import { performance } from 'node:perf_hooks';
import { median, percentile, type BenchSuite, type Measure } from '../harness.js';
import { lanDefaults } from '../../runtime/raft/core/index.js';
import { optionsForSeed, Simulation, tickMs } from '../../test/raft/sim/cluster.js';
import { Scenario } from '../../test/raft/scenario.js';

/** Simulated ms from cutting the leader off until another node leads a higher term; null if none within 10 s. */
function electionAfterCut(seed: number, nodes: number): number | null {
  const sim = new Simulation(optionsForSeed(seed, { nodes, clients: 0, membership: false, configure: (c) => lanDefaults(c.id) }));
  sim.runUntil(2_000 + sim.rng.int(1_000));
  const old = sim.leader();
  if (old === undefined || sim.violations().length > 0) return null;
  const oldTerm = old.core!.term;
  sim.network.isolate(old.id, [...sim.nodes.keys()]);
  const cutMs = sim.queue.nowMs;
  while (sim.queue.nowMs < cutMs + 10_000) {
    sim.runUntil(sim.queue.nowMs + 1);
    const leader = sim.leader();
    if (leader !== undefined && leader.id !== old.id && leader.core!.term > oldTerm) return sim.queue.nowMs - cutMs;
  }
  return null;
}

function electionMeasures(nodes: number, seeds: number): Measure[] {
  const ticks: number[] = [];
  let failed = 0;
  for (let seed = 1; seed <= seeds; seed += 1) {
    const ms = electionAfterCut(seed, nodes);
    if (ms === null) failed += 1;
    else ticks.push(ms / tickMs);
  }
  const note = `${seeds} seeds, ${nodes} nodes, LAN defaults (election timeout 5–10 ticks, PreVote, CheckQuorum), 1–8 ms links`;
  return [
    { name: `raft.electionTicksAfterLeaderCut${nodes}NodesP50`, value: percentile(ticks, 0.5), unit: 'ticks', note },
    { name: `raft.electionTicksAfterLeaderCut${nodes}NodesP99`, value: percentile(ticks, 0.99), unit: 'ticks', note },
    { name: `raft.electionTicksAfterLeaderCut${nodes}NodesMax`, value: Math.max(...ticks), unit: 'ticks', note },
    { name: `raft.electionsNotDoneIn100Ticks${nodes}Nodes`, value: failed, unit: 'seeds', note },
  ];
}

/** Messages per proposal when proposals arrive in bursts of `burst` between Readys. */
function messagesPerProposal(burst: number, proposals: number): number {
  const s = new Scenario([1, 2, 3], (c) => ({ ...lanDefaults(c.id) }));
  s.elect(1);
  s.run(1);
  const before = s.transcript.length;
  for (let sent = 0; sent < proposals; sent += burst) {
    for (let i = 0; i < burst; i += 1) s.core(1).propose(new Uint8Array(100));
    s.drain(s.node(1));
    s.stabilize();
  }
  return (s.transcript.length - before) / proposals;
}

/** Messages per tick in a quiet cluster: the heartbeat cost of doing nothing. */
function idleMessagesPerTick(nodes: number): number {
  const s = new Scenario(Array.from({ length: nodes }, (_, i) => i + 1), (c) => lanDefaults(c.id));
  s.elect(1);
  s.run(2);
  const before = s.transcript.length;
  s.run(100);
  return (s.transcript.length - before) / 100;
}

/**
 * Wall time to commit and apply `count` entries on a 3-node in-process
 * cluster, over the time to structuredClone each entry once per replica: the
 * floor of copying the data, measured in the same run.
 */
function commitCostRatio(count: number, rounds: number): number {
  const ratios: number[] = [];
  // Round 0 warms the JIT up and is not counted.
  for (let round = 0; round <= rounds; round += 1) {
    const s = new Scenario([1, 2, 3], (c) => lanDefaults(c.id));
    s.elect(1);
    s.run(1);
    const payload = new Uint8Array(100);
    const started = performance.now();
    for (let sent = 0; sent < count; sent += 64) {
      for (let i = 0; i < 64; i += 1) s.core(1).propose(payload);
      s.drain(s.node(1));
      s.stabilize();
    }
    const raftMs = performance.now() - started;
    const entries = Array.from({ length: count }, (_, i) => ({ index: i, term: 2, type: 0, data: payload }));
    const floorStarted = performance.now();
    for (let replica = 0; replica < 3; replica += 1) for (const entry of entries) structuredClone(entry);
    if (round > 0) ratios.push(raftMs / (performance.now() - floorStarted));
  }
  return median(ratios);
}

export const suite: BenchSuite = {
  name: 'raft-core',
  async run({ ci }) {
    const seeds = ci ? 200 : 1_000;
    const measures: Measure[] = [...electionMeasures(5, seeds), ...electionMeasures(3, seeds)];
    measures.push(
      { name: 'raft.messagesPerProposalBatched', value: messagesPerProposal(32, 3_200), unit: 'messages', note: '3 nodes, 32 proposals per Ready: one append and one answer per follower per batch, plus the commit' },
      { name: 'raft.messagesPerProposalSingle', value: messagesPerProposal(1, 300), unit: 'messages', note: '3 nodes, one proposal per Ready (no batching possible)' },
      { name: 'raft.idleMessagesPerTick5Nodes', value: idleMessagesPerTick(5), unit: 'messages', note: 'heartbeats and answers per 100 ms tick in a quiet 5-node cluster' },
      { name: 'raft.commitTimeRatioToCloneFloor', value: commitCostRatio(ci ? 5_000 : 20_000, ci ? 3 : 5), unit: 'ratio', note: '3 in-process cores commit+apply 100-byte entries, over structuredClone of each entry per replica' },
    );
    return measures;
  },
};
