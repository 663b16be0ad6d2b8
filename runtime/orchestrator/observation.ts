// How the orchestrator reads what agents reported. The store model has no
// health field and no "running since" time yet, so the two readings live
// here, in one place, to change when the model grows them:
//   health: a `health` field on the task when present ('starting' |
//     'healthy' | 'unhealthy', as the dispatcher's status message carries
//     it), otherwise the message: an agent running a health check writes
//     "healthy" into the task's message once the check passes.
//   since:  updatedAtMs, which the store must set only when the agent reports
//     a change (state or health), never when the manager changes desired
//     state. The update monitor and restart delays count from it.
import type { ServiceSpec, TaskRecord, TaskState } from '../store/services.js';

export type TaskHealth = 'starting' | 'healthy' | 'unhealthy';

/** The task's health as last reported; null when nothing was reported. */
export function taskHealth(task: TaskRecord): TaskHealth | null {
  const field = (task as { health?: unknown }).health;
  if (field === 'starting' || field === 'healthy' || field === 'unhealthy') return field;
  if (task.message === 'healthy' || task.message === 'unhealthy') return task.message;
  return null;
}

/** When the agent last reported a change for the task (its state or its health), ms. */
export function observedSinceMs(task: TaskRecord): number {
  return task.updatedAtMs;
}

/**
 * When the task becomes stable: running (and healthy, when the spec has a
 * health check) for monitorMs. Null while it is not running or not healthy.
 */
export function stableAtMs(task: TaskRecord, spec: ServiceSpec, monitorMs: number): number | null {
  if (task.state !== 'running') return null;
  if (spec.healthCheck !== null && taskHealth(task) !== 'healthy') return null;
  return observedSinceMs(task) + monitorMs;
}

export function isStable(task: TaskRecord, spec: ServiceSpec, monitorMs: number, nowMs: number): boolean {
  const at = stableAtMs(task, spec, monitorMs);
  return at !== null && at <= nowMs;
}

/** The task ended because something went wrong with it (not because it was stopped or finished). */
export function isFailure(state: TaskState): boolean {
  return state === 'failed' || state === 'rejected';
}
