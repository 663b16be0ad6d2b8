// What the placer is told about the cluster, built the same way for the
// scheduler stage and for rebalancing.
import { type ServiceRecord, type TaskRecord } from '../store/services.js';
import { isAssignedOrLater, isTerminal } from './task-state.js';
import type { NodeRecord } from '../store/state.js';
import type { PlacedTask, PlacerNode } from './placer.js';

export function placerNodes(nodes: readonly NodeRecord[], allocatableMemoryBytes: (node: NodeRecord) => number): PlacerNode[] {
  return nodes.map((node) => ({ node, allocatableMemoryBytes: allocatableMemoryBytes(node) }));
}

/**
 * Tasks that hold memory and ports on a node: assigned or later, not ended.
 * Unlike the scheduler's own note (desired running only), a task that is
 * being shut down is counted too: until its agent reports it stopped, its
 * container still uses the memory, and on a 1 GiB board placing a new task
 * beside it can push the node into the OOM killer. The spec's current
 * reservation stands in for the one the task was made with.
 */
export function placedTasks(tasks: Iterable<TaskRecord>, services: ReadonlyMap<string, ServiceRecord>): PlacedTask[] {
  const placed: PlacedTask[] = [];
  for (const task of tasks) {
    if (task.nodeId === '' || isTerminal(task.state) || !isAssignedOrLater(task.state)) continue;
    const service = services.get(task.serviceId);
    placed.push({
      taskId: task.id,
      serviceId: task.serviceId,
      nodeId: task.nodeId,
      slot: task.slot,
      memoryReservationBytes: service?.spec.resources.memoryReservationBytes ?? 0,
      ports: service?.spec.ports ?? [],
    });
  }
  return placed;
}
