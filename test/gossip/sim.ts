// A deterministic simulated network for gossip cores. Time is in whole
// milliseconds; each node ticks every config.tickMs at its own phase (real
// boards are not in lockstep), and each message is delivered after a random
// latency unless loss, a down link or a partition drops it. Everything random
// comes from one SeededRng, so a seed replays a run exactly.
import { SeededRng } from '../../runtime/common/rng.js';
import type { GossipConfig } from '../../runtime/gossip/config.js';
import type { MembershipEventKind } from '../../runtime/gossip/events.js';
import type { GossipMessage, MemberState } from '../../runtime/gossip/messages.js';
import { GossipNode } from '../../runtime/gossip/node.js';

export interface NetworkOptions {
  latencyMsMin: number;
  latencyMsMax: number;
  /** Probability that any one message is lost. */
  lossRate: number;
}

export const lanNetwork: NetworkOptions = { latencyMsMin: 1, latencyMsMax: 5, lossRate: 0.05 };

export interface SimOptions {
  seed: number;
  size: number;
  config: GossipConfig;
  network?: NetworkOptions;
  /** Bytes a message costs on the wire (e.g. CBOR size + framing); default: not counted, bytesSent stays 0. */
  messageBytes?: (message: GossipMessage) => number;
}

/** One observed membership event, with the simulated time it happened at. */
export interface Observation {
  atMs: number;
  observer: string;
  member: string;
  kind: MembershipEventKind;
  incarnation: number;
}

interface SimNode {
  id: string;
  address: string;
  phaseMs: number;
  core: GossipNode | null;
  /** The node was told to leave (it stays running until done). */
  leaving: boolean;
  bytesSent: number;
  messagesSent: number;
}

interface Delivery {
  from: SimNode;
  to: SimNode;
  message: GossipMessage;
}

interface Window {
  fromMs: number;
  toMs: number;
}

export function nodeId(index: number): string {
  return `node-${String(index).padStart(3, '0')}`;
}

export class GossipSim {
  readonly rng: SeededRng;
  readonly config: GossipConfig;
  readonly nodes: SimNode[] = [];
  readonly observations: Observation[] = [];
  nowMs = 0;
  /** Messages delivered/dropped, for sanity checks. */
  delivered = 0;
  dropped = 0;
  private readonly byAddress = new Map<string, SimNode>();
  /** Nodes by tick phase (ms within a tick), so each millisecond visits only the nodes that tick then. */
  private readonly byPhase: SimNode[][];
  /** Observations by member, for seen(). */
  private readonly byMember = new Map<string, Observation[]>();
  private readonly pending = new Map<number, Delivery[]>();
  private readonly network: NetworkOptions;
  private readonly messageBytes: ((message: GossipMessage) => number) | undefined;
  private readonly linkDown = new Map<string, Window[]>();
  private partitions: { side: Set<string>; window: Window }[] = [];
  /** Per-member hook run after every observation, e.g. to assert invariants as they happen. */
  onObservation: ((observation: Observation) => void) | undefined;

  constructor(options: SimOptions) {
    this.rng = new SeededRng(options.seed);
    this.config = options.config;
    this.network = options.network ?? lanNetwork;
    this.messageBytes = options.messageBytes;
    this.byPhase = Array.from({ length: this.config.tickMs }, () => []);
    for (let index = 0; index < options.size; index += 1) {
      const node: SimNode = {
        id: nodeId(index),
        address: `10.0.${index >> 8}.${index & 255}:4270`,
        phaseMs: this.rng.int(this.config.tickMs),
        core: null,
        leaving: false,
        bytesSent: 0,
        messagesSent: 0,
      };
      this.nodes.push(node);
      this.byAddress.set(node.address, node);
      this.byPhase[node.phaseMs]!.push(node);
      node.core = this.newCore(node, 0);
    }
  }

  node(id: string): SimNode {
    const node = this.nodes.find((candidate) => candidate.id === id);
    if (node === undefined) throw new Error(`no simulated node ${id}`);
    return node;
  }

  core(id: string): GossipNode {
    const core = this.node(id).core;
    if (core === null) throw new Error(`${id} is not running`);
    return core;
  }

  running(): SimNode[] {
    return this.nodes.filter((node) => node.core !== null);
  }

  /** Every node joins through node 0, in batches, as boards booting would. */
  joinAll(batch = 16, gapMs = 100): void {
    const seed = this.nodes[0]!.address;
    for (let index = 1; index < this.nodes.length; index += 1) {
      if (index % batch === 0) this.runFor(gapMs);
      const error = this.nodes[index]!.core!.join([seed]);
      if (error !== undefined) throw error;
      this.drain(this.nodes[index]!);
    }
  }

  /**
   * Starts every node knowing every other, as after a completed join (a
   * push-pull reply from a peer carrying the full table), then runs until
   * the announcements have died out.
   */
  preload(settleMs = 3000): void {
    const rows: MemberState[] = this.nodes.map((node) => ({
      member: node.id,
      incarnation: 0,
      status: 'alive',
      address: node.address,
      role: 'worker',
      labels: new Uint8Array(0),
    }));
    for (const node of this.nodes) {
      const source = node === this.nodes[0] ? this.nodes[1]! : this.nodes[0]!;
      const error = node.core!.step({ type: 'pushPull', source: source.id, reply: true, members: rows }, source.address);
      if (error !== undefined) throw error;
      this.drain(node);
    }
    this.runFor(settleMs);
  }

