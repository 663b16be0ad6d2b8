/**
 * The follower role: accept the leader's log, commit index and snapshots;
 * start an election when the leader goes quiet. Also the receiving half of
 * replication, which a candidate uses too once it learns of a leader.
 */
import type { Raft } from './raft.js';
import {
  MessageType,
  type AppendRequest,
  type HeartbeatRequest,
  type Message,
  type SnapshotChunkRequest,
} from './messages.js';

export function stepFollower(raft: Raft, message: Message): void {
  switch (message.type) {
    case MessageType.Append:
      heardFromLeader(raft, message.from);
      receiveAppend(raft, message);
      return;
    case MessageType.Heartbeat:
      heardFromLeader(raft, message.from);
      receiveHeartbeat(raft, message);
      return;
    case MessageType.SnapshotChunk:
      heardFromLeader(raft, message.from);
      receiveSnapshotChunk(raft, message);
      return;
    case MessageType.TimeoutNow:
      // The leader hands over: campaign at once, skipping PreVote, and tell
      // voters to disregard their lease (they still check our log).
      if (message.from === raft.leader) raft.campaign('transfer');
      return;
    case MessageType.ReadIndexResponse:
      raft.addReadState({ requestId: message.requestId, index: message.index });
      return;
    default:
      // Responses meant for a leader or candidate we no longer are, and reads
      // forwarded to us by mistake: the sender retries.
      return;
  }
}

/** Followers (and candidates, pre-candidates) count down to an election. */
export function tickElection(raft: Raft): void {
  raft.electionElapsed += 1;
  if (raft.promotable() && raft.electionElapsed >= raft.randomizedElectionTimeout) {
    raft.electionElapsed = 0;
    raft.campaign(raft.config.preVote ? 'pre-vote' : 'election');
  }
}

function heardFromLeader(raft: Raft, leader: number): void {
  raft.electionElapsed = 0;
  raft.leader = leader;
}

export function receiveAppend(raft: Raft, message: AppendRequest): void {
  const log = raft.log;
  if (message.prevLogIndex < log.committed) {
    // Already committed here: an old or duplicated append. Say how far we are.
    respondAppend(raft, message.from, false, log.committed);
    return;
  }
  const lastNew = log.maybeAppend(message.prevLogIndex, message.prevLogTerm, message.entries);
  if (lastNew !== null) {
    // Only what this message vouches for may be committed: entries beyond
    // lastNew could be leftovers of an older leader.
    raft.commitTo(Math.min(message.commit, lastNew));
    respondAppend(raft, message.from, false, lastNew);
    return;
  }
  const hint = log.findConflictByTerm(message.prevLogIndex, message.prevLogTerm);
  raft.send({
    type: MessageType.AppendResponse,
    from: raft.id,
    to: message.from,
    term: raft.term,
    reject: true,
    index: message.prevLogIndex,
    hintIndex: hint.index,
    hintTerm: hint.term,
  });
}

function respondAppend(raft: Raft, to: number, reject: boolean, index: number): void {
  raft.send({ type: MessageType.AppendResponse, from: raft.id, to, term: raft.term, reject, index, hintIndex: 0, hintTerm: 0 });
}

export function receiveHeartbeat(raft: Raft, message: HeartbeatRequest): void {
  // The leader sends min(our match, its commit), so this never runs past what we hold.
  raft.commitTo(Math.min(message.commit, raft.log.lastIndex()));
  raft.send({ type: MessageType.HeartbeatResponse, from: raft.id, to: message.from, term: raft.term, round: message.round });
}

export function receiveSnapshotChunk(raft: Raft, message: SnapshotChunkRequest): void {
  if (message.meta.index <= raft.log.committed) {
    // We caught up some other way: no need for the rest of it.
    raft.assembly.clear();
    respondAppend(raft, message.from, false, raft.log.committed);
    return;
  }
  const outcome = raft.assembly.accept(message);
  if (outcome.kind === 'refused') {
    // Nothing we can do: the operator must raise snapshotBytesMax. Answering
    // "start over" keeps the leader retrying slowly instead of stalling silently.
    sendChunkResponse(raft, message, 0);
    return;
  }
  if (outcome.kind === 'incomplete') {
    sendChunkResponse(raft, message, outcome.nextOffset);
    return;
  }
  // Installed, or our log already had its last entry: either way we match the leader through our commit.
  raft.restore(outcome.snapshot);
  respondAppend(raft, message.from, false, raft.log.committed);
}

function sendChunkResponse(raft: Raft, message: SnapshotChunkRequest, nextOffset: number): void {
  raft.send({
    type: MessageType.SnapshotChunkResponse,
    from: raft.id,
    to: message.from,
    term: raft.term,
    snapshotIndex: message.meta.index,
    nextOffset,
  });
}
