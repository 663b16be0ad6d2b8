// Raft messages over node links: a message goes to the manager whose Raft id
// it names, as a `raft.message` event; an arriving one is checked for the
// fields its type needs and for a sender id that matches the certificate.
import { EdgeError } from '../common/errors.js';
import { MessageType, type Message } from '../raft/core/index.js';
import type { RaftMessageBody } from '../wire/messages/raft.js';

const required: Record<number, readonly (keyof RaftMessageBody)[]> = {
  [MessageType.PreVote]: ['lastLogIndex', 'lastLogTerm', 'transfer'],
  [MessageType.Vote]: ['lastLogIndex', 'lastLogTerm', 'transfer'],
  [MessageType.PreVoteResponse]: ['granted'],
  [MessageType.VoteResponse]: ['granted'],
  [MessageType.Append]: ['prevLogIndex', 'prevLogTerm', 'entries', 'commit'],
  [MessageType.AppendResponse]: ['reject', 'index', 'hintIndex', 'hintTerm'],
  [MessageType.Heartbeat]: ['commit', 'round'],
  [MessageType.HeartbeatResponse]: ['round'],
  [MessageType.SnapshotChunk]: ['meta', 'totalBytes', 'offset', 'data'],
  [MessageType.SnapshotChunkResponse]: ['snapshotIndex', 'nextOffset'],
  [MessageType.TimeoutNow]: [],
  [MessageType.ReadIndex]: ['requestId'],
  [MessageType.ReadIndexResponse]: ['requestId', 'index'],
};

/** The Raft message in a checked `raft.message` body, or an error naming what is missing. */
export function raftMessageOf(body: RaftMessageBody): Message {
  const fields = required[body.type];
  if (!fields) throw new EdgeError('EDGE_RAFT_MESSAGE_INVALID', `raft message type ${body.type} is unknown`);
  for (const field of fields) {
    if (body[field] === undefined) throw new EdgeError('EDGE_RAFT_MESSAGE_INVALID', `raft message type ${body.type} lacks field ${field}`);
  }
  return body as unknown as Message;
}

/** The body for a Raft message: the same plain object (the schema reads it as is). */
export function raftBodyOf(message: Message): RaftMessageBody {
  return message as unknown as RaftMessageBody;
}
