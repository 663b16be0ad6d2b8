// Global services (and global jobs): one task per eligible node, i.e. one
// that is ready, active and passes the placement constraints. The task is
// created with its node already set; the scheduler then only checks that it
// fits there (memory, ports).
//   A node that stops matching the constraints, or is drained, has its task
//     shut down (drain and down are also handled by node-availability.ts).
//   A paused node keeps its task and gets none if it has none. So does a
//     node whose status is unknown: it may still be running it.
//   A global job runs once per node: a node that has completed it under the
//     current spec version gets nothing more. Nodes that join later get it.
import type { ServiceRecord } from '../store/services.js';
import type { NodeRecord } from '../store/state.js';
import type { Pass } from './pass.js';
import { isDoneJobSlot } from './replicated.js';
import { isJobMode, nodeSlotKey } from './slots.js';

export function shapeGlobal(pass: Pass): void {
  for (const service of pass.services()) {
    const mode = service.spec.mode;
    if (mode === 'global' || mode === 'global-job') shapeService(pass, service);
  }
}

function shapeService(pass: Pass, service: ServiceRecord): void {
  const slots = pass.slotsOf(service.id);
  for (const slot of slots) {
    const reason = slot.slot > 0 ? 'the service is no longer replicated' : nodeLeaveReason(pass, service, slot.nodeId);
    if (reason === null) continue;
    for (const task of slot.live) {
      // A finished job task stays: it is the record that the job ran on that node, and it runs nothing.
      if (!(isJobMode(service.spec.mode) && task.state === 'complete')) pass.shutDown(task, reason);
    }
  }
  const byKey = new Map(slots.map((slot) => [slot.key, slot]));
  for (const node of pass.nodes()) {
    if (!isEligible(pass, service, node)) continue;
    const slot = byKey.get(nodeSlotKey(node.id));
    if (slot !== undefined && (slot.live.length > 0 || isDoneJobSlot(service, slot))) continue;
    pass.createTask(service, { slot: 0, nodeId: node.id, restartCount: 0, reason: `global task for node ${node.hostname}` });
  }
}

/** Ready, active and matching: a node that gets a task of the service. */
export function isEligible(pass: Pass, service: ServiceRecord, node: NodeRecord): boolean {
  return node.status === 'ready' && node.availability === 'active' && pass.placer.matches(service.spec, node);
}

/** Why the service's task must leave this node, or null when it may stay. */
function nodeLeaveReason(pass: Pass, service: ServiceRecord, nodeId: string): string | null {
  const node = pass.node(nodeId);
  if (node === undefined) return `node ${nodeId} was removed`;
  if (node.status === 'down') return `node ${node.hostname} is down`;
  if (node.availability === 'drain') return `node ${node.hostname} is drained`;
  if (!pass.placer.matches(service.spec, node)) return `node ${node.hostname} no longer matches the placement constraints`;
  return null;
}
