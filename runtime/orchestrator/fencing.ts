// Fencing: at most one task per slot is wanted at a time, and it is the
// newest. Swarm can show "2/1" after a partition heals (moby/moby#48484):
// the node that was away still runs the old task of a slot that has long
// been given a new one. Here each new task of a slot gets a higher
// generation, and this stage keeps only the slot's holder (its newest live
// task); every older live task gets desired shutdown.
//
// One exception, the start-first handover: an update or a rebalance move
// with order start-first creates the new task while the old one keeps
// serving, and the old one is shut down only once the new one is stable
// (running, and healthy when there is a health check, for monitorMs). An
// older task may stay live beside the holder only if it can really be that
// predecessor: it is not terminal, and its node is ready, not drained, and
// has not changed status since the holder was created. A node that was down
// or unknown when the holder was made and has come back since therefore
// never keeps its old task, whatever state it reports. If several older
// tasks qualify, the one running longest stays (the proven one).
import { type ServiceRecord, type TaskRecord } from '../store/services.js';
import { isTerminal } from './task-state.js';
import { observedSinceMs, stableAtMs } from './observation.js';
import type { Pass } from './pass.js';
import { updateConfigInEffect, type Slot } from './slots.js';

export function fenceSlots(pass: Pass): void {
  for (const service of pass.services()) {
    for (const slot of pass.slotsOf(service.id)) {
      if (slot.live.length > 1) fenceSlot(pass, service, slot);
    }
  }
}

function fenceSlot(pass: Pass, service: ServiceRecord, slot: Slot): void {
  const [holder, ...older] = slot.live;
  if (holder === undefined) return;
  const kept = predecessorOf(pass, holder, older);
  for (const task of older) {
    if (task !== kept) pass.shutDown(task, `superseded: slot has newer task ${holder.id} (generation ${holder.generation} > ${task.generation})`);
  }
  if (kept === undefined) return;
  const stableAt = stableAtMs(holder, service.spec, updateConfigInEffect(service).monitorMs);
  if (stableAt === null) return;
  if (stableAt <= pass.nowMs) pass.shutDown(kept, `replaced by task ${holder.id}, which is now stable`);
  else pass.wakeAt(stableAt);
}

/** The older live task allowed to keep serving while the holder proves itself, if any. */
function predecessorOf(pass: Pass, holder: TaskRecord, older: readonly TaskRecord[]): TaskRecord | undefined {
  let best: TaskRecord | undefined;
  for (const task of older) {
    if (!mayHandOver(pass, holder, task)) continue;
    if (best === undefined || longerRunning(task, best)) best = task;
  }
  return best;
}

function mayHandOver(pass: Pass, holder: TaskRecord, task: TaskRecord): boolean {
  if (isTerminal(task.state) || task.nodeId === '') return false;
  const node = pass.node(task.nodeId);
  if (node === undefined || node.status !== 'ready' || node.availability === 'drain') return false;
  return node.statusChangedAtMs <= holder.createdAtMs;
}

/** Running beats not running; then the earlier report of running wins; then the higher generation. */
function longerRunning(candidate: TaskRecord, incumbent: TaskRecord): boolean {
  const candidateRuns = candidate.state === 'running';
  const incumbentRuns = incumbent.state === 'running';
  if (candidateRuns !== incumbentRuns) return candidateRuns;
  if (candidateRuns && observedSinceMs(candidate) !== observedSinceMs(incumbent)) return observedSinceMs(candidate) < observedSinceMs(incumbent);
  return candidate.generation > incumbent.generation;
}
