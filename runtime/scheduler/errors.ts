// The errors the scheduler can hand back. schedule() and rebalance() never
// throw for a bad service spec: the task stays pending with the problem as
// its reason, because one service's mistake must not stop every other
// service from being placed. These errors are thrown only by the helpers the
// control API calls when a spec comes in (parseConstraint, validatePlacement),
// so the person typing `service create` hears about it at once.
import { EdgeError } from '../common/errors.js';

export const SchedulerErrorCode = {
  /** A placement constraint is not FIELD==VALUE / FIELD!=VALUE over a known node field; the message shows the expected form. */
  ConstraintInvalid: 'EDGE_SCHEDULER_CONSTRAINT_INVALID',
  /** A `placement.spreadOver` entry is not a node field the scheduler can read (e.g. node.labels.zone). */
  SpreadInvalid: 'EDGE_SCHEDULER_SPREAD_INVALID',
  /** `placement.maxReplicasPerNode`, the memory reservation or a published port is out of range. */
  PlacementInvalid: 'EDGE_SCHEDULER_PLACEMENT_INVALID',
} as const;
export type SchedulerErrorCode = (typeof SchedulerErrorCode)[keyof typeof SchedulerErrorCode];

export class SchedulerError extends EdgeError {
  override readonly code: SchedulerErrorCode;
  /** The offending spec field, e.g. `placement.constraints[1]`. */
  readonly field: string;

  constructor(code: SchedulerErrorCode, message: string, field: string) {
    // Retrying the same spec gives the same answer: the spec has to change.
    super(code, message, { retryable: false });
    this.name = 'SchedulerError';
    this.code = code;
    this.field = field;
  }
}
