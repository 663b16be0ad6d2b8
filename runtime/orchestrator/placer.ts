// The orchestrator's view of the scheduler. The scheduler's API is not final,
// so the orchestrator names only what it calls; the shapes match
// runtime/scheduler/types.ts so the real one plugs in as
//   { place: schedule, rebalance, matches: <constraints check> }.
// Tests use a small stand-in (test/orchestrator/fixtures.ts).
import type { PortPublish, ServiceSpec, TaskRecord } from '../store/services.js';
import type { NodeRecord } from '../store/state.js';

export interface PlacerNode {
  readonly node: NodeRecord;
  /** Bytes task reservations may take on the node (board memory minus OS and agent budgets). */
  readonly allocatableMemoryBytes: number;
}

/** A task holding memory and ports on a node. */
export interface PlacedTask {
  readonly taskId: string;
  readonly serviceId: string;
  readonly nodeId: string;
  readonly slot: number;
  readonly memoryReservationBytes: number;
  readonly ports: readonly PortPublish[];
}

/** A task waiting for a node. When task.nodeId is already set (global services, rebalance moves), only that node may take it. */
export interface PendingTask {
  readonly task: TaskRecord;
  readonly service: ServiceSpec;
}

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
