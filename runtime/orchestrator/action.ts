// What the orchestrator asks of the store. Reconcilers never write the store
// themselves: they return these plain-data actions, and the leader turns
// them into Raft commands. Keeping them data (not closures) lets the
// simulation apply them, a test compare them, and the leader batch them into
// one entry. Every time an action needs is inside it, like store commands.
import type { DesiredTaskState, ServiceRecord, TaskRecord, TaskState } from '../store/services.js';

export type UpdateState = ServiceRecord['updateStatus']['state'];

/** A new task, complete with id, slot, generation, spec version and desired state. */
export interface CreateTaskAction {
  readonly kind: 'createTask';
  readonly task: TaskRecord;
}

/** Desired state only moves forward: running → complete → shutdown. */
export interface SetDesiredStateAction {
  readonly kind: 'setDesiredState';
  readonly taskId: string;
  readonly desiredState: DesiredTaskState;
  /** For the event log and `service ps`: "scaled down to 2", "node pi-3 is down". */
  readonly reason: string;
}

/**
 * The orchestrator writing an observed state, which is otherwise the agent's
 * field. Only for tasks no agent will ever report on again: `orphaned` when
 * the node is down or gone, `shutdown` for a task stopped before any node got
 * it. Observed state only moves forward and a terminal state is final; the
 * store ignores a mark that breaks either rule.
 */
export interface MarkTaskAction {
  readonly kind: 'markTask';
  readonly taskId: string;
  readonly state: TaskState;
  readonly message: string;
  readonly atMs: number;
}

/** History pruning: the task is terminal and no longer worth keeping. */
export interface RemoveTaskAction {
  readonly kind: 'removeTask';
  readonly taskId: string;
}

/** Rolling-update progress, shown by `service inspect` / `service ls`. */
export interface SetUpdateStatusAction {
  readonly kind: 'setUpdateStatus';
  readonly serviceId: string;
  readonly state: UpdateState;
  /** "updating 3/6", "update paused: 1 of 6 tasks failed (…)". */
  readonly message: string;
  readonly startedAtMs: number;
}

/**
 * Roll the service back: spec ← previousSpec, previousSpec ← null,
 * specVersion ← previousSpecVersion (the restored spec's own number, so
 * the tasks still running it stay; see changeSpec in the store),
 * updatedAtMs ← atMs, updateStatus ← rolling-back
 * (message, startedAtMs = atMs). The store's service.update with
 * rollback: true; `service rollback` is this same command.
 */
export interface RollbackServiceAction {
  readonly kind: 'rollbackService';
  readonly serviceId: string;
  readonly message: string;
  readonly atMs: number;
}

/**
 * The scheduler stage's output (see scheduling.ts): the task gets a node and
 * moves to `assigned`. reconcile() never emits it.
 */
export interface AssignTaskAction {
  readonly kind: 'assignTask';
  readonly taskId: string;
  readonly nodeId: string;
  readonly atMs: number;
}

export type Action =
  | CreateTaskAction
  | SetDesiredStateAction
  | MarkTaskAction
  | RemoveTaskAction
  | SetUpdateStatusAction
  | RollbackServiceAction
  | AssignTaskAction;

export type ActionKind = Action['kind'];

const desiredStateOrder: readonly DesiredTaskState[] = ['running', 'complete', 'shutdown'];

/** Position of a desired state in its forward-only order. */
export function desiredStateRank(state: DesiredTaskState): number {
  return desiredStateOrder.indexOf(state);
}
