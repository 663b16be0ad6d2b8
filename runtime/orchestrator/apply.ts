// What each action means, as code. The leader's store applies the commands
// it makes from actions; this is the reference for those commands, and what
// reconcile() itself uses to see the effect of one stage before running the
// next. A test applying a pass's actions with this and reconciling again
// must get nothing back (idempotence).
import { assert, unreachable } from '../common/assert.js';
import { changeSpec, type ServiceRecord, type TaskRecord } from '../store/services.js';
import { isAssignedOrLater, isTerminal, stateRank } from './task-state.js';
import { desiredStateRank, type Action } from './action.js';

/** Services and tasks keyed by id, in insertion order. */
export interface ServiceTaskMaps {
  readonly services: Map<string, ServiceRecord>;
  readonly tasks: Map<string, TaskRecord>;
}

/**
 * Applies one action in place (records are replaced, never mutated, so
 * callers holding an old record still see it unchanged). Returns false when
 * the action changed nothing because it no longer applies: its task or
 * service is gone, or it would move a state backwards. The store should
 * treat those the same way, since a leader may propose from a stale view.
 */
export function applyAction(maps: ServiceTaskMaps, action: Action): boolean {
  switch (action.kind) {
    case 'createTask': {
      if (maps.tasks.has(action.task.id)) return false;
      maps.tasks.set(action.task.id, action.task);
      return true;
    }
    case 'setDesiredState': {
      const task = maps.tasks.get(action.taskId);
      if (task === undefined || desiredStateRank(action.desiredState) <= desiredStateRank(task.desiredState)) return false;
      // updatedAtMs is left alone on purpose: it dates the last observed change, which the update monitor reads.
      maps.tasks.set(task.id, { ...task, desiredState: action.desiredState });
      return true;
    }
    case 'markTask': {
      const task = maps.tasks.get(action.taskId);
      if (task === undefined || stateRank(action.state) < stateRank(task.state)) return false;
      // A terminal state is final: a task that ended one way never ends another way.
      if (isTerminal(task.state) && action.state !== task.state) return false;
      if (task.state === action.state && task.message === action.message) return false;
      maps.tasks.set(task.id, { ...task, state: action.state, message: action.message, updatedAtMs: action.atMs });
      return true;
    }
    case 'removeTask':
      return maps.tasks.delete(action.taskId);
    case 'setUpdateStatus': {
      const service = maps.services.get(action.serviceId);
      if (service === undefined) return false;
      maps.services.set(service.id, { ...service, updateStatus: { state: action.state, message: action.message, startedAtMs: action.startedAtMs } });
      return true;
    }
    case 'rollbackService': {
      const service = maps.services.get(action.serviceId);
      if (service === undefined || service.previousSpec === null) return false;
      // As the store's service.update with rollback (see changeSpec), with the reason as the first message.
      const rolledBack = changeSpec(service, { spec: service.previousSpec, rollback: true, rolls: true, atMs: action.atMs });
      maps.services.set(service.id, { ...rolledBack, updateStatus: { ...rolledBack.updateStatus, message: action.message } });
      return true;
    }
    case 'assignTask': {
      const task = maps.tasks.get(action.taskId);
      if (task === undefined || isAssignedOrLater(task.state)) return false;
      maps.tasks.set(task.id, { ...task, nodeId: action.nodeId, state: 'assigned', message: '', updatedAtMs: action.atMs });
      return true;
    }
    default:
      return unreachable(action, 'unknown action');
  }
}

/** Applies `actions` in order to copies of `state`; the input arrays and records are not changed. */
export function applyActions(
  state: { readonly services: readonly ServiceRecord[]; readonly tasks: readonly TaskRecord[] },
  actions: readonly Action[],
): { services: ServiceRecord[]; tasks: TaskRecord[] } {
  const maps: ServiceTaskMaps = {
    services: new Map(state.services.map((service) => [service.id, service])),
    tasks: new Map(state.tasks.map((task) => [task.id, task])),
  };
  assert(maps.tasks.size === state.tasks.length, 'task ids are unique');
  for (const action of actions) applyAction(maps, action);
  return { services: [...maps.services.values()], tasks: [...maps.tasks.values()] };
}
