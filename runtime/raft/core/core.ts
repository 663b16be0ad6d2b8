/**
 * RaftCore: the whole public surface of the consensus core, in the shape of
 * etcd's RawNode. A driver owns timers, sockets and disk and loops:
 *
 *   every tickMs:            core.tick()
 *   on a message:            core.step(message)
 *   while core.hasReady():   const ready = core.ready(); persist; send; apply; core.advance(ready)
 *
 * Nothing here performs I/O, reads a clock or draws randomness except from
 * the injected Rng, so a seeded simulation replays exactly.
 */
import { assert } from '../../common/assert.js';
import type { Rng } from '../../common/rng.js';
import { EntryType, type Entry, type HardState, type NodeId, type RecoveredState, type Snapshot } from '../types.js';
import { ConfChangeKind, encodeConfChange, type ConfChange } from './confchange.js';
import type { RaftConfig } from './config.js';
import { RaftError } from './errors.js';
import { broadcastHeartbeat, flushBroadcast } from './replication.js';
import type { Message } from './messages.js';
import { propose, proposeConfChange, readIndex, transferLeadership, type Proposed } from './proposal.js';
import { Raft, type Role } from './raft.js';
import { sameHardState, type Ready, type SoftState } from './ready.js';

export interface RaftCoreOptions {
  config: RaftConfig;
  /** What the disk held at start; `RaftCore.bootstrapState` or `RaftCore.emptyState` for a new node. */
  recovered: RecoveredState;
  rng: Rng;
}

export interface MemberProgress {
  id: NodeId;
  match: number;
  next: number;
  state: 'probe' | 'replicate' | 'snapshot';
}

export interface RaftStatus {
  id: NodeId;
  role: Role;
  term: number;
  vote: NodeId;
  leader: NodeId;
  commit: number;
  applied: number;
  firstIndex: number;
  lastIndex: number;
  snapshotIndex: number;
  voters: NodeId[];
  learners: NodeId[];
  transferTarget: NodeId;
  /** Leader only: where each member's log stands. */
  progress: MemberProgress[];
}

export class RaftCore {
  private readonly raft: Raft;
  private previousHardState: HardState;
  private previousSoftState: SoftState;
  private outstanding: Ready | null = null;

  constructor(options: RaftCoreOptions) {
    this.raft = new Raft(options.config, options.recovered, options.rng);
    this.previousHardState = { ...options.recovered.hardState };
    this.previousSoftState = { leader: 0, role: 'follower' };
  }

  /** The disk contents every founding member starts from: the same `voters` on each. */
  static bootstrapState(voters: readonly NodeId[]): RecoveredState {
    const sorted = [...new Set(voters)].sort((a, b) => a - b);
    assert(sorted.length > 0 && sorted.length === voters.length, 'bootstrap needs distinct voters');
    const data = encodeConfChange({ kind: ConfChangeKind.Bootstrap, voters: sorted });
    return {
      hardState: { term: 1, vote: 0, commit: 1 },
      snapshot: null,
      entries: [{ index: 1, term: 1, type: EntryType.ConfChange, data }],
    };
  }

  /** The disk contents of a node joining an existing cluster: it learns everything from the leader. */
  static emptyState(): RecoveredState {
    return { hardState: { term: 0, vote: 0, commit: 0 }, snapshot: null, entries: [] };
  }

  get id(): NodeId {
    return this.raft.id;
  }

  tick(): void {
    this.raft.tick();
  }

  /** Feeds a message from a peer. Messages for another node, or from an older term, are handled or dropped here. */
  step(message: Message): void {
    this.raft.step(message);
  }

  /** Starts an election now (e.g. a freshly bootstrapped single manager). */
  campaign(): void {
    if (this.raft.role === 'leader') return;
    this.raft.campaign(this.raft.config.preVote ? 'pre-vote' : 'election');
  }

  /** Appends `data` as a Normal entry. Leader only; throws RaftError otherwise. */
  propose(data: Uint8Array): Proposed {
    return propose(this.raft, EntryType.Normal, data);
  }

  /** Proposes a membership change (one at a time; see confchange.ts). */
  proposeConfChange(change: ConfChange): Proposed {
    return proposeConfChange(this.raft, change);
  }

  /** A new member joins as a learner; the leader promotes it once it has caught up. */
  addMember(id: NodeId): Proposed {
    return proposeConfChange(this.raft, { kind: ConfChangeKind.AddLearner, node: id });
  }

  /** Removes a member for good. Removing the leader itself starts a transfer and throws EDGE_RAFT_LEADER_REMOVAL_TRANSFERRING. */
  removeMember(id: NodeId): Proposed {
    return proposeConfChange(this.raft, { kind: ConfChangeKind.Remove, node: id });
  }

  /** Hands leadership to `target` (default: the most caught-up voter). Returns the target. */
  transferLeadership(target?: NodeId): NodeId {
    return transferLeadership(this.raft, target);
  }

