// What happens to tasks when their node changes:
//   down or removed: no agent will report for the node's tasks again, so
//     each one that had started is marked orphaned (terminal) and every live
//     one gets desired shutdown. A replica holder is replaced at once, with
//     no restart delay: the task did not fail, its node did. A global task is
//     not replaced (its slot is that node). Because orphaned is a final
//     state, a node coming back cannot turn those tasks back into running
//     ones, and the agent learns from the desired state to stop them.
//   drain: live tasks get desired shutdown and replicas are replaced
//     elsewhere (stop-first, as in Swarm: drain frees the node now). This is
//     a move, not a restart, so the restart policy and its counter are not
//     involved.
//   no longer matching the service's constraints (a label was removed, or
//     the constraints changed): the same as drain, for that service only
//     (Swarm's constraint enforcer).
//   pause: nothing here; the node keeps its tasks and gets no new ones (the
//     scheduler and the global stage skip it).
//   unknown: nothing; the node may well be running its tasks, and replacing
//     them would double them. Managers learn the truth from gossip soon.
// Only non-terminal tasks are touched: a failed or completed task is the
// restart stage's business, wherever its node is.
import { type ServiceRecord, type TaskRecord } from '../store/services.js';
import { isAssignedOrLater, isTerminal } from './task-state.js';
import type { NodeRecord } from '../store/state.js';
import type { Pass } from './pass.js';
import { holderOf, isGlobalMode, isLive } from './slots.js';

export function handleNodeAvailability(pass: Pass): void {
  for (const task of pass.allTasks()) {
    if (isTerminal(task.state) || task.nodeId === '') continue;
    const node = pass.node(task.nodeId);
    if (node === undefined || node.status === 'down') loseTask(pass, task, lostReason(task.nodeId, node));
    else if (isLive(task) && node.availability === 'drain') moveTask(pass, task, `node ${node.hostname} is drained`);
    else if (isLive(task) && !matchesOwnService(pass, task, node)) moveTask(pass, task, `node ${node.hostname} no longer matches the placement constraints`);
  }
}

/** False when the node's labels (or the spec's constraints) changed so that the task's service may no longer run there. */
function matchesOwnService(pass: Pass, task: TaskRecord, node: NodeRecord): boolean {
  const service = pass.service(task.serviceId);
  return service === undefined || pass.placer.matches(service.spec, node);
}

function lostReason(nodeId: string, node: NodeRecord | undefined): string {
  return node === undefined ? `node ${nodeId} was removed` : `node ${node.hostname} is down`;
}

/** A task that had started on a lost node is orphaned; one that had not was only earmarked for it and is simply shut down. */
function loseTask(pass: Pass, task: TaskRecord, reason: string): void {
  const service = pass.service(task.serviceId);
  const replace = service !== undefined && isLive(task) && isReplicaHolder(pass, service, task);
  pass.shutDown(task, reason);
  if (isAssignedOrLater(task.state)) pass.emit({ kind: 'markTask', taskId: task.id, state: 'orphaned', message: reason, atMs: pass.nowMs });
  if (replace) pass.createTask(service, { slot: task.slot, nodeId: '', restartCount: task.restartCount, reason: `replaces ${task.id}: ${reason}` });
}

function moveTask(pass: Pass, task: TaskRecord, reason: string): void {
  const service = pass.service(task.serviceId);
  if (service !== undefined && isReplicaHolder(pass, service, task)) {
    pass.replaceTask(service, task, { nodeId: '', restartCount: task.restartCount, reason, keepOld: false });
  } else {
    pass.shutDown(task, reason);
  }
}

/** The holder of a replica slot the service still has: its loss leaves the slot empty, so it needs a successor. */
function isReplicaHolder(pass: Pass, service: ServiceRecord, task: TaskRecord): boolean {
  if (isGlobalMode(service.spec.mode) || task.slot === 0 || task.slot > service.spec.replicas) return false;
  const slot = pass.slotOf(task);
  return slot !== undefined && holderOf(slot)?.id === task.id;
}
