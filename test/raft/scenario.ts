// A hand-driven cluster for scenario tests, in the spirit of etcd raft's
// interaction transcripts: the test says which node ticks, which messages
// get through, which links are cut, and reads back one line per node.
// Storage is perfect and instant here (the simulator covers crashes):
// every Ready is persisted, its messages queued, its entries applied.
import { SeededRng } from '../../runtime/common/rng.js';
import { MessageType, RaftCore, simulationDefaults, type Message, type RaftConfig, type ReadState } from '../../runtime/raft/core/index.js';
import { EntryType, type Entry, type NodeId, type RecoveredState, type Snapshot } from '../../runtime/raft/types.js';
import { describeMessage } from './sim/describe.js';

export interface ScenarioNode {
  id: NodeId;
  core: RaftCore;
  /** Normal entries applied, as text (empty entries are leaders' no-ops and skipped). */
  applied: string[];
  appliedIndex: number;
  readStates: ReadState[];
  snapshotsInstalled: number;
  stored: { snapshot: Snapshot | null; entries: Entry[] };
}

export class Scenario {
  readonly nodes = new Map<NodeId, ScenarioNode>();
  /** Messages sent and not yet delivered, in order. */
  inFlight: Message[] = [];
  private readonly cut = new Set<string>();
  readonly transcript: string[] = [];

  constructor(
    voters: readonly NodeId[],
    private readonly configure: (config: RaftConfig) => RaftConfig = (c) => c,
  ) {
    for (const id of voters) this.addNode(id, RaftCore.bootstrapState(voters));
  }

  addNode(id: NodeId, recovered: RecoveredState = RaftCore.emptyState()): ScenarioNode {
    const core = new RaftCore({ config: this.configure(simulationDefaults(id)), recovered, rng: new SeededRng(id) });
    const node: ScenarioNode = {
      id,
      core,
      applied: recovered.snapshot === null ? [] : decodeSnapshot(recovered.snapshot.data),
      appliedIndex: recovered.snapshot?.meta.index ?? 0,
      readStates: [],
      snapshotsInstalled: 0,
      stored: { snapshot: recovered.snapshot, entries: [...recovered.entries] },
    };
    this.nodes.set(id, node);
    this.drain(node);
    return node;
  }

  node(id: NodeId): ScenarioNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  core(id: NodeId): RaftCore {
    return this.node(id).core;
  }

  /** Handles every Ready of `node`: persist, queue messages, apply. */
  drain(node: ScenarioNode): void {
    while (node.core.hasReady()) {
      const ready = node.core.ready();
      if (ready.snapshot !== null) {
        node.stored = { snapshot: ready.snapshot, entries: [] };
        node.appliedIndex = ready.snapshot.meta.index;
        node.applied = decodeSnapshot(ready.snapshot.data);
        node.snapshotsInstalled += 1;
      }
      for (const entry of ready.entries) {
        const offset = node.stored.snapshot?.meta.index ?? 0;
        node.stored.entries.length = Math.max(0, entry.index - offset - 1);
        node.stored.entries.push(entry);
      }
      this.inFlight.push(...ready.messages);
      for (const entry of ready.committedEntries) {
        node.appliedIndex = entry.index;
        if (entry.type === EntryType.Normal && entry.data.length > 0) node.applied.push(new TextDecoder().decode(entry.data));
      }
      node.readStates.push(...ready.readStates);
      node.core.advance(ready);
    }
  }

  private drainAll(): void {
    for (const node of this.nodes.values()) this.drain(node);
  }

  tick(id: NodeId, times = 1): void {
    const node = this.node(id);
    for (let i = 0; i < times; i += 1) {
      node.core.tick();
      this.drain(node);
    }
  }

  tickAll(times = 1): void {
    for (let i = 0; i < times; i += 1) for (const id of this.nodes.keys()) this.tick(id);
  }

  /** Delivers queued messages that match `filter` (all by default) once; returns how many went through. */
  deliver(filter: (m: Message) => boolean = () => true): number {
    const batch = this.inFlight.filter(filter);
    this.inFlight = this.inFlight.filter((m) => !filter(m));
    let delivered = 0;
    for (const message of batch) {
      const target = this.nodes.get(message.to);
      if (target === undefined || this.cut.has(`${message.from}>${message.to}`)) continue;
      this.transcript.push(describeMessage(message));
      target.core.step(message);
      delivered += 1;
      this.drain(target);
    }
    return delivered;
  }

  /** Delivers until nothing is in flight (bounded, in case of a livelock bug). */
  stabilize(roundsMax = 200): void {
    for (let round = 0; round < roundsMax; round += 1) {
      this.drainAll();
      if (this.inFlight.length === 0) return;
      this.deliver();
    }
    throw new Error(`no quiet after ${roundsMax} rounds: ${this.inFlight.slice(0, 5).map(describeMessage).join('; ')}`);
  }

  /** Ticks every node and delivers everything, `times` times: time passing on a healthy network. */
  run(ticks: number): void {
    for (let i = 0; i < ticks; i += 1) {
      this.tickAll();
      this.stabilize();
    }
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  heal(): void {
    this.cut.clear();
  }

  /** Drops every queued message (what a partition does to traffic already on the wire). */
  dropInFlight(filter: (m: Message) => boolean = () => true): void {
    this.inFlight = this.inFlight.filter((m) => !filter(m));
  }

  propose(id: NodeId, text: string): { index: number; term: number } {
    const result = this.core(id).propose(new TextEncoder().encode(text));
    this.drain(this.node(id));
    return result;
  }

  /** Ticks `id` until it leaves the follower role (starts campaigning) and delivers everything. */
  elect(id: NodeId): void {
    this.core(id).campaign();
    this.drain(this.node(id));
    this.stabilize();
  }

  /** One line per node: "1:leader@2 commit=3", the shape scenario tests compare. */
  summary(): string {
    return [...this.nodes.values()]
      .map((n) => `${n.id}:${n.core.role}@${n.core.term} commit=${n.core.commitIndex}`)
      .join(' ');
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.core.role === 'leader').map((n) => n.id);
  }

  /** Takes a snapshot on `id` with its applied entries as the state. */
  snapshot(id: NodeId): Snapshot {
    const node = this.node(id);
    const snapshot = node.core.snapshot(encodeSnapshot(node.applied));
    node.stored = { snapshot, entries: node.stored.entries.filter((e) => e.index > snapshot.meta.index) };
    return snapshot;
  }

  /** Restarts `id` from what it stored (a perfect disk). */
  restart(id: NodeId): ScenarioNode {
    const old = this.node(id);
    const recovered: RecoveredState = {
      hardState: old.core.status().term === 0 ? { term: 0, vote: 0, commit: 0 } : { term: old.core.term, vote: old.core.status().vote, commit: old.core.commitIndex },
      snapshot: old.stored.snapshot,
      entries: [...old.stored.entries],
    };
    this.nodes.delete(id);
    return this.addNode(id, recovered);
  }
}

export function isType(type: number, from?: NodeId, to?: NodeId): (m: Message) => boolean {
  return (m) => m.type === type && (from === undefined || m.from === from) && (to === undefined || m.to === to);
}

export function between(from: NodeId, to: NodeId): (m: Message) => boolean {
  return (m) => m.from === from && m.to === to;
}

export { MessageType };

function encodeSnapshot(applied: readonly string[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(applied));
}

function decodeSnapshot(data: Uint8Array): string[] {
  return data.length === 0 ? [] : (JSON.parse(new TextDecoder().decode(data)) as string[]);
}
