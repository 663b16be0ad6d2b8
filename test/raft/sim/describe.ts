// One-line renderings of messages for the --trace output and scenario transcripts.
import { MessageType, type Message } from '../../../runtime/raft/core/index.js';
import type { Entry } from '../../../runtime/raft/types.js';

function entries(list: readonly Entry[]): string {
  if (list.length === 0) return '[]';
  const first = list[0]!;
  const last = list[list.length - 1]!;
  return list.length === 1 ? `[${first.index}@${first.term}]` : `[${first.index}@${first.term}..${last.index}@${last.term}]`;
}

export function describeMessage(m: Message): string {
  const head = `${m.from}→${m.to} t${m.term}`;
  switch (m.type) {
    case MessageType.PreVote:
    case MessageType.Vote:
      return `${head} ${m.type === MessageType.PreVote ? 'PreVote' : 'Vote'} last=${m.lastLogIndex}@${m.lastLogTerm}${m.transfer ? ' transfer' : ''}`;
    case MessageType.PreVoteResponse:
    case MessageType.VoteResponse:
      return `${head} ${m.type === MessageType.PreVoteResponse ? 'PreVoteResponse' : 'VoteResponse'} ${m.granted ? 'granted' : 'rejected'}`;
    case MessageType.Append:
      return `${head} Append prev=${m.prevLogIndex}@${m.prevLogTerm} ${entries(m.entries)} commit=${m.commit}`;
    case MessageType.AppendResponse:
      return m.reject
        ? `${head} AppendResponse reject ${m.index} hint=${m.hintIndex}@${m.hintTerm}`
        : `${head} AppendResponse ok ${m.index}`;
    case MessageType.Heartbeat:
      return `${head} Heartbeat commit=${m.commit} round=${m.round}`;
    case MessageType.HeartbeatResponse:
      return `${head} HeartbeatResponse round=${m.round}`;
    case MessageType.SnapshotChunk:
      return `${head} SnapshotChunk ${m.meta.index}@${m.meta.term} bytes ${m.offset}..${m.offset + m.data.length}/${m.totalBytes}`;
    case MessageType.SnapshotChunkResponse:
      return `${head} SnapshotChunkResponse ${m.snapshotIndex} next=${m.nextOffset}`;
    case MessageType.TimeoutNow:
      return `${head} TimeoutNow`;
    case MessageType.ReadIndex:
      return `${head} ReadIndex #${m.requestId}`;
    case MessageType.ReadIndexResponse:
      return `${head} ReadIndexResponse #${m.requestId} index=${m.index}`;
  }
}
