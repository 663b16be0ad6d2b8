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
// the service is still shutting down; and no task of it was created or
// stopped in the last rebalanceQuietMs. The quiet period and the stability requirement are
// what make it slow: one batch must have settled before the next is even
// considered. Jobs and global services are never moved. A move the
// scheduler cannot place on its target is given up after rebalanceQuietMs,
// counted from when the task it replaces stopped (see predecessor-wait.ts).
import { type ServiceRecord, type TaskRecord } from '../store/services.js';
import { isAssignedOrLater, isTerminal } from './task-state.js';
import { stableAtMs } from './observation.js';
import type { Pass } from './pass.js';
import { placedTasks, placerNodes } from './placement-input.js';
import { PredecessorWaits } from './predecessor-wait.js';
import { isRolling } from './rolling-update.js';
import type { Slot } from './slots.js';

export function rebalanceServices(pass: Pass): void {
  for (const service of pass.services()) {
    if (service.spec.mode !== 'replicated') continue;
    const abandoned = abandonStuckMoves(pass, service);
    if (!abandoned && pass.config.rebalanceEnabled && service.spec.replicas > 1) rebalanceService(pass, service);
  }
}

/**
 * A move is a replica task pinned to its target node. If the scheduler has
 * not placed it within rebalanceQuietMs (the target filled up meanwhile), it
 * is given up: dropped when the old task still serves (start-first), else
 * replaced by a task the scheduler may put anywhere, so the slot is never
 * left waiting on one node. Runs even with rebalancing turned off, to clear
 * moves started before.
 */
function abandonStuckMoves(pass: Pass, service: ServiceRecord): boolean {
  let abandoned = false;
  for (const slot of pass.slotsOf(service.id)) {
    const holder = slot.live[0];
    if (holder === undefined || holder.slot === 0 || holder.nodeId === '' || isAssignedOrLater(holder.state)) continue;
    // A stop-first move is not offered to the scheduler before the task it replaces has stopped; that wait is bounded on its own.
    const wait = new PredecessorWaits(slot.tasks, pass.config.predecessorStopWaitMs).waitOf(holder, pass.nowMs);
    if (wait !== null) {
      pass.wakeAt(wait.untilMs);
      continue;
    }
    const deadlineMs = Math.max(holder.createdAtMs, predecessorEndMs(slot, holder)) + pass.config.rebalanceQuietMs;
    if (deadlineMs > pass.nowMs) {
      pass.wakeAt(deadlineMs);
      continue;
    }
    const reason = `move to node ${holder.nodeId} was not placed within ${pass.config.rebalanceQuietMs} ms`;
    if (slot.live.length > 1) pass.shutDown(holder, reason);
    else pass.replaceTask(service, holder, { nodeId: '', restartCount: holder.restartCount, reason, keepOld: false });
    abandoned = true;
  }
  return abandoned;
}

/** When the older tasks of the slot last reported (their end, once they have stopped); the move's placement window opens then. */
function predecessorEndMs(slot: Slot, move: TaskRecord): number {
  let latest = 0;
  for (const task of slot.tasks) if (task.generation < move.generation && task.desiredState === 'shutdown') latest = Math.max(latest, task.updatedAtMs);
  return latest;
}

function rebalanceService(pass: Pass, service: ServiceRecord): void {
  const holders = settledHolders(pass, service);
  if (holders === null) return;
  const quietUntilMs = lastChangeMs(pass, service) + pass.config.rebalanceQuietMs;
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

/** When a task of the service was last created or last stopped (a given-up move counts, so it is not retried at once). */
function lastChangeMs(pass: Pass, service: ServiceRecord): number {
  let latest = 0;
  for (const task of pass.tasksOf(service.id)) {
    latest = Math.max(latest, task.createdAtMs, task.desiredState === 'shutdown' ? task.updatedAtMs : 0);
  }
  return latest;
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
