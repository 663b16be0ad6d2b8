// Slots: the identity a task fills. A replicated service has slots 1..N; a
// global service has one slot per node (task.slot = 0, keyed by nodeId).
// Every task of a slot has its own generation, higher for newer tasks; the
// slot's *holder* is its newest task whose desired state is not shutdown.
// Everything else in a slot is either history (terminal, desired shutdown),
// on its way out (desired shutdown, still running), or a start-first
// predecessor waiting for the holder to prove itself (see fencing.ts).
import type { DesiredTaskState, ServiceMode, ServiceRecord, TaskRecord, UpdateConfig } from '../store/services.js';

export interface Slot {
  /** "replica:3" or "node:<nodeId>". */
  readonly key: string;
  /** Replica number; 0 for a node's slot of a global service. */
  readonly slot: number;
  /** The node of a global slot; '' for a replica slot. */
  readonly nodeId: string;
  /** Every task of the slot, newest generation first. */
  readonly tasks: readonly TaskRecord[];
  /** The tasks whose desired state is not shutdown, newest first; live[0] is the holder. */
  readonly live: readonly TaskRecord[];
}

export function replicaSlotKey(slot: number): string {
  return `replica:${slot}`;
}

export function nodeSlotKey(nodeId: string): string {
  return `node:${nodeId}`;
}

export function slotKeyOf(task: TaskRecord): string {
  return task.slot > 0 ? replicaSlotKey(task.slot) : nodeSlotKey(task.nodeId);
}

/** Desired running (or complete, for a job): the orchestrator still wants this task. */
export function isLive(task: TaskRecord): boolean {
  return task.desiredState !== 'shutdown';
}

export function holderOf(slot: Slot): TaskRecord | undefined {
  return slot.live[0];
}

export function isJobMode(mode: ServiceMode): boolean {
  return mode === 'replicated-job' || mode === 'global-job';
}

export function isGlobalMode(mode: ServiceMode): boolean {
  return mode === 'global' || mode === 'global-job';
}

/** A job's tasks are meant to finish, so they are created with desired state complete. */
export function desiredRunState(mode: ServiceMode): DesiredTaskState {
  return isJobMode(mode) ? 'complete' : 'running';
}

/** The rollback config while rolling back, the update config otherwise (as Swarm does). */
export function updateConfigInEffect(service: ServiceRecord): UpdateConfig {
  return service.updateStatus.state === 'rolling-back' ? service.spec.rollback : service.spec.update;
}

/** Newest first: generation, then creation time, then id, so ties (which only a bug makes) still order the same way everywhere. */
function newestFirst(left: TaskRecord, right: TaskRecord): number {
  if (left.generation !== right.generation) return right.generation - left.generation;
  if (left.createdAtMs !== right.createdAtMs) return right.createdAtMs - left.createdAtMs;
  return left.id < right.id ? 1 : left.id > right.id ? -1 : 0;
}

/** Replica slots by number, then node slots by node id. */
function slotOrder(left: Slot, right: Slot): number {
  if (left.slot !== right.slot) return (left.slot === 0 ? Infinity : left.slot) - (right.slot === 0 ? Infinity : right.slot);
  return left.nodeId < right.nodeId ? -1 : left.nodeId > right.nodeId ? 1 : 0;
}

/** Groups one service's tasks into slots, in slot order. */
export function groupSlots(tasks: Iterable<TaskRecord>): Slot[] {
  const byKey = new Map<string, TaskRecord[]>();
  for (const task of tasks) {
    const key = slotKeyOf(task);
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [task]);
    else list.push(task);
  }
  const slots: Slot[] = [];
  for (const [key, list] of byKey) {
    list.sort(newestFirst);
    const first = list[0]!;
    slots.push({ key, slot: first.slot, nodeId: first.slot > 0 ? '' : first.nodeId, tasks: list, live: list.filter(isLive) });
  }
  return slots.sort(slotOrder);
}
