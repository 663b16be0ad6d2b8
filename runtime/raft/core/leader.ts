/**
 * The leader role: react to members' answers, commit by counting, confirm
 * reads, keep the heartbeat and CheckQuorum going, hand leadership over.
 */
import { MessageType, type AppendResponse, type HeartbeatResponse, type Message, type SnapshotChunkResponse } from './messages.js';
import { ConfChangeKind, type ConfChange } from './confchange.js';
import { isRaftError } from './errors.js';
import { ProgressState, type Progress } from './progress.js';
import type { Raft } from './raft.js';
import { broadcastHeartbeat, maybeSendAppend, sendAppends, sendSnapshotChunk } from './replication.js';
import { confirmReads, proposeConfChange, registerRead, leaderRead } from './proposal.js';

export function stepLeader(raft: Raft, message: Message): void {
  switch (message.type) {
    case MessageType.AppendResponse:
      onAppendResponse(raft, message);
      return;
    case MessageType.HeartbeatResponse:
      onHeartbeatResponse(raft, message);
      return;
    case MessageType.SnapshotChunkResponse:
      onSnapshotChunkResponse(raft, message);
      return;
    case MessageType.ReadIndex:
      leaderRead(raft, message.requestId, message.from);
      return;
    default:
      // Vote traffic of our own term was answered in raft.ts; a second leader
      // of our term cannot exist, so its appends are ignored.
      return;
  }
}

export function tickLeader(raft: Raft): void {
  raft.heartbeatElapsed += 1;
  raft.electionElapsed += 1;
  if (raft.transferTarget !== 0) {
    raft.transferElapsed += 1;
    // A transfer that has not happened within an election timeout failed: resume normal service.
    if (raft.transferElapsed >= raft.config.electionTimeoutTicksMin) raft.transferTarget = 0;
  }
  if (raft.electionElapsed >= raft.config.electionTimeoutTicksMin) {
    raft.electionElapsed = 0;
    if (raft.config.checkQuorum) {
      if (!raft.tracker.quorumActive(raft.id)) {
        // Cut off from a majority: someone else may be leader by now. Stop
        // accepting proposals and reads that could never commit.
        raft.becomeFollower(raft.term, 0);
        return;
      }
      raft.tracker.resetRecentActive(raft.id);
    }
  }
  resendStalled(raft);
  if (raft.heartbeatElapsed >= raft.config.heartbeatIntervalTicks) {
    raft.heartbeatElapsed = 0;
    broadcastHeartbeat(raft);
  }
}

/** Appends or chunks that got no answer for resendTimeoutTicks are presumed lost and sent again. */
function resendStalled(raft: Raft): void {
  for (const progress of raft.tracker.progress.values()) {
    if (progress.id === raft.id) continue;
    const waiting =
      progress.state === ProgressState.Snapshot ||
      (progress.state === ProgressState.Replicate && progress.inflights.count() > 0) ||
      (progress.state === ProgressState.Probe && progress.probeSent);
    if (!waiting) continue;
    progress.stallTicks += 1;
    if (progress.stallTicks < raft.config.resendTimeoutTicks) continue;
    progress.stallTicks = 0;
    if (progress.state === ProgressState.Snapshot) {
      sendSnapshotChunk(raft, progress);
    } else {
      progress.becomeProbe();
      sendAppends(raft, progress.id);
    }
  }
}

function onAppendResponse(raft: Raft, message: AppendResponse): void {
  const progress = raft.tracker.get(message.from);
  if (progress === undefined) return;
  progress.recentActive = true;
  if (message.reject) {
    let hint = message.hintIndex;
    // Skip every entry of ours whose term is above the follower's term at the hint: none can match.
    if (message.hintTerm > 0) hint = raft.log.findConflictByTerm(message.hintIndex, message.hintTerm).index;
    if (progress.maybeDecreaseTo(message.index, hint)) {
      if (progress.state === ProgressState.Replicate) progress.becomeProbe();
      sendAppends(raft, message.from);
    }
    return;
  }
  if (progress.maybeUpdate(message.index)) {
    if (progress.state === ProgressState.Probe) {
      progress.becomeReplicate();
    } else if (progress.state === ProgressState.Snapshot && progress.match >= progress.snapshotIndex) {
      progress.becomeProbe();
      progress.becomeReplicate();
    } else if (progress.state === ProgressState.Replicate) {
      progress.inflights.freeTo(message.index);
    }
    if (maybeCommit(raft)) raft.broadcastPending = true;
    if (raft.role !== 'leader') return;
    if (message.from === raft.transferTarget && progress.match === raft.log.lastIndex()) sendTimeoutNow(raft, message.from);
    maybePromoteLearner(raft, progress);
  }
  // Keep streaming; and a member that answered after the commit moved learns it now, not at the next heartbeat.
  const sent = sendAppends(raft, message.from);
  if (sent === 0 && !raft.broadcastPending && progress.commitSent < raft.log.committed) maybeSendAppend(raft, message.from, true);
}

