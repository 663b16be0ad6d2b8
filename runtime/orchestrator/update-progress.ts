// Where a rolling update stands, worked out from the tasks alone. Nothing
// about an update is remembered outside the store (no in-memory "updater"
// as in Swarm), so a new leader picks an update up exactly where the old
// one left it.
//
// parallelism is a number of workers. A worker takes one outdated slot,
// replaces its task, waits until the new task is stable (running, and
// healthy if there is a health check, for monitorMs), then rests delayMs
// before taking the next slot. So at any time:
//   busy workers = inFlight (new tasks not stable yet)
//                + cooling (new tasks that became stable less than delayMs ago)
// and the update may start (parallelism − busy) more slots.
import { type ServiceRecord, type TaskRecord, type UpdateConfig } from '../store/services.js';
import { isTerminal } from './task-state.js';
import { isFailure, stableAtMs } from './observation.js';
import type { Slot } from './slots.js';

export interface UpdateProgress {
  /** Slots with a holder. */
  readonly total: number;
  /** Holders of an older spec version that can be replaced now: ended first, then not yet running, then running. */
  readonly outdated: readonly TaskRecord[];
  /** Holders of an older version that cannot be replaced yet (a global task on a paused or unknown node). */
  readonly blocked: number;
  /** Holders of the current version that are stable. */
  readonly updated: number;
  /** Holders of the current version that are neither stable nor ended. */
  readonly inFlight: number;
  /** Stable holders made during this update whose worker is still resting (delayMs). */
  readonly cooling: number;
  /** Tasks of the current version made during this update that failed or were rejected. */
  readonly failures: readonly TaskRecord[];
  /** When the next holder becomes stable or the next worker is rested; null if nothing is due. */
  readonly wakeAtMs: number | null;
}

export interface UpdateQuestion {
  readonly service: ServiceRecord;
  readonly slots: readonly Slot[];
  readonly config: UpdateConfig;
  /** When the update (or rollback) started: only tasks made since then count as its failures and workers. */
  readonly startedAtMs: number;
  readonly nowMs: number;
  /** Whether an outdated holder can be replaced now. */
  readonly replaceable: (holder: TaskRecord) => boolean;
}

export function measureUpdate(question: UpdateQuestion): UpdateProgress {
  const { service, config, startedAtMs, nowMs } = question;
  const outdated: { task: TaskRecord; order: number }[] = [];
  const failures: TaskRecord[] = [];
  let total = 0;
  let blocked = 0;
  let updated = 0;
  let inFlight = 0;
  let cooling = 0;
  let wakeAtMs: number | null = null;
  const wakeAt = (atMs: number): void => {
    if (atMs > nowMs && (wakeAtMs === null || atMs < wakeAtMs)) wakeAtMs = atMs;
  };
  for (const slot of question.slots) {
    for (const task of slot.tasks) {
      if (task.specVersion === service.specVersion && task.createdAtMs >= startedAtMs && isFailure(task.state)) failures.push(task);
    }
    const holder = slot.live[0];
    if (holder === undefined) continue;
    total += 1;
    if (holder.specVersion !== service.specVersion) {
      if (question.replaceable(holder)) outdated.push({ task: holder, order: replacementOrder(holder) * 1e9 + outdated.length });
      else blocked += 1;
      continue;
    }
    if (isTerminal(holder.state)) continue;
    const stableAt = stableAtMs(holder, service.spec, config.monitorMs);
    if (stableAt === null || stableAt > nowMs) {
      inFlight += 1;
      if (stableAt !== null) wakeAt(stableAt);
      continue;
    }
    updated += 1;
    if (config.delayMs > 0 && holder.createdAtMs >= startedAtMs && stableAt + config.delayMs > nowMs) {
      cooling += 1;
      wakeAt(stableAt + config.delayMs);
    }
  }
  outdated.sort((left, right) => left.order - right.order);
  return { total, outdated: outdated.map((entry) => entry.task), blocked, updated, inFlight, cooling, failures, wakeAtMs };
}

/** Tasks that serve nobody go first: replacing them costs no capacity. Ended, then not yet running, then running. */
function replacementOrder(task: TaskRecord): number {
  if (isTerminal(task.state)) return 0;
  return task.state === 'running' ? 2 : 1;
}
