// One simulated manager: a RaftCore, its fake disk, its key-value state
// machine, and the driver loop a real edged would run (ready → persist →
// sync → send → apply → advance), with the disk sync taking simulated time
// so messages and ticks keep arriving while it is under way.
import { SeededRng } from '../../../runtime/common/rng.js';
import { RaftCore, type Message, type RaftConfig, type Ready } from '../../../runtime/raft/core/index.js';
import { EntryType, type Entry, type NodeId, type RecoveredState } from '../../../runtime/raft/types.js';
import { SimDisk } from './disk.js';
import type { EventQueue } from './event-queue.js';
import type { Invariants } from './invariants.js';
import { KvStore, type KvResult } from './kv.js';

export interface NodeContext {
  queue: EventQueue;
  rng: SeededRng;
  invariants: Invariants;
  send(message: Message): void;
  trace: ((line: string) => void) | null;
  config(id: NodeId): RaftConfig;
  seed: number;
}

export type WriteOutcome = { kind: 'applied'; result: KvResult } | { kind: 'lost' };

export class SimNode {
  core: RaftCore | null = null;
  readonly disk: SimDisk;
  readonly kv = new KvStore();
  applied = 0;
  /** Bumped by every crash, so a sync that was under way when the power went is forgotten. */
  private generation = 0;
  private syncing: Ready | null = null;
  restarts = 0;
  /** Shut down for good (removed from the cluster). */
  retired = false;
  private readonly writeWaiters = new Map<number, { term: number; done: (outcome: WriteOutcome) => void }>();
  private readonly readWaiters = new Map<number, (index: number) => void>();
  private appliedWaiters: Array<{ index: number; run: () => void }> = [];

  constructor(
    readonly id: NodeId,
    initial: RecoveredState,
    private readonly context: NodeContext,
  ) {
    this.disk = new SimDisk(initial);
    this.start();
  }

  get alive(): boolean {
    return this.core !== null;
  }

  private start(): void {
    const recovered = this.disk.recover();
    this.core = new RaftCore({
      config: this.context.config(this.id),
      recovered,
      rng: new SeededRng(this.context.seed * 7919 + this.id * 104729 + this.restarts),
    });
    this.kv.restore(recovered.snapshot?.data ?? new Uint8Array(0));
    this.applied = recovered.snapshot?.meta.index ?? 0;
  }

  crash(): void {
    if (this.core === null) return;
    this.generation += 1;
    this.core = null;
    this.syncing = null;
    const lost = this.disk.crash(this.context.rng);
    this.writeWaiters.clear();
    this.readWaiters.clear();
    this.appliedWaiters = [];
    this.context.trace?.(`n${this.id} CRASH (lost ${lost} unsynced writes)`);
  }

  restart(): void {
    if (this.core !== null || this.retired) return;
    const appliedBefore = this.applied;
    this.restarts += 1;
    this.context.invariants.onRecover(this.id, this.disk.recover(), appliedBefore);
    this.start();
    this.context.trace?.(`n${this.id} RESTART from disk (applied before crash ${appliedBefore})`);
    this.afterEvent();
  }

  retire(): void {
    this.crash();
    this.retired = true;
  }

  deliver(message: Message): void {
    if (this.core === null) return;
    this.core.step(message);
    this.afterEvent();
  }

  tick(): void {
    if (this.core === null) return;
    this.core.tick();
    this.afterEvent();
  }

  /** Runs `action` against the core (a proposal, a read) and then drives the node. */
  act<T>(action: (core: RaftCore) => T): T {
    const core = this.core;
    if (core === null) throw new Error(`node ${this.id} is down`);
    try {
      return action(core);
    } finally {
      this.afterEvent();
    }
  }

  waitForWrite(index: number, term: number, done: (outcome: WriteOutcome) => void): void {
    this.writeWaiters.set(index, { term, done });
  }

  waitForRead(requestId: number, onIndex: (index: number) => void): void {
    this.readWaiters.set(requestId, onIndex);
  }

  whenApplied(index: number, run: () => void): void {
    if (this.applied >= index) run();
    else this.appliedWaiters.push({ index, run });
  }

  afterEvent(): void {
    const core = this.core;
    if (core === null) return;
    this.context.invariants.afterStep(this.id, core);
    this.pump();
  }

  private pump(): void {
    const core = this.core;
    if (core === null || this.syncing !== null || !core.hasReady()) return;
    const ready = core.ready();
    this.context.invariants.onReady(this.id, core, ready);
    if (ready.softState !== null) this.context.trace?.(`n${this.id} is ${ready.softState.role} (term ${core.term}, leader ${ready.softState.leader || '-'})`);
    if (ready.snapshot !== null) this.disk.bufferSnapshot(ready.snapshot);
    this.disk.append(ready.entries);
    if (ready.hardState !== null) this.disk.setHardState(ready.hardState);
    this.syncing = ready;
    const generation = this.generation;
    // An SD card's fsync: usually a few ms, sometimes tens (a slow erase block).
    const rng = this.context.rng;
    const latencyMs = ready.mustSync ? 1 + rng.int(rng.next() < 0.1 ? 60 : 5) : 0;
    this.context.queue.schedule(latencyMs, () => {
      if (generation === this.generation) this.finish(ready);
    });
  }

  private finish(ready: Ready): void {
    const core = this.core!;
    this.disk.sync();
    for (const message of ready.messages) {
      this.context.invariants.onSend(this.id, message, this.disk.durable());
      this.context.send(message);
    }
    if (ready.snapshot !== null) {
      this.kv.restore(ready.snapshot.data);
      this.applied = ready.snapshot.meta.index;
      this.context.invariants.onSnapshotApplied(this.id, ready.snapshot, this.kv.fingerprint());
      this.context.trace?.(`n${this.id} installed snapshot ${ready.snapshot.meta.index}@${ready.snapshot.meta.term}`);
    }
    for (const entry of ready.committedEntries) this.apply(entry);
    for (const state of ready.readStates) {
      const waiter = this.readWaiters.get(state.requestId);
      this.readWaiters.delete(state.requestId);
      waiter?.(state.index);
    }
    core.advance(ready);
    this.syncing = null;
    this.runAppliedWaiters();
    if (core.shouldSnapshot()) {
      const snapshot = core.snapshot(this.kv.serialize());
      this.disk.saveSnapshot(snapshot);
      this.context.trace?.(`n${this.id} took snapshot at ${snapshot.meta.index}`);
    }
    this.afterEvent();
  }

  private apply(entry: Entry): void {
    if (entry.index !== this.applied + 1) throw new Error(`node ${this.id} applies ${entry.index} after ${this.applied}`);
    const result = entry.type === EntryType.Normal ? this.kv.apply(entry.data) : null;
    this.applied = entry.index;
    this.context.invariants.onApply(this.id, entry, this.kv.fingerprint());
    const waiter = this.writeWaiters.get(entry.index);
    if (waiter !== undefined) {
      this.writeWaiters.delete(entry.index);
      // Another entry at our index means ours was overwritten and will never commit.
      waiter.done(waiter.term === entry.term ? { kind: 'applied', result } : { kind: 'lost' });
    }
  }

  private runAppliedWaiters(): void {
    if (this.appliedWaiters.length === 0) return;
    const ready = this.appliedWaiters.filter((w) => w.index <= this.applied);
    this.appliedWaiters = this.appliedWaiters.filter((w) => w.index > this.applied);
    for (const waiter of ready) waiter.run();
  }
}
