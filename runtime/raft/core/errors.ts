/**
 * Every failure the Raft core reports to its caller is a RaftError with one of
 * the codes below. README.md in this folder lists them with their fix; keep
 * the two in step when adding a code. Bugs are not RaftErrors: they trip an
 * assertion (runtime/common/assert.ts) and stop the process.
 */
import { EdgeError } from '../../common/errors.js';
import type { NodeId } from '../types.js';

export const raftErrorCodes = [
  'EDGE_RAFT_CONFIG_INVALID',
  'EDGE_RAFT_RECOVERED_STATE_INVALID',
  'EDGE_RAFT_NOT_LEADER',
  'EDGE_RAFT_NO_LEADER',
  'EDGE_RAFT_PROPOSAL_TOO_LARGE',
  'EDGE_RAFT_PROPOSALS_BACKLOGGED',
  'EDGE_RAFT_TRANSFER_IN_PROGRESS',
  'EDGE_RAFT_CONF_CHANGE_PENDING',
  'EDGE_RAFT_CONF_CHANGE_INVALID',
  'EDGE_RAFT_LEADER_REMOVAL_TRANSFERRING',
  'EDGE_RAFT_TRANSFER_TARGET_INVALID',
  'EDGE_RAFT_READ_QUEUE_FULL',
  'EDGE_RAFT_SNAPSHOT_NOT_ALLOWED',
] as const;

export type RaftErrorCode = (typeof raftErrorCodes)[number];

export class RaftError extends EdgeError {
  declare readonly code: RaftErrorCode;
  /** The leader this node believes in (0 for none): where to retry a refused proposal. */
  readonly leaderHint: NodeId;

  constructor(code: RaftErrorCode, message: string, options: { retryable?: boolean; leaderHint?: NodeId } = {}) {
    super(code, message, { retryable: options.retryable ?? false });
    this.name = 'RaftError';
    this.leaderHint = options.leaderHint ?? 0;
  }
}

export function isRaftError(value: unknown, code?: RaftErrorCode): value is RaftError {
  return value instanceof RaftError && (code === undefined || value.code === code);
}
