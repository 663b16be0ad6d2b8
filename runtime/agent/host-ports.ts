// Published ports in host mode belong to the board: one task at a time can
// listen on a given port and protocol. A new task is refused when a task that
// is meant to keep running holds its port; when the holder is only being shut
// down (a stop-first update, a task that left the assignment), the new task
// is accepted and waits before creating its container until the old one has
// ended, rather than failing to bind.
import { portKey } from './container-spec.js';
import { isUnwanted, type TaskRecord } from './task.js';

/** portKey()s a task may be listening on: from acceptance until its container has ended. */
export function portsHeldBy(task: TaskRecord): string[] {
  const live = task.container === 'running' || task.state === 'accepted' || task.state === 'preparing' || task.state === 'starting' || task.state === 'running';
  return live ? task.assignment.spec.ports.map(portKey) : [];
}

/** Ports held by tasks other than `task` that are to keep running: a conflict with these is a rejection. */
export function portsClaimedBesides(task: TaskRecord, tasks: Iterable<TaskRecord>): Set<string> {
  const claimed = new Set<string>();
  for (const other of tasks) {
    if (other !== task && !isUnwanted(other)) for (const key of portsHeldBy(other)) claimed.add(key);
  }
  return claimed;
}

/** True when no other task, wanted or on its way out, still holds one of `task`'s ports. */
export function portsFreeFor(task: TaskRecord, tasks: Iterable<TaskRecord>): boolean {
  const wanted = task.assignment.spec.ports.map(portKey);
  if (wanted.length === 0) return true;
  for (const other of tasks) {
    if (other !== task && portsHeldBy(other).some((key) => wanted.includes(key))) return false;
  }
  return true;
}
