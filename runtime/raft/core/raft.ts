/**
 * The Raft state machine: terms, votes, role changes and the checks every
 * message goes through before its role's handler sees it. Roles are swapped
 * handlers (follower.ts, candidate.ts, leader.ts): becoming a leader installs
 * `stepLeader` and `tickLeader`, and nothing else in this file asks which
 * role we are in to decide what a message means.
 *
 * Nothing here touches a clock, a socket or a disk: time is `tick()`,
 * randomness is the injected Rng, output is the outbox that core.ts hands to
 * the caller in a Ready.
 */
import { assert } from '../../common/assert.js';
import type { Rng } from '../../common/rng.js';
import { EntryType, type Entry, type HardState, type NodeId, type RecoveredState, type Snapshot } from '../types.js';
import { stepCandidate } from './candidate.js';
import {
  applyConfChange,
  confChangeProblem,
  copyConf,
  decodeConfChange,
  emptyConf,
  isNodeId,
  type ConfChange,
  type CoreConfState,
} from './confchange.js';
import { validateConfig, type RaftConfig } from './config.js';
import { stepFollower, tickElection } from './follower.js';
import { maybeCommit, onLeaderConfChange, stepLeader, tickLeader } from './leader.js';
import { RaftLog } from './log.js';
import { MessageType, type Message, type VoteRequest } from './messages.js';
import { ReadIndexQueue, type ReadState } from './readindex.js';
import { SnapshotAssembly } from './snapshot-assembly.js';
import { ProgressTracker } from './tracker.js';

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';
export type StepHandler = (raft: Raft, message: Message) => void;
export type TickHandler = (raft: Raft) => void;
export type CampaignKind = 'pre-vote' | 'election' | 'transfer';

export class Raft {
  readonly id: NodeId;
  readonly config: RaftConfig;
  private readonly rng: Rng;
  term: number;
  /** Whom we voted for in `term`; 0 for nobody. */
  vote: NodeId;
  /** The leader of `term` as far as we know; 0 for unknown. */
  leader: NodeId = 0;
  role: Role = 'follower';
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  /** Ticks since we last heard from a leader (follower) or since the last quorum check (leader). */
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** Leader: the voter leadership is being handed to; 0 when no transfer is under way. */
  transferTarget: NodeId = 0;
  /** Leader: ticks since the transfer started; it is abandoned after an election timeout. */
  transferElapsed = 0;
  /** Leader: index of the latest conf change it appended; no new one until that one commits. */
  pendingConfIndex = 0;
  /** Leader: bytes of proposals appended in this term and not yet committed. */
  uncommittedBytes = 0;
  /** Leader: new entries or a new commit index wait to be sent at the next flush. */
  broadcastPending = false;
  readonly reads: ReadIndexQueue;
  readonly assembly: SnapshotAssembly;
  stepRole: StepHandler = stepFollower;
  tickRole: TickHandler = tickElection;
  /** The configuration as of the applied index, and committed changes beyond it (for snapshot metadata). */
  private appliedConf: CoreConfState;
  private confHistory: Array<{ index: number; conf: CoreConfState }> = [];
  private outbox: Message[] = [];
  private readStates: ReadState[] = [];

  constructor(config: RaftConfig, recovered: RecoveredState, rng: Rng) {
    this.config = validateConfig(config);
    this.id = config.id;
    this.rng = rng;
    this.log = new RaftLog(recovered);
    this.term = recovered.hardState.term;
    this.vote = recovered.hardState.vote;
    const conf = recovered.snapshot === null ? emptyConf() : copyConf(recovered.snapshot.meta.conf);
    this.appliedConf = conf;
    this.tracker = new ProgressTracker(conf, { messagesMax: config.inflightMessagesMax, bytesMax: config.inflightBytesMax });
    this.tracker.setConf(conf, this.log.lastIndex() + 1);
    this.reads = new ReadIndexQueue(config.pendingReadsMax);
    this.assembly = new SnapshotAssembly(config.snapshotBytesMax);
    // Committed conf changes take effect now, not when re-applied: a restarted
    // node must never campaign or count votes with a configuration older than
    // what it already knows is committed.
    this.takeEffect(this.log.firstIndex(), this.log.committed);
    this.becomeFollower(this.term, 0);
  }

  // ---- messages in ----

  step(message: Message): void {
    if (message.to !== this.id || !isNodeId(message.from) || message.from === this.id) return;
    if (message.term > this.term) {
      if (!this.acceptHigherTerm(message)) return;
    } else if (message.term < this.term) {
      this.answerLowerTerm(message);
      return;
    }
    if (message.type === MessageType.PreVote || message.type === MessageType.Vote) {
      this.answerVote(message);
      return;
    }
    this.stepRole(this, message);
  }

