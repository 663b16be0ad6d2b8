// The orchestrator's public surface.
export { plan, reconcile, stages, type Plan, type Stage } from './reconcile.js';
export type { ReconcileInput, ReconcileOptions } from './pass.js';
export { applyAction, applyActions } from './apply.js';
export { predecessorWaitsEndAtMs, schedulingActions, waitingTasks, type SchedulingOptions } from './scheduling.js';
export { defaultOrchestratorConfig, simulationOrchestratorConfig, orchestratorConfigProblems, validateOrchestratorConfig, type OrchestratorConfig } from './config.js';
export { OrchestratorError, OrchestratorErrorCode } from './errors.js';
export { restartVerdict, type RestartVerdict, type RestartQuestion } from './restart.js';
export { measureUpdate, type UpdateProgress } from './update-progress.js';
export { taskHealth, stableAtMs, isStable, type TaskHealth } from './observation.js';
export { runsDifferently } from './spec-change.js';
export { desiredStateRank } from './action.js';
export type {
  Action, ActionKind, AssignTaskAction, CreateTaskAction, MarkTaskAction, RemoveTaskAction, RollbackServiceAction, SetDesiredStateAction, SetUpdateStatusAction, UpdateState,
} from './action.js';
export type { Decision, Move, PendingTask, PlacedTask, PlaceInput, Placer, PlacerNode, RebalanceInput } from './placer.js';
export { slotKeyOf, type Slot } from './slots.js';
