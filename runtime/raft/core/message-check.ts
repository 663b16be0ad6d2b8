/**
 * Shape and bounds of a Raft message received from outside, for the wire
 * module to call after decoding and before `step()`. The core trusts what
 * passes this check (e.g. that appended entries are numbered consecutively);
 * anything else is a malformed frame and closes the link.
 */
import { EntryType, type NodeId } from '../types.js';
import { isNodeId } from './confchange.js';
import { MessageType, type Message } from './messages.js';

type Fields = Record<string, unknown>;

const isIndex = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;

function checkIds(ids: unknown, what: string): string | null {
  if (!Array.isArray(ids) || !ids.every(isNodeId)) return `${what} must be an array of node ids`;
  return null;
}

function checkEntries(m: Fields): string | null {
  const entries = m.entries;
  if (!Array.isArray(entries)) return 'entries must be an array';
  let expected = (m.prevLogIndex as number) + 1;
  let previousTerm = m.prevLogTerm as number;
  for (const entry of entries as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return 'each entry must be an object';
    const e = entry as Fields;
    if (e.index !== expected) return `entry index ${String(e.index)} where ${expected} was expected`;
    if (!isIndex(e.term) || e.term < previousTerm || e.term > (m.term as number)) return `entry ${expected} has term ${String(e.term)} out of order`;
    if (e.type !== EntryType.Normal && e.type !== EntryType.ConfChange) return `entry ${expected} has unknown type ${String(e.type)}`;
    if (!isBytes(e.data)) return `entry ${expected} data must be bytes`;
    previousTerm = e.term;
    expected += 1;
  }
  return null;
}

function checkSnapshotMeta(meta: unknown): string | null {
  if (typeof meta !== 'object' || meta === null) return 'meta must be an object';
  const m = meta as Fields;
  if (!isIndex(m.index) || m.index === 0 || !isIndex(m.term) || m.term === 0) return 'meta index and term must be positive';
  if (typeof m.conf !== 'object' || m.conf === null) return 'meta.conf must be an object';
  const conf = m.conf as Fields;
  return checkIds(conf.voters, 'conf.voters') ?? checkIds(conf.learners, 'conf.learners') ?? (conf.removed === undefined ? null : checkIds(conf.removed, 'conf.removed'));
}

/** The fields each type carries beyond the header, and how to check them. */
function checkBody(m: Fields): string | null {
  const need = (names: string[], check: (value: unknown) => boolean, what: string): string | null => {
    for (const name of names) if (!check(m[name])) return `${name} must be ${what}`;
    return null;
  };
  const index = 'a non-negative integer';
  switch (m.type) {
    case MessageType.PreVote:
    case MessageType.Vote:
      return need(['lastLogIndex', 'lastLogTerm'], isIndex, index) ?? need(['transfer'], (v) => typeof v === 'boolean', 'a boolean');
    case MessageType.PreVoteResponse:
    case MessageType.VoteResponse:
      return need(['granted'], (v) => typeof v === 'boolean', 'a boolean');
    case MessageType.Append:
      return need(['prevLogIndex', 'prevLogTerm', 'commit'], isIndex, index) ?? checkEntries(m);
    case MessageType.AppendResponse:
      return need(['index', 'hintIndex', 'hintTerm'], isIndex, index) ?? need(['reject'], (v) => typeof v === 'boolean', 'a boolean');
    case MessageType.Heartbeat:
      return need(['commit', 'round'], isIndex, index);
    case MessageType.HeartbeatResponse:
      return need(['round'], isIndex, index);
    case MessageType.SnapshotChunk: {
      const bounds = need(['totalBytes', 'offset'], isIndex, index) ?? need(['data'], isBytes, 'bytes') ?? checkSnapshotMeta(m.meta);
      if (bounds !== null) return bounds;
      return (m.offset as number) + (m.data as Uint8Array).length <= (m.totalBytes as number) ? null : 'chunk runs past totalBytes';
    }
    case MessageType.SnapshotChunkResponse:
      return need(['snapshotIndex', 'nextOffset'], isIndex, index);
    case MessageType.TimeoutNow:
      return null;
    case MessageType.ReadIndex:
      return need(['requestId'], isIndex, index);
    case MessageType.ReadIndexResponse:
      return need(['requestId', 'index'], isIndex, index);
    default:
      return `unknown message type ${String(m.type)}`;
  }
}

/**
 * Null when `value` is a well-formed Message for node `self` (0 to skip the
 * addressee check); otherwise what is wrong, in one sentence.
 */
export function messageProblem(value: unknown, self: NodeId = 0): string | null {
  if (typeof value !== 'object' || value === null) return 'a Raft message must be an object';
  const m = value as Fields;
  if (!isNodeId(m.from) || !isNodeId(m.to)) return 'from and to must be node ids';
  if (self !== 0 && m.to !== self) return `message for node ${String(m.to)} reached node ${self}`;
  if (!isIndex(m.term)) return 'term must be a non-negative integer';
  return checkBody(m);
}

export function isMessage(value: unknown, self: NodeId = 0): value is Message {
  return messageProblem(value, self) === null;
}
