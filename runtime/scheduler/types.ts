// What goes into the scheduler and what comes out. The scheduler is a pure
// function of these values: the caller (the orchestrator's driver) takes a
// store snapshot, builds them, and writes the decisions back through Raft.
import type { PortPublish, ServiceSpec, TaskRecord } from '../store/services.js';
import type { NodeRecord } from '../store/state.js';

/**
 * A node as the scheduler sees it. The allocatable amount is passed beside
 * the record rather than read from it so a caller can hold memory back (for
 * an update that starts new tasks before stopping old ones, say).
 */
export interface SchedulableNode {
  readonly node: NodeRecord;
  /**
   * Bytes task reservations may take on this node: board memory − OS reserve
   * − agent budget. The caller computes it from the board profile; the
   * scheduler only subtracts reservations from it. 0 is allowed (the node
   * then takes only tasks that reserve nothing).
   */
  readonly allocatableMemoryBytes: number;
}

/**
 * A task that already holds a node: it counts against that node's memory,
 * ports and per-service counts. Include every task whose desired state is
 * running and whose state is not terminal; tasks naming a node that is not in
 * `nodes` are ignored (the node was removed).
 */
export interface PlacedTask {
  readonly taskId: string;
  readonly serviceId: string;
  readonly nodeId: string;
  readonly slot: number;
  /** The reservation of the spec the task was made from. */
  readonly memoryReservationBytes: number;
  /** Host-mode ports the task publishes on its node. */
  readonly ports: readonly PortPublish[];
}

/** A task waiting for a node, with the spec of the version it was made from. */
export interface PendingTask {
  /** When task.nodeId is set (global services), only that node is considered. */
  readonly task: TaskRecord;
  readonly service: ServiceSpec;
  /**
   * Architectures the image has a build for ("arm64", "amd64", "arm"), when
   * known from its manifest index. Absent or empty: any node may try.
   */
  readonly imageArchs?: readonly string[];
}

export interface ScheduleInput {
  readonly nodes: readonly SchedulableNode[];
  readonly placed: readonly PlacedTask[];
  /** Placed one after another in this order; each decision is accounted before the next. */
  readonly pending: readonly PendingTask[];
}

/** The stages of the filter pipeline, in the order they run. */
export const filterNames = ['ready', 'platform', 'constraints', 'ports', 'max-replicas', 'memory'] as const;
export type FilterName = (typeof filterNames)[number];

/** How many nodes one filter turned away, and why, in words. */
export interface Rejection {
  readonly filter: FilterName;
  readonly nodes: number;
  /** e.g. "insufficient memory on 3 nodes: needs 512 MiB, most free 200 MiB on pi-3". */
  readonly text: string;
}

export interface PlacedDecision {
  readonly kind: 'placed';
  readonly taskId: string;
  readonly nodeId: string;
}

export interface PendingDecision {
  readonly kind: 'pending';
  readonly taskId: string;
  /** For the task's `message`: "no suitable node (…; …)". */
  readonly reason: string;
  /** The same, structured, most nodes first; empty when the spec itself is invalid. */
  readonly rejections: readonly Rejection[];
}

/** One per pending task, in the order of `pending`. */
export type Decision = PlacedDecision | PendingDecision;

/** A node with all of its recorded allocatable memory (`allocatableBytes`) open to reservations. */
export function schedulableNode(node: NodeRecord): SchedulableNode {
  return { node, allocatableMemoryBytes: node.allocatableBytes };
}

/** The accounting a placed task carries, from its record and its spec. */
export function placedTaskOf(task: TaskRecord, spec: ServiceSpec): PlacedTask {
  return {
    taskId: task.id,
    serviceId: task.serviceId,
    nodeId: task.nodeId,
    slot: task.slot,
    memoryReservationBytes: spec.resources.memoryReservationBytes,
    ports: spec.ports,
  };
}
