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
import { isLive } from './slots.js';

export interface SchedulingOptions {
  readonly placer: Placer;
  readonly allocatableMemoryBytes: (node: NodeRecord) => number;
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
  for (const task of waitingTasks(input.tasks)) {
    const service = services.get(task.serviceId);
    if (service !== undefined) pending.push({ task, service: service.spec });
  }
  if (pending.length === 0) return [];
  const decisions = options.placer.place({
    nodes: placerNodes(input.nodes, options.allocatableMemoryBytes),
    placed: placedTasks(input.tasks, services),
    pending,
  });
  const byId = new Map(pending.map((entry) => [entry.task.id, entry.task]));
  const actions: Action[] = [];
  for (const decision of decisions) {
    const task = byId.get(decision.taskId);
    if (task === undefined) continue;
    if (decision.kind === 'placed') {
      actions.push({ kind: 'assignTask', taskId: task.id, nodeId: decision.nodeId, atMs: input.nowMs });
    } else if (task.state !== 'pending' || task.message !== decision.reason) {
      actions.push({ kind: 'markTask', taskId: task.id, state: 'pending', message: decision.reason, atMs: input.nowMs });
    }
  }
  return actions;
}
