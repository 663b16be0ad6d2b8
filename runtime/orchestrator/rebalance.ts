// Rebalancing: after a node joins or comes back, a replicated service may be
// piled up on the nodes that stayed (Swarm never moves them back,
// moby/swarmkit#310). When a service is settled, this stage asks the
// placer's rebalance hook which tasks to move, and moves them like an update
// batch: at most `update.parallelism` at once, each by a new task in the
// same slot, created on the target node, with the update's order (start-first
// keeps the old task serving until the new one is stable).
//
// Settled means: not updating, rolling back or paused; every slot has one
// live task, of the current spec version, running and stable; nothing of
// the service is still shutting down; and its newest task is at least
// rebalanceQuietMs old. The quiet period and the stability requirement are
// what make it slow: one batch must have settled before the next is even
// considered. Jobs and global services are never moved.
import { type ServiceRecord, type TaskRecord } from '../store/services.js';
import { isTerminal } from './task-state.js';
import { stableAtMs } from './observation.js';
import type { Pass } from './pass.js';
import { placedTasks, placerNodes } from './placement-input.js';
import { isRolling } from './rolling-update.js';

export function rebalanceServices(pass: Pass): void {
  if (!pass.config.rebalanceEnabled) return;
  for (const service of pass.services()) {
    if (service.spec.mode === 'replicated' && service.spec.replicas > 1) rebalanceService(pass, service);
  }
}

function rebalanceService(pass: Pass, service: ServiceRecord): void {
  const holders = settledHolders(pass, service);
  if (holders === null) return;
  const newestMs = pass.tasksOf(service.id).reduce((newest, task) => Math.max(newest, task.createdAtMs), 0);
  const quietUntilMs = newestMs + pass.config.rebalanceQuietMs;
  if (quietUntilMs > pass.nowMs) {
    pass.wakeAt(quietUntilMs);
    return;
  }
  const services = new Map(pass.services().map((record) => [record.id, record]));
  const config = service.spec.update;
  const moves = pass.placer.rebalance({
    nodes: placerNodes(pass.nodes(), pass.allocatableMemoryBytes),
    placed: placedTasks(pass.allTasks(), services),
    service: { serviceId: service.id, spec: service.spec },
    movesMax: config.parallelism === 0 ? service.spec.replicas : config.parallelism,
  });
  const byId = new Map(holders.map((task) => [task.id, task]));
  for (const move of moves.slice(0, config.parallelism === 0 ? moves.length : config.parallelism)) {
    const holder = byId.get(move.taskId);
    const target = pass.node(move.targetNodeId);
    // The hook's word is checked, not trusted: only a holder, from where it is, to a node that takes tasks.
    if (holder === undefined || holder.nodeId !== move.sourceNodeId || target === undefined) continue;
    if (target.status !== 'ready' || target.availability !== 'active' || target.id === holder.nodeId) continue;
    byId.delete(holder.id);
    pass.replaceTask(service, holder, {
      nodeId: target.id,
      restartCount: 0,
      reason: `rebalancing from node ${pass.node(holder.nodeId)?.hostname ?? holder.nodeId} to ${target.hostname} (${config.order})`,
      keepOld: config.order === 'start-first',
    });
  }
}

/** The service's holders when it is settled enough to move, else null. */
function settledHolders(pass: Pass, service: ServiceRecord): TaskRecord[] | null {
  const state = service.updateStatus.state;
  if (isRolling(state) || state === 'paused') return null;
  const holders: TaskRecord[] = [];
  for (const slot of pass.slotsOf(service.id)) {
    for (const task of slot.tasks) {
      if (!isTerminal(task.state) && task.desiredState === 'shutdown') return null;
    }
    if (slot.live.length === 0) continue;
    const holder = slot.live[0]!;
    if (slot.live.length > 1 || holder.specVersion !== service.specVersion || holder.nodeId === '') return null;
    const stableAt = stableAtMs(holder, service.spec, service.spec.update.monitorMs);
    if (stableAt === null || stableAt > pass.nowMs) {
      if (stableAt !== null) pass.wakeAt(stableAt);
      return null;
    }
    holders.push(holder);
  }
  return holders.length === service.spec.replicas ? holders : null;
}