  /** A message from a higher term. Returns false when it must be ignored. */
  private acceptHigherTerm(message: Message): boolean {
    if (message.type === MessageType.PreVote || message.type === MessageType.Vote) {
      // The leader lease: while we hear from a leader, a node that lost touch
      // with it (a partition that just healed) cannot start a new term.
      const inLease = this.config.checkQuorum && this.leader !== 0 && this.electionElapsed < this.config.electionTimeoutTicksMin;
      if (inLease && !message.transfer) return false;
      if (message.type === MessageType.PreVote) return true;
    }
    // A granted pre-vote carries the term the candidate will use, not a term anyone is in.
    if (message.type === MessageType.PreVoteResponse && message.granted) return true;
    const carriesLeader =
      message.type === MessageType.Append || message.type === MessageType.Heartbeat || message.type === MessageType.SnapshotChunk;
    this.becomeFollower(message.term, carriesLeader ? message.from : 0);
    return true;
  }

  private answerLowerTerm(message: Message): void {
    if (message.type === MessageType.Append || message.type === MessageType.Heartbeat) {
      // A leader from an older term: tell it our term so it steps down. Without
      // this, a node whose term rose while cut off could never rejoin, because
      // CheckQuorum makes others ignore its vote requests.
      this.send({ type: MessageType.AppendResponse, from: this.id, to: message.from, term: this.term, reject: true, index: 0, hintIndex: 0, hintTerm: 0 });
    } else if (message.type === MessageType.PreVote) {
      this.send({ type: MessageType.PreVoteResponse, from: this.id, to: message.from, term: this.term, granted: false });
    }
  }

  private answerVote(request: VoteRequest): void {
    const responseType = request.type === MessageType.PreVote ? MessageType.PreVoteResponse : MessageType.VoteResponse;
    const canVote =
      this.vote === request.from ||
      (this.vote === 0 && this.leader === 0) ||
      (request.type === MessageType.PreVote && request.term > this.term);
    if (canVote && this.log.isUpToDate(request.lastLogIndex, request.lastLogTerm)) {
      this.send({ type: responseType, from: this.id, to: request.from, term: request.term, granted: true });
      if (request.type === MessageType.Vote) {
        this.electionElapsed = 0;
        this.vote = request.from;
      }
    } else {
      this.send({ type: responseType, from: this.id, to: request.from, term: this.term, granted: false });
    }
  }

  tick(): void {
    this.tickRole(this);
  }

  // ---- roles ----

  becomeFollower(term: number, leader: NodeId): void {
    this.reset(term);
    this.stepRole = stepFollower;
    this.tickRole = tickElection;
    this.leader = leader;
    this.role = 'follower';
  }

  private becomePreCandidate(): void {
    assert(this.role !== 'leader', 'a leader cannot become a pre-candidate');
    // No reset: a pre-candidate keeps its term and vote, it only asks around.
    this.stepRole = stepCandidate;
    this.tickRole = tickElection;
    this.tracker.resetVotes();
    this.leader = 0;
    this.role = 'pre-candidate';
  }

  private becomeCandidate(): void {
    assert(this.role !== 'leader', 'a leader cannot become a candidate');
    this.reset(this.term + 1);
    this.stepRole = stepCandidate;
    this.tickRole = tickElection;
    this.vote = this.id;
    this.role = 'candidate';
  }

