// Task history: ended tasks stay in the store so `service ps` can say why a
// slot's earlier tasks ended, but only the newest taskHistoryPerSlotMax of
// them per slot (Swarm's task-history-limit). Also kept, beyond that limit:
// restarts still inside the restart policy's window, which restart.ts
// counts. A slot the service no longer has (scaled away, its node removed,
// the mode changed) keeps no history at all, so history is bounded by the
// slots that exist. A holder is never pruned, even when it has ended (it is
// how a slot that gave up restarting stays visible), and neither is a task
// that has not ended.
import { type ServiceRecord, type TaskRecord } from '../store/services.js';
import { isTerminal } from './task-state.js';
import type { Pass } from './pass.js';
import { restartsInWindow } from './restart.js';
import { isGlobalMode, isLive, type Slot } from './slots.js';

export function pruneHistory(pass: Pass): void {
  for (const service of pass.services()) {
    for (const slot of pass.slotsOf(service.id)) pruneSlot(pass, service, slot);
  }
}

function pruneSlot(pass: Pass, service: ServiceRecord, slot: Slot): void {
  const ended = slot.tasks.filter((task) => !isLive(task) && isTerminal(task.state));
  if (ended.length === 0) return;
  const keep = new Set<TaskRecord>();
  if (slotExists(pass, service, slot)) {
    for (const task of ended.slice(0, pass.config.taskHistoryPerSlotMax)) keep.add(task);
    const { maxAttempts, windowMs } = service.spec.restartPolicy;
    if (maxAttempts > 0 && windowMs > 0) {
      for (const task of restartsInWindow(ended, service.specVersion, pass.nowMs - windowMs)) keep.add(task);
    }
  }
  for (const task of ended) {
    if (!keep.has(task)) pass.emit({ kind: 'removeTask', taskId: task.id });
  }
}

function slotExists(pass: Pass, service: ServiceRecord, slot: Slot): boolean {
  if (isGlobalMode(service.spec.mode)) return slot.slot === 0 && pass.node(slot.nodeId) !== undefined;
  return slot.slot >= 1 && slot.slot <= service.spec.replicas;
}
