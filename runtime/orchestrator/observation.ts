// How the orchestrator reads what agents reported, in one place:
//   health: the task's `health` field, as the agent last reported it
//     ('starting' | 'healthy' | 'unhealthy'); absent when nothing was
//     reported (or the service has no health check).
//   since:  updatedAtMs, which the store moves only when the agent reports a
//     change of state or health, never when the manager changes desired
//     state ("observed since"). The update monitor and restart delays count
//     from it.
import type { ServiceSpec, TaskRecord, TaskState } from '../store/services.js';

export type TaskHealth = 'starting' | 'healthy' | 'unhealthy';

/** The task's health as last reported; null when nothing was reported. */
export function taskHealth(task: TaskRecord): TaskHealth | null {
  return task.health ?? null;
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
