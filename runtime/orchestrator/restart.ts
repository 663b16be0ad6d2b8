// The restart policy: what becomes of a slot whose holder has ended (failed,
// rejected, completed or shut down by itself while still wanted).
//   condition: none never restarts; on-failure restarts failed and rejected
//     tasks; any also restarts completed ones and ones that stopped on their
//     own. A job's completion is its success, so a job never restarts a
//     completed task whatever the condition.
//   delayMs: the replacement is created delayMs after the end was reported
//     (the holder's updatedAtMs). Until then the ended task stays the holder,
//     so nothing else fills the slot, and reconcile asks to be called again
//     at that time (Plan.wakeAtMs).
//   maxAttempts (0 = unlimited): with windowMs = 0 it caps restarts of the
//     slot under the current spec version (restartCount, carried from task
//     to task; a task of a newer version starts again from 0); with
//     windowMs > 0 it caps restarts created within the last windowMs, and
//     restarts resume once the oldest of them leaves the window. A slot that
//     gave up keeps its ended task until the spec changes (`service update
//     --force`).
// An orphaned holder (its node was lost) is not a failure: it is shut down
// and the slot is filled again straight away by the replicated stage.
// A global task restarts on its own node, and only while that node takes new
// tasks (ready, active, matching); otherwise it waits for the node.
import { type ServiceRecord, type ServiceSpec, type TaskRecord } from '../store/services.js';
import { isTerminal } from './task-state.js';
import type { Pass } from './pass.js';
import { isGlobalMode, isJobMode, type Slot } from './slots.js';

export type RestartVerdict =
  | { readonly kind: 'never'; readonly reason: string }
  | { readonly kind: 'wait'; readonly untilMs: number; readonly reason: string }
  | { readonly kind: 'restart'; readonly restartCount: number; readonly reason: string };

export interface RestartQuestion {
  readonly spec: ServiceSpec;
  readonly specVersion: number;
  /** The slot's holder, in a terminal state. */
  readonly holder: TaskRecord;
  /** All tasks of the slot (the window count reads earlier restarts from them). */
  readonly slotTasks: readonly TaskRecord[];
  readonly nowMs: number;
}

export function applyRestartPolicy(pass: Pass): void {
  for (const service of pass.services()) {
    for (const slot of pass.slotsOf(service.id)) {
      const holder = slot.live[0];
      if (holder !== undefined && isTerminal(holder.state)) restartSlot(pass, service, slot, holder);
    }
  }
}

function restartSlot(pass: Pass, service: ServiceRecord, slot: Slot, holder: TaskRecord): void {
  if (holder.state === 'orphaned') {
    pass.shutDown(holder, 'its node was lost');
    return;
  }
  if (isGlobalMode(service.spec.mode) && !nodeTakesTasks(pass, service, holder.nodeId)) return;
  const verdict = restartVerdict({ spec: service.spec, specVersion: service.specVersion, holder, slotTasks: slot.tasks, nowMs: pass.nowMs });
  if (verdict.kind === 'wait') pass.wakeAt(verdict.untilMs);
  if (verdict.kind !== 'restart') return;
  const nodeId = isGlobalMode(service.spec.mode) ? holder.nodeId : '';
  pass.replaceTask(service, holder, { nodeId, restartCount: verdict.restartCount, reason: verdict.reason, keepOld: false });
}

function nodeTakesTasks(pass: Pass, service: ServiceRecord, nodeId: string): boolean {
  const node = pass.node(nodeId);
  return node !== undefined && node.status === 'ready' && node.availability === 'active' && pass.placer.matches(service.spec, node);
}

/** Whether, and when, a slot whose holder ended gets a new task. Pure. */
export function restartVerdict(question: RestartQuestion): RestartVerdict {
  const { spec, holder, nowMs } = question;
  const policy = spec.restartPolicy;
  const why = endedWhy(holder);
  if (!wantsRestart(spec, holder)) return { kind: 'never', reason: `${why}; restart condition "${policy.condition}" does not restart it` };
  // A holder of an older spec version is replaced by a task of the current one: a fresh start, not a restart.
  const sameVersion = holder.specVersion === question.specVersion;
  const previous = sameVersion ? holder.restartCount : 0;
  if (sameVersion && policy.maxAttempts > 0) {
    const limit = attemptLimit(question, previous);
    if (limit !== null) return limit;
  }
  const dueAtMs = holder.updatedAtMs + policy.delayMs;
  const count = sameVersion ? previous + 1 : 0;
  const reason = sameVersion ? `restart ${count}${policy.maxAttempts > 0 ? ` of ${policy.maxAttempts}` : ''}: ${why}` : `${why}; replaced under spec version ${question.specVersion}`;
  if (dueAtMs > nowMs) return { kind: 'wait', untilMs: dueAtMs, reason: `${reason}, due in ${dueAtMs - nowMs} ms` };
  return { kind: 'restart', restartCount: count, reason };
}

function wantsRestart(spec: ServiceSpec, holder: TaskRecord): boolean {
  const condition = spec.restartPolicy.condition;
  switch (holder.state) {
    case 'failed':
    case 'rejected':
      return condition !== 'none';
    case 'complete':
      return condition === 'any' && !isJobMode(spec.mode);
    case 'shutdown':
      return condition === 'any';
    default:
      return false;
  }
}

/** A verdict when maxAttempts stops the restart now, null when an attempt is left. */
function attemptLimit(question: RestartQuestion, previous: number): RestartVerdict | null {
  const { spec, nowMs } = question;
  const { maxAttempts, windowMs } = spec.restartPolicy;
  if (windowMs === 0) {
    if (previous < maxAttempts) return null;
    return { kind: 'never', reason: `${endedWhy(question.holder)}; gave up after ${previous} restarts (max attempts ${maxAttempts})` };
  }
  const inWindow = restartsInWindow(question.slotTasks, question.specVersion, nowMs - windowMs);
  if (inWindow.length < maxAttempts) return null;
  const oldest = Math.min(...inWindow.map((task) => task.createdAtMs));
  return { kind: 'wait', untilMs: oldest + windowMs, reason: `${maxAttempts} restarts within ${windowMs} ms; next one when the oldest leaves the window` };
}

/** Tasks of the slot created as restarts under this spec version after `sinceMs`. */
export function restartsInWindow(slotTasks: readonly TaskRecord[], specVersion: number, sinceMs: number): TaskRecord[] {
  return slotTasks.filter((task) => task.restartCount > 0 && task.specVersion === specVersion && task.createdAtMs > sinceMs);
}

function endedWhy(task: TaskRecord): string {
  const detail = task.error !== '' ? `: ${task.error}` : task.exitCode !== null ? ` (exit ${task.exitCode})` : '';
  return `task ${task.id} ${task.state}${detail}`;
}
