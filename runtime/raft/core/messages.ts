/**
 * The messages Raft peers exchange. Plain data only (numbers, booleans,
 * Uint8Array, arrays, plain objects) so the wire module can give each a CBOR
 * schema. Every message carries the sender, the receiver and the sender's
 * term; `type` tells which interface the rest follows.
 */
import type { Entry, NodeId, SnapshotMeta } from '../types.js';

export const MessageType = {
  /** "Could I win an election at `term`?" Sent without bumping the sender's term. */
  PreVote: 1,
  PreVoteResponse: 2,
  Vote: 3,
  VoteResponse: 4,
  /** Log entries (possibly none) plus the leader's commit index. */
  Append: 5,
  AppendResponse: 6,
  /** Keeps followers from campaigning, carries commit and a ReadIndex round. */
  Heartbeat: 7,
  HeartbeatResponse: 8,
  /** One chunk of an InstallSnapshot transfer. */
  SnapshotChunk: 9,
  SnapshotChunkResponse: 10,
  /** Leadership transfer: "start an election now, the leader agrees". */
  TimeoutNow: 11,
  /** A follower asks the leader for a read index on behalf of its caller. */
  ReadIndex: 12,
  ReadIndexResponse: 13,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

interface Header {
  from: NodeId;
  to: NodeId;
  /** The sender's term, except PreVote (the term it would campaign at) and a granted PreVoteResponse (echoes it). */
  term: number;
}

export interface VoteRequest extends Header {
  type: typeof MessageType.PreVote | typeof MessageType.Vote;
  lastLogIndex: number;
  lastLogTerm: number;
  /** Set by a transfer target: voters then ignore their leader lease. */
  transfer: boolean;
}

export interface VoteResponse extends Header {
  type: typeof MessageType.PreVoteResponse | typeof MessageType.VoteResponse;
  granted: boolean;
}

export interface AppendRequest extends Header {
  type: typeof MessageType.Append;
  prevLogIndex: number;
  prevLogTerm: number;
  entries: Entry[];
  commit: number;
}

export interface AppendResponse extends Header {
  type: typeof MessageType.AppendResponse;
  /** False: `index` is the follower's last index matching the leader. True: `index` is the rejected prevLogIndex. */
  reject: boolean;
  index: number;
  /** On reject: the follower's guess of the last index where the logs may agree, and its term there (fast back-off). */
  hintIndex: number;
  hintTerm: number;
}

export interface HeartbeatRequest extends Header {
  type: typeof MessageType.Heartbeat;
  commit: number;
  /** ReadIndex round the follower echoes back; reads registered at or before it are confirmed by a quorum of echoes. */
  round: number;
}

export interface HeartbeatResponse extends Header {
  type: typeof MessageType.HeartbeatResponse;
  round: number;
}

export interface SnapshotChunkRequest extends Header {
  type: typeof MessageType.SnapshotChunk;
  meta: SnapshotMeta;
  /** Size of the whole snapshot data. */
  totalBytes: number;
  /** Where `data` starts within the snapshot data. The last chunk ends at totalBytes. */
  offset: number;
  data: Uint8Array;
}

export interface SnapshotChunkResponse extends Header {
  type: typeof MessageType.SnapshotChunkResponse;
  /** Index of the snapshot being assembled. */
  snapshotIndex: number;
  /** Bytes received so far: the offset the follower wants next (0 to restart). */
  nextOffset: number;
}

export interface TimeoutNowRequest extends Header {
  type: typeof MessageType.TimeoutNow;
}

export interface ReadIndexRequest extends Header {
  type: typeof MessageType.ReadIndex;
  /** Chosen by the follower's caller; echoed back. */
  requestId: number;
}

export interface ReadIndexResponse extends Header {
  type: typeof MessageType.ReadIndexResponse;
  requestId: number;
  /** Reads may be served once the follower has applied this index. */
  index: number;
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | HeartbeatRequest
  | HeartbeatResponse
  | SnapshotChunkRequest
  | SnapshotChunkResponse
  | TimeoutNowRequest
  | ReadIndexRequest
  | ReadIndexResponse;

export function messageTypeName(type: MessageType): string {
  for (const [name, value] of Object.entries(MessageType)) if (value === type) return name;
  return `Unknown(${type})`;
}

/** Bytes of entry data in an append: what flow control counts. */
export function entriesBytes(entries: readonly Entry[]): number {
  let total = 0;
  for (const entry of entries) total += entry.data.length;
  return total;
}
