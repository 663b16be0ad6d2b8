/**
 * The leader's sending side: appends (batched and pipelined within the
 * inflight window), heartbeats, and snapshot chunks for members whose next
 * entry was compacted away.
 */
import { assert } from '../../common/assert.js';
import type { NodeId } from '../types.js';
import { entriesBytes, MessageType } from './messages.js';
import { ProgressState, type Progress } from './progress.js';
import type { Raft } from './raft.js';

/**
 * Sends one append to `to` if its progress allows. With `evenIfEmpty` an
 * append without entries still goes out (to carry the commit index or probe).
 * Returns true if a message was sent.
 */
export function maybeSendAppend(raft: Raft, to: NodeId, evenIfEmpty: boolean): boolean {
  const progress = raft.tracker.get(to);
  if (progress === undefined || progress.isPaused()) return false;
  const prevLogIndex = progress.next - 1;
  const prevLogTerm = raft.log.term(prevLogIndex);
  const entries = raft.log.slice(progress.next, raft.config.appendBytesMax);
  if (prevLogTerm === undefined || entries === null) {
    startSnapshot(raft, progress);
    return true;
  }
  if (entries.length === 0 && !evenIfEmpty) return false;
  const bytes = entriesBytes(entries);
  const lastIndex = prevLogIndex + entries.length;
  raft.send({
    type: MessageType.Append,
    from: raft.id,
    to,
    term: raft.term,
    prevLogIndex,
    prevLogTerm,
    entries,
    commit: raft.log.committed,
  });
  progress.sentAppend(lastIndex, entries.length, bytes);
  progress.commitSent = Math.max(progress.commitSent, raft.log.committed);
  return true;
}

/** Streams appends to `to` until it is caught up or its window is full. Returns how many went out. */
export function sendAppends(raft: Raft, to: NodeId): number {
  // Bounded: each append fills a window slot, or pauses a probe, or stops the loop.
  const limit = raft.config.inflightMessagesMax + 1;
  let sent = 0;
  while (sent < limit && maybeSendAppend(raft, to, false)) {
    sent += 1;
    if (raft.tracker.get(to)?.state !== ProgressState.Replicate) break;
  }
  return sent;
}

/**
 * Sends what accumulated since the last flush: new entries to every member,
 * or an empty append carrying a new commit index. Called once per Ready, so
 * every proposal made in between travels in one batch.
 */
export function flushBroadcast(raft: Raft): void {
  if (!raft.broadcastPending) return;
  raft.broadcastPending = false;
  for (const id of raft.tracker.members()) {
    if (id === raft.id) continue;
    if (sendAppends(raft, id) === 0) maybeSendAppend(raft, id, true);
  }
}

export function broadcastHeartbeat(raft: Raft): void {
  const round = raft.reads.nextRound();
  for (const id of raft.tracker.members()) {
    if (id === raft.id) continue;
    const progress = raft.tracker.get(id)!;
    // Never past what the member holds, or it would commit entries it lacks.
    const commit = Math.min(progress.match, raft.log.committed);
    progress.commitSent = Math.max(progress.commitSent, commit);
    raft.send({ type: MessageType.Heartbeat, from: raft.id, to: id, term: raft.term, commit, round });
  }
}

function startSnapshot(raft: Raft, progress: Progress): void {
  const snapshot = raft.log.snapshot;
  assert(snapshot !== null, `entries for member ${progress.id} are compacted but there is no snapshot`);
  progress.becomeSnapshot(snapshot.meta.index);
  sendSnapshotChunk(raft, progress);
}

/** Sends the chunk at the member's acknowledged offset, restarting if our snapshot changed meanwhile. */
export function sendSnapshotChunk(raft: Raft, progress: Progress): void {
  const snapshot = raft.log.snapshot;
  assert(snapshot !== null, 'sending a snapshot we do not have');
  if (snapshot.meta.index !== progress.snapshotIndex) {
    progress.becomeSnapshot(snapshot.meta.index);
  }
  const offset = Math.min(progress.snapshotOffsetBytes, snapshot.data.length);
  const data = snapshot.data.subarray(offset, offset + raft.config.snapshotChunkBytes);
  progress.stallTicks = 0;
  raft.send({
    type: MessageType.SnapshotChunk,
    from: raft.id,
    to: progress.id,
    term: raft.term,
    meta: snapshot.meta,
    totalBytes: snapshot.data.length,
    offset,
    data,
  });
}
