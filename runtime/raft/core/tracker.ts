/**
 * Who is in the cluster and, on the leader, how far each member's log is.
 * The configuration changes only through `setConf` (a committed ConfChange
 * or a snapshot); progress entries follow it.
 */
import { assert } from '../../common/assert.js';
import type { NodeId } from '../types.js';
import { copyConf, type CoreConfState } from './confchange.js';
import { Progress } from './progress.js';
import { majorityValue, voteOutcome, type VoteOutcome } from './quorum.js';

export class ProgressTracker {
  conf: CoreConfState;
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(
    conf: CoreConfState,
    private readonly window: { messagesMax: number; bytesMax: number },
  ) {
    this.conf = copyConf(conf);
  }

  isVoter(id: NodeId): boolean {
    return this.conf.voters.includes(id);
  }

  isLearner(id: NodeId): boolean {
    return this.conf.learners.includes(id);
  }

  isMember(id: NodeId): boolean {
    return this.isVoter(id) || this.isLearner(id);
  }

  members(): NodeId[] {
    return [...this.conf.voters, ...this.conf.learners];
  }

  /** Installs a new configuration, keeping progress of members who stay and starting new ones at `nextIndex`. */
  setConf(conf: CoreConfState, nextIndex: number): void {
    this.conf = copyConf(conf);
    const members = new Set(this.members());
    for (const id of [...this.progress.keys()]) if (!members.has(id)) this.progress.delete(id);
    for (const id of members) if (!this.progress.has(id)) this.progress.set(id, new Progress(id, nextIndex, this.window));
  }

  /** Forgets all replication state, e.g. on a new term. */
  resetProgress(nextIndex: number): void {
    this.progress.clear();
    for (const id of this.members()) this.progress.set(id, new Progress(id, nextIndex, this.window));
  }

  get(id: NodeId): Progress | undefined {
    return this.progress.get(id);
  }

  /** The index a majority of voters have: what the leader may commit (if of its term). */
  committedIndex(): number {
    return majorityValue(this.conf.voters, (id) => this.progress.get(id)?.match ?? 0);
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  voteOutcome(): VoteOutcome {
    return voteOutcome(this.conf.voters, this.votes);
  }

  /** CheckQuorum: did a majority of voters (counting `self`) speak to the leader recently? */
  quorumActive(self: NodeId): boolean {
    const active = majorityValue(this.conf.voters, (id) => (id === self || this.progress.get(id)?.recentActive ? 1 : 0));
    return active === 1;
  }

  resetRecentActive(self: NodeId): void {
    for (const progress of this.progress.values()) progress.recentActive = progress.id === self;
  }

  assertConsistent(): void {
    for (const id of this.members()) assert(this.progress.has(id), `member ${id} has no progress`);
  }
}