function onHeartbeatResponse(raft: Raft, message: HeartbeatResponse): void {
  const progress = raft.tracker.get(message.from);
  if (progress === undefined) return;
  progress.recentActive = true;
  if (progress.state === ProgressState.Probe) {
    // The member is reachable: let one probe out now rather than after the resend timeout.
    progress.probeSent = false;
    if (progress.match < raft.log.lastIndex()) maybeSendAppend(raft, message.from, true);
  }
  raft.reads.recordEcho(message.from, message.round);
  confirmReads(raft);
  maybePromoteLearner(raft, progress);
}

function onSnapshotChunkResponse(raft: Raft, message: SnapshotChunkResponse): void {
  const progress = raft.tracker.get(message.from);
  if (progress === undefined || progress.state !== ProgressState.Snapshot) return;
  if (message.snapshotIndex !== progress.snapshotIndex) return;
  progress.recentActive = true;
  // Only answers that move forward, or ask to start over, trigger a send: a
  // duplicated answer must not multiply the chunks in flight.
  const forward = message.nextOffset > progress.snapshotOffsetBytes;
  const restart = message.nextOffset === 0 && progress.snapshotOffsetBytes > 0;
  if (!forward && !restart) return;
  progress.snapshotOffsetBytes = message.nextOffset;
  sendSnapshotChunk(raft, progress);
}

/**
 * Commits whatever a majority holds, if it is of this term (Raft §5.4.2:
 * entries of earlier terms are committed only indirectly). Loops because a
 * conf change taking effect can change the majority.
 */
export function maybeCommit(raft: Raft): boolean {
  let advanced = false;
  for (;;) {
    if (raft.role !== 'leader') return advanced;
    const index = raft.tracker.committedIndex();
    if (index <= raft.log.committed || raft.log.term(index) !== raft.term) return advanced;
    const firstInTerm = raft.log.term(raft.log.committed) !== raft.term;
    for (let at = raft.log.committed + 1; at <= index; at += 1) {
      const entry = raft.log.entry(at)!;
      if (entry.term === raft.term) raft.uncommittedBytes -= entry.data.length;
    }
    raft.commitTo(index);
    advanced = true;
    if (firstInTerm && raft.role === 'leader') {
      for (const read of raft.reads.takeWaiting()) registerRead(raft, read.requestId, read.origin);
    }
  }
}

export function onLeaderConfChange(raft: Raft, change: ConfChange): void {
  if (!raft.tracker.isVoter(raft.id)) {
    // Removed (or never a voter): a leader outside the configuration must not go on.
    raft.becomeFollower(raft.term, 0);
    return;
  }
  if (raft.transferTarget !== 0 && !raft.tracker.isVoter(raft.transferTarget)) raft.transferTarget = 0;
  // New members get probed at the next flush; a smaller majority may confirm reads.
  if (change.kind === ConfChangeKind.AddLearner) raft.broadcastPending = true;
  confirmReads(raft);
}

export function sendTimeoutNow(raft: Raft, to: number): void {
  raft.send({ type: MessageType.TimeoutNow, from: raft.id, to, term: raft.term });
}

function maybePromoteLearner(raft: Raft, progress: Progress): void {
  if (!raft.config.learnerAutoPromote || !raft.tracker.isLearner(progress.id)) return;
  if (raft.pendingConfIndex > raft.log.committed || raft.transferTarget !== 0) return;
  if (progress.match + raft.config.learnerCatchUpEntriesMax < raft.log.lastIndex()) return;
  try {
    proposeConfChange(raft, { kind: ConfChangeKind.PromoteLearner, node: progress.id });
  } catch (error) {
    // Refused for now (e.g. a proposal backlog): the next answer from the learner tries again.
    if (!isRaftError(error)) throw error;
  }
}
