// Replicated services (and replicated jobs): slots 1..replicas, one holder
// each. An empty slot gets a task; slots above the replica count (the
// highest ones, so scaling down removes the newest slots first) have their
// live tasks shut down. Which node a new task lands on is the scheduler's
// decision: the task is created without one.
//
// A replicated job counts completions: a slot that has a completed task of
// the current spec version is done and gets nothing more; the job is done
// when all its slots are.
import type { ServiceRecord } from '../store/services.js';
import type { Pass } from './pass.js';
import { isJobMode, replicaSlotKey, type Slot } from './slots.js';

export function shapeReplicas(pass: Pass): void {
  for (const service of pass.services()) {
    const mode = service.spec.mode;
    if (mode === 'replicated' || mode === 'replicated-job') shapeService(pass, service);
  }
}

function shapeService(pass: Pass, service: ServiceRecord): void {
  const replicas = service.spec.replicas;
  const slots = pass.slotsOf(service.id);
  for (const slot of slots) {
    if (slot.slot >= 1 && slot.slot <= replicas) continue;
    const reason = slot.slot === 0 ? 'the service is no longer global' : `scaled down to ${replicas}`;
    for (const task of slot.live) pass.shutDown(task, reason);
  }
  const byKey = new Map(slots.map((slot) => [slot.key, slot]));
  for (let number = 1; number <= replicas; number++) {
    const slot = byKey.get(replicaSlotKey(number));
    if (slot !== undefined && (slot.live.length > 0 || isDoneJobSlot(service, slot))) continue;
    const reason = slot === undefined ? `new slot ${number} of ${replicas}` : `slot ${number} is empty`;
    pass.createTask(service, { slot: number, nodeId: '', restartCount: 0, reason });
  }
}

/** A job slot that already completed under the current spec version. */
export function isDoneJobSlot(service: ServiceRecord, slot: Slot): boolean {
  return isJobMode(service.spec.mode) && slot.tasks.some((task) => task.specVersion === service.specVersion && task.state === 'complete');
}
