// The orchestrator's view of the scheduler: the data types are the
// scheduler's own (runtime/scheduler/types.ts); the orchestrator names only
// the three calls it makes, so the real scheduler plugs in as
//   { place: schedule, rebalance, matches: matchesConstraints }
// and tests use a small stand-in (test/orchestrator/fixtures.ts).
import type { PendingTask, PlacedTask, SchedulableNode } from '../scheduler/types.js';
import type { ServiceSpec } from '../store/services.js';
import type { NodeRecord } from '../store/state.js';

export type { PendingTask, PlacedTask };
/** A node as the placer sees it, with the memory its tasks may reserve. */
export type PlacerNode = SchedulableNode;

export interface PlaceInput {
  readonly nodes: readonly PlacerNode[];
  readonly placed: readonly PlacedTask[];
  /** Placed in this order; each decision counts against the nodes before the next. */
  readonly pending: readonly PendingTask[];
}

export type Decision =
  | { readonly kind: 'placed'; readonly taskId: string; readonly nodeId: string }
  | { readonly kind: 'pending'; readonly taskId: string; readonly reason: string };

export interface RebalanceInput {
  readonly nodes: readonly PlacerNode[];
  readonly placed: readonly PlacedTask[];
  readonly service: { readonly serviceId: string; readonly spec: ServiceSpec };
  /** Most moves to propose at once: the service's update parallelism. */
  readonly movesMax: number;
}

export interface Move {
  readonly taskId: string;
  readonly sourceNodeId: string;
  readonly targetNodeId: string;
}

export interface Placer {
  /** One decision per pending task, in order. Used by the scheduler stage (scheduling.ts), never by reconcile(). */
  place(input: PlaceInput): readonly Decision[];
  /** Running tasks of one service to move for an even spread; empty when it is even already. */
  rebalance(input: RebalanceInput): readonly Move[];
  /**
   * Whether the node passes the spec's placement constraints. Global
   * services use it to decide which nodes get a task, so it must agree with
   * the scheduler's own constraints filter.
   */
  matches(spec: ServiceSpec, node: NodeRecord): boolean;
}
