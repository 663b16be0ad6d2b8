// A seeded, fully deterministic cluster of Raft cores: simulated network,
// disks, clients and an operator who changes membership. Run one seed with
// runSimulation(); the same seed always produces the same run.
import { SeededRng } from '../../../runtime/common/rng.js';
import { RaftCore, simulationDefaults, type Message, type RaftConfig } from '../../../runtime/raft/core/index.js';
import type { NodeId } from '../../../runtime/raft/types.js';
import { checkHistory } from '../linearizability.js';
import { kvModel } from '../kv-model.js';
import { History, SimClient } from './clients.js';
import { describeMessage } from './describe.js';
import { EventQueue } from './event-queue.js';
import { FaultInjector } from './faults.js';
import { Invariants } from './invariants.js';
import { encodeCommand } from './kv.js';
import { SimNetwork } from './network.js';
import { SimNode } from './node.js';

export interface SimOptions {
  seed: number;
  /** Founding voters: 3 or 5. */
  nodes: number;
  /** Simulated time with faults, then faults stop and liveness is checked. */
  faultPhaseMs: number;
  /** After faults stop: ticks within which a leader must exist and a fresh proposal must be applied everywhere. */
  livenessTicksMax: number;
  /** Whether the operator adds and removes members during the fault phase. */
  membership: boolean;
  clients: number;
  /** Receives trace lines when set. */
  trace: ((line: string) => void) | null;
  /** Overrides for the simulated nodes' Raft config. */
  configure?: (config: RaftConfig) => RaftConfig;
}

export interface SimResult {
  seed: number;
  nodes: number;
  violations: string[];
  /** Ticks from the end of faults until the cluster was live again. */
  recoveryTicks: number;
  simulatedMs: number;
  events: number;
  messages: number;
  committed: number;
  operations: number;
  unknownOutcomes: number;
  crashes: number;
  snapshotsInstalled: number;
  linearizability: string;
}

export const tickMs = 100;

/**
 * Config variants the seeds rotate through, so every supported combination
 * meets the faults: without CheckQuorum an isolated leader lingers (ReadIndex
 * must still be safe), without PreVote terms churn, short timeouts split votes.
 */
export const configVariants: ReadonlyArray<{ name: string; configure: (config: RaftConfig) => RaftConfig }> = [
  { name: 'defaults', configure: (c) => c },
  { name: 'no-check-quorum', configure: (c) => ({ ...c, checkQuorum: false }) },
  { name: 'no-pre-vote', configure: (c) => ({ ...c, preVote: false }) },
  { name: 'short-timeouts', configure: (c) => ({ ...c, electionTimeoutTicksMin: 3, electionTimeoutTicksMax: 5 }) },
];

export function variantForSeed(seed: number): (typeof configVariants)[number] {
  return configVariants[Math.floor(seed / 2) % configVariants.length]!;
}

/** The shape of a run, derived from its seed so `--seed N` alone replays it. */
export function optionsForSeed(seed: number, overrides: Partial<SimOptions> = {}): SimOptions {
  return {
    seed,
    nodes: seed % 2 === 0 ? 3 : 5,
    faultPhaseMs: 12_000,
    livenessTicksMax: 150,
    membership: seed % 3 === 0,
    clients: 4,
    trace: null,
    configure: variantForSeed(seed).configure,
    ...overrides,
  };
}

export class Simulation {
  readonly queue = new EventQueue();
  readonly rng: SeededRng;
  readonly invariants: Invariants;
  readonly network: SimNetwork;
  readonly nodes = new Map<NodeId, SimNode>();
  readonly history = new History();
  readonly clients: SimClient[] = [];
  nextId: number;
  events = 0;
  private readonly trace: ((line: string) => void) | null;

  constructor(readonly options: SimOptions) {
    this.rng = new SeededRng(options.seed);
    this.invariants = new Invariants(() => this.queue.nowMs);
    const trace = options.trace;
    this.trace = trace === null ? null : (line) => trace(`${String(this.queue.nowMs).padStart(6)}ms ${line}`);
    this.network = new SimNetwork(this.queue, this.rng, (m) => this.deliver(m), this.trace);
    const founders = Array.from({ length: options.nodes }, (_, i) => i + 1);
    this.nextId = founders.length + 1;
    for (const id of founders) this.addNode(id, RaftCore.bootstrapState(founders));
    for (let i = 0; i < options.clients; i += 1) {
      this.clients.push(
        new SimClient(i + 1, { queue: this.queue, rng: this.rng, trace: this.trace, reachable: () => this.reachable(), node: (id) => this.nodes.get(id) }, this.history),
      );
    }
  }

  addNode(id: NodeId, initial: ReturnType<typeof RaftCore.emptyState>): SimNode {
    const node = new SimNode(id, initial, {
      queue: this.queue,
      rng: this.rng,
      invariants: this.invariants,
      send: (m) => this.send(m),
      trace: this.trace,
      config: (nodeId) => (this.options.configure ?? ((c) => c))(simulationDefaults(nodeId)),
      seed: this.options.seed,
    });
    this.nodes.set(id, node);
    this.scheduleTicks(node);
    return node;
  }

