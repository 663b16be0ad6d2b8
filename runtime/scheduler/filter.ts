// The shape every filter takes, after swarmkit's scheduler: a filter is bound
// to one task, then asked about nodes one at a time, and when the task fits
// nowhere it explains, in a phrase a person can act on, why it refused the
// nodes it refused. A node is charged to the first filter that refuses it,
// so each refused node appears in exactly one explanation.
import type { Requirements } from './requirements.js';
import type { FilterName } from './types.js';

/** The task a filter is bound to. */
export interface TaskDemand {
  readonly taskId: string;
  readonly serviceId: string;
  readonly requirements: Requirements;
}

export interface Filter {
  readonly name: FilterName;
  /**
   * True when the answer depends only on the node record and the task's
   * spec, never on what is placed: the pipeline computes it once per spec.
   */
  readonly dependsOnNodeOnly: boolean;
  /** Binds the filter to a task. False when it has nothing to check for this task (no ports, no reservation): it is skipped. */
  setTask(demand: TaskDemand): boolean;
  /** Whether the node (a ledger index) can take the bound task. */
  check(nodeIndex: number): boolean;
  /**
   * Why the `rejected` nodes (ledger indexes, never empty) cannot take the
   * bound task. `considered` is how many nodes reached this filter.
   */
  explain(rejected: readonly number[], considered: number): string;
}

/** "1 node", "3 nodes". */
export function nodeCount(count: number): string {
  return count === 1 ? '1 node' : `${count} nodes`;
}

/** Counts of each key, in first-seen order: the filters' explanations group nodes by cause. */
export function tally<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const name = key(item);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}