  becomeLeader(): void {
    assert(this.role === 'candidate', `only a candidate becomes leader, not a ${this.role}`);
    this.reset(this.term);
    this.stepRole = stepLeader;
    this.tickRole = tickLeader;
    this.leader = this.id;
    this.role = 'leader';
    this.tracker.get(this.id)?.becomeReplicate();
    // Until an entry of this term commits, this leader does not know the true
    // commit index; no conf change may be proposed before then (the fix to
    // the 2015 single-server membership bug), and reads wait too.
    this.appendOwn([{ index: this.log.lastIndex() + 1, term: this.term, type: EntryType.Normal, data: new Uint8Array(0) }]);
    this.pendingConfIndex = this.log.lastIndex();
    maybeCommit(this); // a single voter commits on its own
  }

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = 0;
    }
    this.leader = 0;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout =
      this.config.electionTimeoutTicksMin + this.rng.int(this.config.electionTimeoutTicksMax - this.config.electionTimeoutTicksMin + 1);
    this.transferTarget = 0;
    this.transferElapsed = 0;
    this.tracker.resetVotes();
    this.tracker.resetProgress(this.log.lastIndex() + 1);
    const self = this.tracker.get(this.id);
    if (self !== undefined) self.match = this.log.lastIndex();
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    this.broadcastPending = false;
    this.reads.reset();
    this.assembly.clear();
  }

  /** May this node stand for election? Only voters, and not while a received snapshot is unapplied. */
  promotable(): boolean {
    return this.tracker.isVoter(this.id) && this.log.pendingSnapshot === null;
  }

  campaign(kind: CampaignKind): void {
    if (!this.promotable()) return;
    let voteTerm: number;
    let type: typeof MessageType.PreVote | typeof MessageType.Vote;
    if (kind === 'pre-vote') {
      this.becomePreCandidate();
      voteTerm = this.term + 1;
      type = MessageType.PreVote;
    } else {
      this.becomeCandidate();
      voteTerm = this.term;
      type = MessageType.Vote;
    }
    this.tracker.recordVote(this.id, true);
    if (this.tracker.voteOutcome() === 'won') {
      // A single voter wins at once.
      if (kind === 'pre-vote') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    for (const voter of this.tracker.conf.voters) {
      if (voter === this.id) continue;
      this.send({
        type,
        from: this.id,
        to: voter,
        term: voteTerm,
        lastLogIndex: this.log.lastIndex(),
        lastLogTerm: this.log.lastTerm(),
        transfer: kind === 'transfer',
      });
    }
  }

  // ---- log and commit ----

  /** Leader: appends its own entries and counts them as replicated to itself. */
  appendOwn(entries: readonly Entry[]): void {
    this.log.append(entries);
    const self = this.tracker.get(this.id);
    if (self !== undefined) self.maybeUpdate(this.log.lastIndex());
    this.broadcastPending = true;
  }

  /** Moves the commit index and makes committed conf changes take effect. */
  commitTo(index: number): void {
    const previous = this.log.committed;
    this.log.commitTo(index);
    if (this.log.committed > previous) this.takeEffect(previous + 1, this.log.committed);
  }

  private takeEffect(from: number, through: number): void {
    for (let index = from; index <= through; index += 1) {
      const entry = this.log.entry(index);
      assert(entry !== undefined, `committed entry ${index} is missing`);
      if (entry.type !== EntryType.ConfChange) continue;
      const change = decodeConfChange(entry.data);
      // An undecodable or inapplicable change is a no-op on every replica alike.
      if (change === null || confChangeProblem(this.tracker.conf, change) !== null) continue;
      this.changeConf(index, applyConfChange(this.tracker.conf, change), change);
    }
  }

  private changeConf(index: number, conf: CoreConfState, change: ConfChange): void {
    this.tracker.setConf(conf, this.log.lastIndex() + 1);
    this.confHistory.push({ index, conf });
    if (this.role === 'leader') onLeaderConfChange(this, change);
    else if (!this.tracker.isVoter(this.id) && this.role !== 'follower') this.becomeFollower(this.term, 0);
  }

  /** The caller applied everything through `index`. */
  appliedTo(index: number): void {
    this.log.appliedTo(index);
    while (this.confHistory.length > 0 && this.confHistory[0]!.index <= this.log.applied) {
      this.appliedConf = this.confHistory.shift()!.conf;
    }
  }

  /** The configuration in force at the applied index: what a snapshot taken now records. */
  confAtApplied(): CoreConfState {
    return copyConf(this.appliedConf);
  }

  /**
   * Follower: installs a snapshot from the leader. Returns false when it
   * brought nothing new (our log already had it, maybe only the commit moved).
   */
  restore(snapshot: Snapshot): boolean {
    const { index, term } = snapshot.meta;
    if (index <= this.log.committed) return false;
    if (this.log.matchTerm(index, term)) {
      this.commitTo(index);
      return false;
    }
    this.log.restore(snapshot);
    const conf = copyConf(snapshot.meta.conf);
    this.tracker.setConf(conf, this.log.lastIndex() + 1);
    this.appliedConf = conf;
    this.confHistory = [];
    return true;
  }

  // ---- output ----

  send(message: Message): void {
    this.outbox.push(message);
  }

  takeMessages(): Message[] {
    const messages = this.outbox;
    this.outbox = [];
    return messages;
  }

  hasMessages(): boolean {
    return this.outbox.length > 0;
  }

  addReadState(state: ReadState): void {
    this.readStates.push(state);
  }

  takeReadStates(): ReadState[] {
    const states = this.readStates;
    this.readStates = [];
    return states;
  }

  hasReadStates(): boolean {
    return this.readStates.length > 0;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }
}