  /**
   * Asks for a linearizable read. A later Ready carries a ReadState with this
   * `requestId` and an index: serve the read once that index is applied. No
   * answer means the read was dropped (leadership changed): time out, retry.
   */
  readIndex(requestId: number): void {
    readIndex(this.raft, requestId);
  }

  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    const raft = this.raft;
    const log = raft.log;
    if (raft.role === 'leader' && (raft.broadcastPending || raft.reads.needsRound())) return true;
    if (raft.hasMessages() || raft.hasReadStates()) return true;
    if (log.pendingSnapshot !== null || log.stabled < log.lastIndex() || log.committed > log.applying) return true;
    if (!sameHardState(raft.hardState(), this.previousHardState)) return true;
    return raft.leader !== this.previousSoftState.leader || raft.role !== this.previousSoftState.role;
  }

  /** What to persist, send and apply, in that order (see ready.ts). Call advance() when done. */
  ready(): Ready {
    assert(this.outstanding === null, 'ready() called again before advance()');
    const raft = this.raft;
    const log = raft.log;
    if (raft.role === 'leader') {
      flushBroadcast(raft);
      if (raft.reads.needsRound()) broadcastHeartbeat(raft);
    }
    const snapshot = log.pendingSnapshot;
    if (snapshot !== null && snapshot.meta.index > log.applying) log.applying = snapshot.meta.index;
    const committedEntries = log.nextCommitted(raft.config.committedBytesPerReadyMax);
    const lastCommitted = committedEntries[committedEntries.length - 1];
    if (lastCommitted !== undefined) log.applying = lastCommitted.index;
    const entries = log.unstableEntries();
    const hardState = raft.hardState();
    const hardStateChanged = !sameHardState(hardState, this.previousHardState);
    const softState: SoftState = { leader: raft.leader, role: raft.role };
    const softStateChanged = softState.leader !== this.previousSoftState.leader || softState.role !== this.previousSoftState.role;
    const ready: Ready = {
      softState: softStateChanged ? softState : null,
      hardState: hardStateChanged ? hardState : null,
      snapshot,
      entries,
      mustSync:
        snapshot !== null ||
        entries.length > 0 ||
        hardState.term !== this.previousHardState.term ||
        hardState.vote !== this.previousHardState.vote,
      messages: raft.takeMessages(),
      committedEntries,
      readStates: raft.takeReadStates(),
    };
    this.previousHardState = hardState;
    this.previousSoftState = softState;
    this.outstanding = ready;
    return ready;
  }

  /** The caller finished with `ready`: its entries are stored and its committed entries applied. */
  advance(ready: Ready): void {
    assert(this.outstanding === ready, 'advance() must get the Ready returned by the last ready()');
    const log = this.raft.log;
    if (ready.snapshot !== null) log.snapshotApplied(ready.snapshot.meta.index);
    const lastEntry = ready.entries[ready.entries.length - 1];
    if (lastEntry !== undefined) log.stableTo(lastEntry.index, lastEntry.term);
    const lastCommitted = ready.committedEntries[ready.committedEntries.length - 1];
    if (lastCommitted !== undefined) this.raft.appliedTo(lastCommitted.index);
    this.outstanding = null;
  }

  /** True when enough entries were applied since the last snapshot that the store should take one. */
  shouldSnapshot(): boolean {
    const log = this.raft.log;
    return log.applied - (log.snapshot?.meta.index ?? 0) >= this.raft.config.snapshotIntervalEntries;
  }

  /**
   * Records a snapshot of the state machine as of the applied index (`data`
   * is the store's serialized state) and compacts the log behind it. Returns
   * the Snapshot the caller must save (DurableStorage.saveSnapshot). Call it
   * between Readys, after advance().
   */
  snapshot(data: Uint8Array): Snapshot {
    const raft = this.raft;
    const log = raft.log;
    if (this.outstanding !== null || log.pendingSnapshot !== null) {
      throw new RaftError('EDGE_RAFT_SNAPSHOT_NOT_ALLOWED', 'a snapshot can only be taken between Readys, after advance(): call it again then', {
        retryable: true,
      });
    }
    const index = log.applied;
    if (index <= (log.snapshot?.meta.index ?? 0)) {
      throw new RaftError('EDGE_RAFT_SNAPSHOT_NOT_ALLOWED', `nothing was applied since the snapshot at ${index}: take one later`, {
        retryable: true,
      });
    }
    const term = log.term(index);
    assert(term !== undefined, `applied entry ${index} is not in memory`);
    const snapshot: Snapshot = { meta: { index, term, conf: raft.confAtApplied() }, data };
    log.compact(snapshot, raft.config.compactionTrailEntries);
    return snapshot;
  }

  status(): RaftStatus {
    const raft = this.raft;
    const log = raft.log;
    return {
      id: raft.id,
      role: raft.role,
      term: raft.term,
      vote: raft.vote,
      leader: raft.leader,
      commit: log.committed,
      applied: log.applied,
      firstIndex: log.firstIndex(),
      lastIndex: log.lastIndex(),
      snapshotIndex: log.snapshot?.meta.index ?? 0,
      voters: [...raft.tracker.conf.voters],
      learners: [...raft.tracker.conf.learners],
      transferTarget: raft.transferTarget,
      progress:
        raft.role === 'leader'
          ? [...raft.tracker.progress.values()].map((p) => ({ id: p.id, match: p.match, next: p.next, state: p.state }))
          : [],
    };
  }

  /** Cheap accessors for drivers and checkers that poll every step. */
  get role(): Role {
    return this.raft.role;
  }

  get term(): number {
    return this.raft.term;
  }

  get leader(): NodeId {
    return this.raft.leader;
  }

  get commitIndex(): number {
    return this.raft.log.committed;
  }

  /** Term of the entry at `index` in memory; undefined when compacted or absent. */
  entryTerm(index: number): number | undefined {
    return this.raft.log.term(index);
  }

  /** The entry at `index` if it is in memory. */
  entryAt(index: number): Entry | undefined {
    return this.raft.log.entry(index);
  }
}