  /**
   * True when every running node sees every other running node alive (or,
   * with `allowSuspect`, at least not dead, left or unknown: on a lossy
   * network some suspicion is always being raised and refuted).
   */
  converged(allowSuspect = false): boolean {
    const running = this.running();
    const ids = new Set(running.map((node) => node.id));
    return running.every((node) => {
      const seen = node.core!.members().filter((row) => ids.has(row.member) && (row.status === 'alive' || (allowSuspect && row.status === 'suspect')));
      return seen.length === ids.size;
    });
  }

  /** Runs until converged or `limitMs` passed; returns the time it took. */
  runUntilConverged(limitMs: number, checkEveryMs = 250): number {
    const started = this.nowMs;
    while (!this.converged()) {
      if (this.nowMs - started >= limitMs) throw new Error(`no convergence within ${limitMs} ms`);
      this.runFor(checkEveryMs);
    }
    return this.nowMs - started;
  }

  kill(id: string): void {
    this.node(id).core = null;
  }

  /** Starts a fresh core (state lost) for a killed node, which joins through `seedId`. */
  restart(id: string, seedId: string, incarnation = 0): void {
    const node = this.node(id);
    node.core = this.newCore(node, incarnation);
    node.leaving = false;
    const error = node.core.join([this.node(seedId).address]);
    if (error !== undefined) throw error;
    this.drain(node);
  }

  leave(id: string): void {
    const node = this.node(id);
    node.leaving = true;
    node.core!.leave();
    this.drain(node);
  }

  /** Drops every message to or from `id` between fromMs and toMs. */
  blip(id: string, fromMs: number, toMs: number): void {
    const windows = this.linkDown.get(id) ?? [];
    windows.push({ fromMs, toMs });
    this.linkDown.set(id, windows);
  }

  /** Messages between `side` and everyone else are dropped between fromMs and toMs. */
  partition(side: readonly string[], fromMs: number, toMs: number): void {
    this.partitions.push({ side: new Set(side), window: { fromMs, toMs } });
  }

  runFor(durationMs: number): void {
    const endMs = this.nowMs + durationMs;
    while (this.nowMs < endMs) this.step();
  }

  /** Observations of `kind` about `member` (optionally only after `sinceMs`). */
  seen(member: string, kind: MembershipEventKind, sinceMs = 0): Observation[] {
    return (this.byMember.get(member) ?? []).filter((o) => o.kind === kind && o.atMs >= sinceMs);
  }

  /** Bytes sent by all nodes since construction. */
  totalBytesSent(): number {
    return this.nodes.reduce((sum, node) => sum + node.bytesSent, 0);
  }

  resetTraffic(): void {
    for (const node of this.nodes) {
      node.bytesSent = 0;
      node.messagesSent = 0;
    }
  }

  private newCore(node: SimNode, incarnation: number): GossipNode {
    return new GossipNode({
      config: this.config,
      rng: new SeededRng(this.rng.nextUint32()),
      id: node.id,
      address: node.address,
      role: 'worker',
      incarnation,
    });
  }

  /** One millisecond: deliveries due now, then the ticks of nodes whose phase comes up. */
  private step(): void {
    const due = this.pending.get(this.nowMs);
    if (due !== undefined) {
      this.pending.delete(this.nowMs);
      for (const delivery of due) this.deliver(delivery);
    }
    for (const node of this.byPhase[this.nowMs % this.config.tickMs]!) {
      if (node.core === null) continue;
      node.core.tick();
      this.drain(node);
      if (node.leaving && node.core.isLeaveDone()) node.core = null;
    }
    this.nowMs += 1;
  }

  private deliver(delivery: Delivery): void {
    const core = delivery.to.core;
    if (core === null || this.cut(delivery.from, delivery.to)) {
      this.dropped += 1;
      return;
    }
    this.delivered += 1;
    const error = core.step(delivery.message, delivery.from.address);
    if (error !== undefined) throw error;
    this.drain(delivery.to);
  }

  /** Routes a node's outbound messages and records its events. */
  drain(node: SimNode): void {
    const core = node.core;
    if (core === null || !core.hasReady()) return;
    const ready = core.ready();
    for (const event of ready.events) {
      const observation = { atMs: this.nowMs, observer: node.id, member: event.member, kind: event.kind, incarnation: event.incarnation };
      this.observations.push(observation);
      const list = this.byMember.get(observation.member);
      if (list === undefined) this.byMember.set(observation.member, [observation]);
      else list.push(observation);
      this.onObservation?.(observation);
    }
    for (const outbound of ready.messages) {
      if (this.messageBytes !== undefined) node.bytesSent += this.messageBytes(outbound.message);
      node.messagesSent += 1;
      const target = this.byAddress.get(outbound.address);
      if (target === undefined || this.cut(node, target) || this.rng.next() < this.network.lossRate) {
        this.dropped += 1;
        continue;
      }
      const { latencyMsMin, latencyMsMax } = this.network;
      const atMs = this.nowMs + latencyMsMin + this.rng.int(latencyMsMax - latencyMsMin + 1);
      const list = this.pending.get(atMs);
      const delivery = { from: node, to: target, message: outbound.message };
      if (list === undefined) this.pending.set(atMs, [delivery]);
      else list.push(delivery);
    }
    core.advance();
  }

  private cut(from: SimNode, to: SimNode): boolean {
    const now = this.nowMs;
    const inside = (window: Window): boolean => now >= window.fromMs && now < window.toMs;
    for (const id of [from.id, to.id]) {
      const windows = this.linkDown.get(id);
      if (windows !== undefined && windows.some(inside)) return true;
    }
    for (const { side, window } of this.partitions) {
      if (inside(window) && side.has(from.id) !== side.has(to.id)) return true;
    }
    return false;
  }
}
