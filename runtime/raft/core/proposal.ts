/**
 * What a caller asks of the leader: proposals, conf changes, leadership
 * transfer and reads. Operating errors (not the leader, too much pending,
 * a change that cannot apply) are RaftErrors the caller handles; nothing
 * here changes state before every check has passed.
 */
import { EntryType, type NodeId } from '../types.js';
import { ConfChangeKind, confChangeProblem, describeConfChange, encodeConfChange, type ConfChange } from './confchange.js';
import { RaftError } from './errors.js';
import { maybeCommit, sendTimeoutNow } from './leader.js';
import { MessageType } from './messages.js';
import type { Raft } from './raft.js';
import type { PendingRead } from './readindex.js';
import { ProgressState } from './progress.js';
import { sendAppends } from './replication.js';

export interface Proposed {
  /** The entry's index and term: it is committed iff the entry applied at `index` has this `term`. */
  index: number;
  term: number;
}

function requireLeader(raft: Raft, what: string): void {
  if (raft.role === 'leader') return;
  if (raft.leader !== 0) {
    throw new RaftError('EDGE_RAFT_NOT_LEADER', `${what} must go to the leader, node ${raft.leader}: retry there`, {
      retryable: true,
      leaderHint: raft.leader,
    });
  }
  throw new RaftError('EDGE_RAFT_NO_LEADER', `${what} needs a leader and none is known right now: retry after an election (about a second)`, {
    retryable: true,
  });
}

export function propose(raft: Raft, type: EntryType, data: Uint8Array): Proposed {
  requireLeader(raft, 'a proposal');
  if (raft.transferTarget !== 0) {
    throw new RaftError('EDGE_RAFT_TRANSFER_IN_PROGRESS', `leadership is moving to node ${raft.transferTarget}: retry there shortly`, {
      retryable: true,
      leaderHint: raft.transferTarget,
    });
  }
  if (data.length > raft.config.proposalBytesMax) {
    throw new RaftError(
      'EDGE_RAFT_PROPOSAL_TOO_LARGE',
      `a proposal of ${data.length} bytes exceeds proposalBytesMax (${raft.config.proposalBytesMax}): split it or store the payload elsewhere`,
    );
  }
  if (raft.uncommittedBytes > 0 && raft.uncommittedBytes + data.length > raft.config.uncommittedBytesMax) {
    throw new RaftError(
      'EDGE_RAFT_PROPOSALS_BACKLOGGED',
      `${raft.uncommittedBytes} bytes of proposals are not committed yet (uncommittedBytesMax ${raft.config.uncommittedBytesMax}): slow down and retry when a quorum catches up`,
      { retryable: true, leaderHint: raft.id },
    );
  }
  const entry = { index: raft.log.lastIndex() + 1, term: raft.term, type, data };
  raft.appendOwn([entry]);
  raft.uncommittedBytes += data.length;
  maybeCommit(raft);
  return { index: entry.index, term: entry.term };
}

export function proposeConfChange(raft: Raft, change: ConfChange): Proposed {
  requireLeader(raft, 'a membership change');
  if (change.kind === ConfChangeKind.Bootstrap) {
    throw new RaftError('EDGE_RAFT_CONF_CHANGE_INVALID', 'a running cluster cannot be bootstrapped again: add members one at a time');
  }
  if (raft.pendingConfIndex > raft.log.committed) {
    throw new RaftError(
      'EDGE_RAFT_CONF_CHANGE_PENDING',
      `another membership change (entry ${raft.pendingConfIndex}) is not committed yet, and changes go one at a time: retry when it is`,
      { retryable: true, leaderHint: raft.id },
    );
  }
  const problem = confChangeProblem(raft.tracker.conf, change);
  if (problem !== null) throw new RaftError('EDGE_RAFT_CONF_CHANGE_INVALID', `cannot ${describeConfChange(change)}: ${problem}`);
  if (change.kind === ConfChangeKind.Remove && change.node === raft.id) {
    // A leader does not remove itself: it hands over first, and the new leader removes it.
    const target = transferLeadership(raft);
    throw new RaftError(
      'EDGE_RAFT_LEADER_REMOVAL_TRANSFERRING',
      `node ${raft.id} is the leader: leadership is moving to node ${target}; retry the removal there`,
      { retryable: true, leaderHint: target },
    );
  }
  const proposed = propose(raft, EntryType.ConfChange, encodeConfChange(change));
  raft.pendingConfIndex = proposed.index;
  return proposed;
}

