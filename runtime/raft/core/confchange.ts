/**
 * Membership changes, one server at a time (Raft thesis §4.1). A change is
 * carried in a ConfChange entry; the core decodes it and it takes effect on a
 * node when that node learns the entry is committed. Because the leader
 * proposes the next change only after the previous one is committed, and not
 * before an entry of its own term is committed (the fix to the 2015
 * single-server bug), any two configurations in use at once differ by at most
 * one server and their majorities overlap.
 */
import type { ConfState, NodeId } from '../types.js';

export const ConfChangeKind = {
  /** The members a cluster starts with: the first entry of a bootstrapped log. */
  Bootstrap: 0,
  /** A new member that receives the log but does not vote. */
  AddLearner: 1,
  /** A learner that has caught up becomes a voter. */
  PromoteLearner: 2,
  /** A voter or learner leaves for good; its id is never used again. */
  Remove: 3,
} as const;
export type ConfChangeKind = (typeof ConfChangeKind)[keyof typeof ConfChangeKind];

export type ConfChange =
  | { kind: typeof ConfChangeKind.Bootstrap; voters: NodeId[] }
  | { kind: typeof ConfChangeKind.AddLearner | typeof ConfChangeKind.PromoteLearner | typeof ConfChangeKind.Remove; node: NodeId };

/**
 * The membership as the core tracks it. `removed` remembers every id that
 * left, so none is admitted again; it travels in snapshot metadata (the
 * storage keeps SnapshotMeta.conf as given, extra field included).
 */
export interface CoreConfState extends ConfState {
  removed: NodeId[];
}

const formatVersion = 1;
/** Bytes: version, kind, uint16 count, then float64 ids (exact for safe integers). */
const headerBytes = 4;
const bootstrapVotersMax = 64;

export function encodeConfChange(change: ConfChange): Uint8Array {
  const ids = change.kind === ConfChangeKind.Bootstrap ? change.voters : [change.node];
  const bytes = new Uint8Array(headerBytes + 8 * ids.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, formatVersion);
  view.setUint8(1, change.kind);
  view.setUint16(2, ids.length);
  ids.forEach((id, i) => view.setFloat64(headerBytes + 8 * i, id));
  return bytes;
}

/** Null when the bytes are not a conf change this version understands. */
export function decodeConfChange(data: Uint8Array): ConfChange | null {
  if (data.length < headerBytes) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint8(0) !== formatVersion) return null;
  const kind = view.getUint8(1);
  const count = view.getUint16(2);
  if (data.length !== headerBytes + 8 * count) return null;
  const ids: NodeId[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = view.getFloat64(headerBytes + 8 * i);
    if (!isNodeId(id)) return null;
    ids.push(id);
  }
  if (kind === ConfChangeKind.Bootstrap) {
    if (count === 0 || count > bootstrapVotersMax || new Set(ids).size !== count) return null;
    return { kind, voters: ids };
  }
  if (kind !== ConfChangeKind.AddLearner && kind !== ConfChangeKind.PromoteLearner && kind !== ConfChangeKind.Remove) return null;
  if (count !== 1) return null;
  return { kind, node: ids[0]! };
}

export function isNodeId(value: unknown): value is NodeId {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

export function emptyConf(): CoreConfState {
  return { voters: [], learners: [], removed: [] };
}

export function copyConf(conf: ConfState): CoreConfState {
  const removed = (conf as Partial<CoreConfState>).removed;
  return { voters: [...conf.voters], learners: [...conf.learners], removed: Array.isArray(removed) ? [...removed] : [] };
}

/**
 * Why `change` cannot apply to `conf`, or null when it can. The leader checks
 * this before proposing; every node checks it again when the entry commits
 * and treats an inapplicable change as a no-op, so all replicas agree.
 */
export function confChangeProblem(conf: CoreConfState, change: ConfChange): string | null {
  if (change.kind === ConfChangeKind.Bootstrap) {
    return conf.voters.length + conf.learners.length === 0 ? null : 'the cluster is already bootstrapped';
  }
  const { node } = change;
  const isVoter = conf.voters.includes(node);
  const isLearner = conf.learners.includes(node);
  switch (change.kind) {
    case ConfChangeKind.AddLearner:
      if (conf.removed.includes(node)) return `node ${node} was removed earlier and ids are never reused: give the new member a fresh id`;
      if (isVoter || isLearner) return `node ${node} is already a member`;
      return null;
    case ConfChangeKind.PromoteLearner:
      return isLearner ? null : `node ${node} is not a learner: add it as a learner first`;
    case ConfChangeKind.Remove:
      if (!isVoter && !isLearner) return `node ${node} is not a member`;
      if (isVoter && conf.voters.length === 1) return `node ${node} is the last voter: a cluster cannot remove its last voter`;
      return null;
  }
}

/** The configuration after `change`; `change` must be applicable (see confChangeProblem). */
export function applyConfChange(conf: CoreConfState, change: ConfChange): CoreConfState {
  if (change.kind === ConfChangeKind.Bootstrap) return { voters: [...change.voters], learners: [], removed: [...conf.removed] };
  const { node } = change;
  const voters = conf.voters.filter((id) => id !== node);
  const learners = conf.learners.filter((id) => id !== node);
  const removed = [...conf.removed];
  if (change.kind === ConfChangeKind.AddLearner) learners.push(node);
  else if (change.kind === ConfChangeKind.PromoteLearner) voters.push(node);
  else removed.push(node);
  return { voters, learners, removed };
}

export function describeConfChange(change: ConfChange): string {
  switch (change.kind) {
    case ConfChangeKind.Bootstrap:
      return `bootstrap voters=[${change.voters.join(',')}]`;
    case ConfChangeKind.AddLearner:
      return `add-learner ${change.node}`;
    case ConfChangeKind.PromoteLearner:
      return `promote ${change.node}`;
    case ConfChangeKind.Remove:
      return `remove ${change.node}`;
  }
}
