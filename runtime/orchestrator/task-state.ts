// The store's task-state order, as constant-time lookups. The store's own
// taskStateRank() searches the list on every call; reconcile asks these
// questions for every task several times per round, so it reads a table
// built once from the same list (the order stays defined in one place).
import { taskStates, type TaskState } from '../store/services.js';

const rankOf = new Map<TaskState, number>(taskStates.map((state, index) => [state, index]));
const completeRank = rankOf.get('complete')!;
const assignedRank = rankOf.get('assigned')!;

export function stateRank(state: TaskState): number {
  return rankOf.get(state)!;
}

/** Ended for good: complete or later in the order (a new task replaces it). */
export function isTerminal(state: TaskState): boolean {
  return rankOf.get(state)! >= completeRank;
}

/** A node has taken the task: assigned or later. */
export function isAssignedOrLater(state: TaskState): boolean {
  return rankOf.get(state)! >= assignedRank;
}