  private scheduleTicks(node: SimNode): void {
    const loop = (): void => {
      if (node.retired) return;
      this.events += 1;
      node.tick();
      this.queue.schedule(tickMs, loop);
    };
    this.queue.schedule(1 + this.rng.int(tickMs), loop);
  }

  private send(message: Message): void {
    this.network.send(message);
  }

  private deliver(message: Message): void {
    const node = this.nodes.get(message.to);
    if (node === undefined || !node.alive) return;
    this.events += 1;
    if (this.trace !== null) this.trace(describeMessage(message));
    node.deliver(message);
  }

  reachable(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.alive && !n.retired);
  }

  /** The alive node leading the highest term, if any. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const node of this.nodes.values()) {
      const core = node.core;
      if (core === null || core.role !== 'leader') continue;
      if (best === undefined || core.term > best.core!.term) best = node;
    }
    return best;
  }

  run(): SimResult {
    const { faultPhaseMs } = this.options;
    for (const client of this.clients) client.start();
    const faults = new FaultInjector(this, this.trace);
    faults.start(faultPhaseMs);
    this.runUntil(faultPhaseMs);
    const recoveryTicks = this.violations().length === 0 ? this.checkLiveness(faults) : -1;
    let linearizability = 'not checked';
    if (this.violations().length === 0) {
      const verdict = checkHistory(kvModel, this.history.kept());
      if (verdict.verdict === 'violation') this.invariants.violations.push(`linearizability (key ${verdict.partition}): ${verdict.explanation}`);
      linearizability = verdict.verdict;
    }
    return {
      seed: this.options.seed,
      nodes: this.options.nodes,
      violations: this.violations(),
      recoveryTicks,
      simulatedMs: this.queue.nowMs,
      events: this.events,
      messages: this.network.stats.sent,
      committed: this.invariants.maxCommitted,
      operations: this.history.completed,
      unknownOutcomes: this.history.unknown,
      crashes: faults.crashes,
      snapshotsInstalled: this.invariants.snapshotsInstalled,
      linearizability,
    };
  }

  violations(): string[] {
    return this.invariants.violations;
  }

  /** Runs events until `untilMs`, stopping early at the first violation. */
  runUntil(untilMs: number): void {
    while (this.violations().length === 0 && this.queue.runNext(untilMs)) {
      // each event did its own checks
    }
    if (this.queue.nowMs < untilMs && this.violations().length === 0) this.queue.nowMs = untilMs;
  }

  /**
   * Faults stop: links heal, crashed members restart, clients stop starting
   * operations. A leader must appear, and a fresh proposal must be applied by
   * every member, within livenessTicksMax ticks. Returns the ticks it took.
   */
  private checkLiveness(faults: FaultInjector): number {
    const startMs = this.queue.nowMs;
    faults.stop();
    this.network.heal();
    this.network.calm();
    for (const client of this.clients) client.stopped = true;
    faults.sweepMembership();
    for (const node of this.nodes.values()) node.restart();
    this.trace?.('FAULTS END: healed, restarted, calm network');
    const deadlineMs = startMs + this.options.livenessTicksMax * tickMs;
    let barrier: { index: number; term: number } | null = null;
    while (this.queue.nowMs < deadlineMs && this.violations().length === 0) {
      this.runUntil(Math.min(deadlineMs, this.queue.nowMs + tickMs));
      faults.sweepMembership();
      const leader = this.leader();
      if (leader === undefined) continue;
      if (barrier !== null && this.invariants.committedTermAt(barrier.index) !== undefined && this.invariants.committedTermAt(barrier.index) !== barrier.term) {
        barrier = null;
      }
      if (barrier === null || barrier.term !== leader.core!.term) {
        try {
          barrier = leader.act((core) => core.propose(encodeCommand({ op: 'barrier', id: `barrier-${this.queue.nowMs}` })));
        } catch {
          barrier = null;
        }
        continue;
      }
      if (this.converged(leader, barrier.index)) return Math.ceil((this.queue.nowMs - startMs) / tickMs);
    }
    if (this.violations().length === 0) {
      const states = [...this.nodes.values()]
        .filter((n) => !n.retired)
        .map((n) => (n.core === null ? `n${n.id}:down` : `n${n.id}:${n.core.role}@${n.core.term} commit=${n.core.commitIndex} applied=${n.applied}`))
        .join(' ');
      this.invariants.violations.push(
        `liveness: ${this.options.livenessTicksMax} ticks after faults stopped the cluster had not converged (barrier ${barrier === null ? 'not proposed' : `${barrier.index}@${barrier.term}`}): ${states}`,
      );
    }
    return -1;
  }

  private converged(leader: SimNode, barrierIndex: number): boolean {
    const core = leader.core!;
    const status = core.status();
    if (status.commit < this.invariants.maxCommitted) return false;
    for (const id of [...status.voters, ...status.learners]) {
      const node = this.nodes.get(id);
      if (node === undefined || node.core === null) return false;
      if (node.applied < barrierIndex || node.applied !== status.commit) return false;
    }
    return true;
  }
}

export function runSimulation(options: SimOptions): SimResult {
  return new Simulation(options).run();
}
