// The driver around the pure Raft core: it owns the tick timer, the disk and
// the network. Each Ready is handled in the order ready.ts states: persist
// (and fsync when asked) before sending, then apply, then advance. Readys are
// handled one at a time; what arrives meanwhile waits for the next one.
import { EdgeError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';
import { RaftCore, decodeConfChange, describeConfChange, isRaftError, type Message, type RaftConfig, type RaftStatus, type Ready } from './core/index.js';
import { EntryType } from './types.js';
import type { DurableStorage, NodeId, RecoveredState } from './types.js';

export interface StateMachine {
  /** Applies one committed entry; the value goes to whoever proposed it. */
  apply(entry: import('./types.js').Entry): unknown;
  snapshot(): Uint8Array;
  restore(data: Uint8Array, index: number): void;
}

export interface RaftNodeOptions {
  config: RaftConfig;
  storage: DurableStorage;
  recovered: RecoveredState;
  stateMachine: StateMachine;
  /** Hands a message to the network; loss is fine (Raft retries), blocking is not. */
  send: (message: Message) => void;
  rng: Rng;
  /** Milliseconds per tick (the config counts in ticks). */
  tickMs: number;
  log: (line: string) => void;
  onLeaderChange?: (leader: NodeId, term: number) => void;
}

interface Waiter {
  term: number;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Raised to callers when the node stops or loses the entry they waited for. */
export class RaftNodeError extends EdgeError {}

export class RaftNode {
  readonly core: RaftCore;
  private readonly options: RaftNodeOptions;
  private readonly proposals = new Map<number, Waiter>();
  private readonly reads = new Map<number, { resolve: () => void; reject: (error: Error) => void; index: number; timer: ReturnType<typeof setTimeout> }>();
  private readonly readsWaitingApply: { index: number; resolve: () => void }[] = [];
  private appliedIndex = 0;
  private nextReadId = 1;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private processing = false;
  private again = false;
  private stopped = false;
  private fatal: Error | undefined;

  constructor(options: RaftNodeOptions) {
    this.options = options;
    const snapshot = options.recovered.snapshot;
    if (snapshot) {
      options.stateMachine.restore(snapshot.data, snapshot.meta.index);
      this.appliedIndex = snapshot.meta.index;
    }
    this.core = new RaftCore({ config: options.config, recovered: options.recovered, rng: options.rng });
  }

  /**
   * Writes the founding configuration of a new cluster to an empty storage and
   * returns it as the recovered state (the core expects it on disk).
   */
  static async bootstrap(storage: DurableStorage, voters: readonly NodeId[]): Promise<RecoveredState> {
    const state = RaftCore.bootstrapState(voters);
    storage.append(state.entries);
    storage.setHardState(state.hardState);
    await storage.sync();
    return state;
  }

  start(): void {
    this.ticker = setInterval(() => {
      this.core.tick();
      this.kick();
    }, this.options.tickMs);
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.ticker);
    const error = new RaftNodeError('EDGE_RAFT_STOPPED', 'this manager is shutting down: retry on another manager', { retryable: true });
    for (const waiter of this.proposals.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.proposals.clear();
    for (const read of this.reads.values()) {
      clearTimeout(read.timer);
      read.reject(error);
    }
    this.reads.clear();
    while (this.processing) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  get isLeader(): boolean {
    return this.core.role === 'leader';
  }

  get leader(): NodeId {
    return this.core.leader;
  }

  status(): RaftStatus {
    return this.core.status();
  }

  /** Feeds a message from the network. */
  step(message: Message): void {
    if (this.stopped) return;
    try {
      this.core.step(message);
    } catch (error) {
      if (!isRaftError(error)) throw error;
      this.options.log(`raft: dropped a message from ${message.from}: ${error.message}`);
    }
    this.kick();
  }

  /** Proposes `data` and resolves with what the state machine returned when it applied it. */
  propose(data: Uint8Array, timeoutMs = 5000): Promise<unknown> {
    return this.wait(() => this.core.propose(data), timeoutMs);
  }

  addMember(raftId: NodeId, timeoutMs = 5000): Promise<unknown> {
    return this.wait(() => this.core.addMember(raftId), timeoutMs);
  }

  removeMember(raftId: NodeId, timeoutMs = 5000): Promise<unknown> {
    return this.wait(() => this.core.removeMember(raftId), timeoutMs);
  }

  transferLeadership(target?: NodeId): NodeId {
    const chosen = this.core.transferLeadership(target);
    this.kick();
    return chosen;
  }

  /** Resolves once this node's state is at least as new as any committed write: a linearizable read may follow. */
  readBarrier(timeoutMs = 3000): Promise<void> {
    if (this.fatal) return Promise.reject(this.fatal);
    const requestId = this.nextReadId++;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.reads.delete(requestId);
        reject(new RaftNodeError('EDGE_RAFT_READ_TIMEOUT', `no quorum confirmed a read within ${timeoutMs} ms: is a majority of managers up? (use --stale to read this manager's copy)`, { retryable: true }));
      }, timeoutMs);
      this.reads.set(requestId, { resolve, reject, index: 0, timer });
      try {
        this.core.readIndex(requestId);
      } catch (error) {
        clearTimeout(timer);
        this.reads.delete(requestId);
        reject(error);
        return;
      }
      this.kick();
    });
  }

  private wait(action: () => { index: number; term: number }, timeoutMs: number): Promise<unknown> {
    if (this.fatal) return Promise.reject(this.fatal);
    let proposed: { index: number; term: number };
    try {
      proposed = action();
    } catch (error) {
      return Promise.reject(error);
    }
    this.kick();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.proposals.delete(proposed.index);
        reject(new RaftNodeError('EDGE_RAFT_PROPOSAL_TIMEOUT', `the change was not committed within ${timeoutMs} ms; it may still apply later: check before retrying`, { retryable: true }));
      }, timeoutMs);
      this.proposals.set(proposed.index, { term: proposed.term, resolve, reject, timer });
    });
  }

  /** Schedules Ready processing; coalesces bursts of steps and proposals into one Ready (group commit). */
  private kick(): void {
    if (this.stopped || this.fatal) return;
    if (this.processing) {
      this.again = true;
      return;
    }
    this.processing = true;
    setImmediate(() => void this.process());
  }

  private async process(): Promise<void> {
    try {
      do {
        this.again = false;
        while (!this.stopped && this.core.hasReady()) await this.handle(this.core.ready());
        await this.maybeSnapshot();
      } while (this.again && !this.stopped);
    } catch (error) {
      // A disk that cannot persist is not something Raft may paper over: stop serving.
      this.fatal = error as Error;
      this.options.log(`raft: stopped after a storage failure: ${(error as Error).message}`);
      clearInterval(this.ticker);
    } finally {
      this.processing = false;
    }
  }

  private async handle(ready: Ready): Promise<void> {
    const { storage, stateMachine } = this.options;
    if (ready.snapshot) await storage.saveSnapshot(ready.snapshot);
    if (ready.entries.length > 0) storage.append(ready.entries);
    if (ready.hardState) storage.setHardState(ready.hardState);
    // A hard state that only moved the commit index may wait for the next sync: losing it in a crash is harmless.
    if (ready.mustSync) await storage.sync();
    for (const message of ready.messages) this.options.send(message);
    if (ready.snapshot) {
      stateMachine.restore(ready.snapshot.data, ready.snapshot.meta.index);
      this.appliedIndex = ready.snapshot.meta.index;
    }
    for (const entry of ready.committedEntries) {
      if (entry.type === EntryType.ConfChange) this.logConfChange(entry);
      const result = stateMachine.apply(entry);
      this.appliedIndex = entry.index;
      const waiter = this.proposals.get(entry.index);
      if (waiter) {
        this.proposals.delete(entry.index);
        clearTimeout(waiter.timer);
        if (waiter.term === entry.term) waiter.resolve(result);
        else waiter.reject(new RaftNodeError('EDGE_RAFT_PROPOSAL_DROPPED', 'leadership changed before the change committed; it was not applied: retry', { retryable: true }));
      }
    }
    for (const readState of ready.readStates) {
      const read = this.reads.get(readState.requestId);
      if (!read) continue;
      this.reads.delete(readState.requestId);
      clearTimeout(read.timer);
      this.readsWaitingApply.push({ index: readState.index, resolve: read.resolve });
    }
    this.releaseReads();
    if (ready.softState) this.options.onLeaderChange?.(ready.softState.leader, this.core.term);
    this.core.advance(ready);
  }

  private logConfChange(entry: import('./types.js').Entry): void {
    const change = decodeConfChange(entry.data);
    if (change) this.options.log(`raft: membership change committed at ${entry.index}: ${describeConfChange(change)}`);
  }

  private releaseReads(): void {
    for (let i = this.readsWaitingApply.length - 1; i >= 0; i--) {
      const read = this.readsWaitingApply[i]!;
      if (read.index <= this.appliedIndex) {
        this.readsWaitingApply.splice(i, 1);
        read.resolve();
      }
    }
  }

  private async maybeSnapshot(): Promise<void> {
    if (!this.core.shouldSnapshot() || this.core.hasReady()) return;
    const snapshot = this.core.snapshot(this.options.stateMachine.snapshot());
    await this.options.storage.saveSnapshot(snapshot);
    this.options.log(`raft: snapshot at index ${snapshot.meta.index} (${snapshot.data.byteLength} bytes); log compacted`);
  }
}
