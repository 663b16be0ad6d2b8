// The scheduler stage of the pipeline, as far as the orchestrator's data
// goes: it gathers the tasks waiting for a node, asks the placer, and turns
// its decisions into actions (assignTask, or markTask pending with the
// reason). The daemon runs it after reconcile; the simulation uses it with
// a stand-in placer. Placement itself (filters, scores) is the scheduler's.
import type { TaskRecord } from '../store/services.js';
import type { NodeRecord } from '../store/state.js';
import type { Action } from './action.js';
import type { ReconcileInput } from './pass.js';
import { placedTasks, placerNodes } from './placement-input.js';
import type { PendingTask, Placer } from './placer.js';
import { predecessorWaitMessage, PredecessorWaits } from './predecessor-wait.js';
import { isLive } from './slots.js';

export interface SchedulingOptions {
  readonly placer: Placer;
  readonly allocatableMemoryBytes: (node: NodeRecord) => number;
  /** OrchestratorConfig.predecessorStopWaitMs: how long a new task waits for the older task of its slot to stop. */
  readonly predecessorStopWaitMs: number;
}

/** Tasks still wanted that no node has taken: state new or pending, oldest first. */
export function waitingTasks(tasks: readonly TaskRecord[]): TaskRecord[] {
  return tasks
    .filter((task) => isLive(task) && (task.state === 'new' || task.state === 'pending'))
    .sort((left, right) => left.createdAtMs - right.createdAtMs || (left.id < right.id ? -1 : left.id > right.id ? 1 : 0));
}

export function schedulingActions(input: ReconcileInput, options: SchedulingOptions): Action[] {
  const services = new Map(input.services.map((service) => [service.id, service]));
  const pending: PendingTask[] = [];
  const actions: Action[] = [];
  const waits = new PredecessorWaits(input.tasks, options.predecessorStopWaitMs);
  for (const task of waitingTasks(input.tasks)) {
    const service = services.get(task.serviceId);
    if (service === undefined) continue;
    const wait = waits.waitOf(task, input.nowMs);
    if (wait === null) pending.push({ task, service: service.spec });
    else markPending(actions, task, predecessorWaitMessage(wait, options.predecessorStopWaitMs), input.nowMs);
  }
  if (pending.length === 0) return actions;
  const decisions = options.placer.place({
    nodes: placerNodes(input.nodes, options.allocatableMemoryBytes),
    placed: placedTasks(input.tasks, services),
    pending,
  });
  const byId = new Map(pending.map((entry) => [entry.task.id, entry.task]));
  for (const decision of decisions) {
    const task = byId.get(decision.taskId);
    if (task === undefined) continue;
    if (decision.kind === 'placed') actions.push({ kind: 'assignTask', taskId: task.id, nodeId: decision.nodeId, atMs: input.nowMs });
    else markPending(actions, task, decision.reason, input.nowMs);
  }
  return actions;
}

/**
 * When the first task held back for its predecessor stops waiting (the pass
 * must look again then, a stop report may never come), or null when none waits.
 */
export function predecessorWaitsEndAtMs(input: ReconcileInput, predecessorStopWaitMs: number): number | null {
  const waits = new PredecessorWaits(input.tasks, predecessorStopWaitMs);
  let earliest: number | null = null;
  for (const task of waitingTasks(input.tasks)) {
    const wait = waits.waitOf(task, input.nowMs);
    if (wait !== null && (earliest === null || wait.untilMs < earliest)) earliest = wait.untilMs;
  }
  return earliest;
}

/** Pending with the reason, written only when the state or the words change (each write is a Raft entry). */
function markPending(actions: Action[], task: TaskRecord, reason: string, nowMs: number): void {
  if (task.state !== 'pending' || task.message !== reason) actions.push({ kind: 'markTask', taskId: task.id, state: 'pending', message: reason, atMs: nowMs });
}
