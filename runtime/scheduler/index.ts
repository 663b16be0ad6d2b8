// The scheduler's public surface: pure placement (schedule), spread repair
// (rebalance), and the spec checks the control API runs on the way in.
export { schedule } from './schedule.js';
export { rebalance, type RebalanceInput, type Move } from './rebalance.js';
export { parseConstraint, formatConstraint, matchesConstraints } from './constraint.js';
export { validatePlacement } from './requirements.js';
export { normalizeArch } from './node-field.js';
export { SchedulerError, SchedulerErrorCode } from './errors.js';
export {
  placedTaskOf,
  schedulableNode,
  filterNames,
  type Decision,
  type FilterName,
  type PendingDecision,
  type PendingTask,
  type PlacedDecision,
  type PlacedTask,
  type Rejection,
  type SchedulableNode,
  type ScheduleInput,
} from './types.js';