/** The voter (not us) with the longest matching log; lowest id on a tie. 0 when there is none. */
function bestTransferTarget(raft: Raft): NodeId {
  let best: NodeId = 0;
  let bestMatch = -1;
  for (const id of [...raft.tracker.conf.voters].sort((a, b) => a - b)) {
    if (id === raft.id) continue;
    const match = raft.tracker.get(id)?.match ?? 0;
    if (match > bestMatch) {
      best = id;
      bestMatch = match;
    }
  }
  return best;
}

/** Starts handing leadership to `target` (default: the best caught-up voter). Returns the target. */
export function transferLeadership(raft: Raft, target?: NodeId): NodeId {
  requireLeader(raft, 'a leadership transfer');
  const chosen = target ?? bestTransferTarget(raft);
  if (chosen === raft.id) return chosen;
  if (chosen === 0 || !raft.tracker.isVoter(chosen)) {
    throw new RaftError(
      'EDGE_RAFT_TRANSFER_TARGET_INVALID',
      chosen === 0 ? 'there is no other voter to hand leadership to: add a manager first' : `node ${chosen} is not a voter: pick a voting manager`,
    );
  }
  if (raft.transferTarget === chosen) return chosen;
  raft.transferTarget = chosen;
  raft.transferElapsed = 0;
  const progress = raft.tracker.get(chosen)!;
  if (progress.match === raft.log.lastIndex()) {
    sendTimeoutNow(raft, chosen);
    return chosen;
  }
  // Resend from the last acknowledged entry rather than trust appends in flight:
  // a transfer should not wait for the resend timeout if some were lost.
  if (progress.state === ProgressState.Replicate) progress.becomeProbe();
  sendAppends(raft, chosen);
  return chosen;
}

/** A read asked of this node by its own caller. */
export function readIndex(raft: Raft, requestId: number): void {
  if (raft.role === 'leader') {
    if (raft.reads.full()) {
      throw new RaftError('EDGE_RAFT_READ_QUEUE_FULL', `${raft.reads.size()} reads are already waiting (pendingReadsMax): retry shortly`, {
        retryable: true,
        leaderHint: raft.id,
      });
    }
    leaderRead(raft, requestId, raft.id);
    return;
  }
  if (raft.leader === 0) requireLeader(raft, 'a linearizable read');
  raft.send({ type: MessageType.ReadIndex, from: raft.id, to: raft.leader, term: raft.term, requestId });
}

/** Leader: a read from our caller or forwarded by a follower (dropped when the queue is full: it times out). */
export function leaderRead(raft: Raft, requestId: number, origin: NodeId): void {
  if (raft.reads.full()) return;
  if (raft.log.term(raft.log.committed) !== raft.term) {
    raft.reads.wait(requestId, origin);
    return;
  }
  registerRead(raft, requestId, origin);
}

export function registerRead(raft: Raft, requestId: number, origin: NodeId): void {
  const index = raft.log.committed;
  if (raft.tracker.conf.voters.length === 1 && raft.tracker.isVoter(raft.id)) {
    deliverRead(raft, { requestId, origin, index, round: 0 });
    return;
  }
  raft.reads.add(requestId, origin, index);
}

export function confirmReads(raft: Raft): void {
  for (const read of raft.reads.takeConfirmed(raft.tracker.conf.voters, raft.id)) deliverRead(raft, read);
}

function deliverRead(raft: Raft, read: PendingRead): void {
  if (read.origin === raft.id) raft.addReadState({ requestId: read.requestId, index: read.index });
  else raft.send({ type: MessageType.ReadIndexResponse, from: raft.id, to: read.origin, term: raft.term, requestId: read.requestId, index: read.index });
}
