// A new task waits for the older task of its slot to stop. Replacing a task
// (stop-first update, rebalance move, drain, a node no longer matching)
// gives the old one desired shutdown and creates its successor in the same
// pass; without this wait the successor starts on another node while the
// old one is still inside its stop grace period, and the slot runs twice
// (the lab saw ten seconds of two running replicas per stop-first move).
// As in Swarm, the successor is held back from the scheduler until the old
// task has ended, and no longer than predecessorStopWaitMs: an agent that
// never reports must not keep a slot empty for ever.
//
// Only tasks already on a node (assigned or later, not ended) and no longer
// wanted count as stopping. A start-first predecessor is still wanted, so a
// handover never waits; a task of a node declared down is orphaned (ended)
// in the pass that replaces it, so a lost node never holds anything up.
import type { TaskRecord } from '../store/services.js';
import { isLive, slotKeyOf } from './slots.js';
import { isAssignedOrLater, isTerminal } from './task-state.js';

export interface PredecessorWait {
  /** The older task of the slot that is still stopping. */
  readonly predecessor: TaskRecord;
  /** When the successor stops waiting for it, ms. */
  readonly untilMs: number;
}

function isStopping(task: TaskRecord): boolean {
  return !isLive(task) && isAssignedOrLater(task.state) && !isTerminal(task.state);
}

function slotIdentity(task: TaskRecord): string {
  return `${task.serviceId}/${slotKeyOf(task)}`;
}

/** Finds, for tasks waiting to be placed, the older task of their slot they must let stop first. */
export class PredecessorWaits {
  private readonly stoppingBySlot = new Map<string, TaskRecord[]>();

  constructor(tasks: Iterable<TaskRecord>, readonly waitMs: number) {
    for (const task of tasks) {
      if (!isStopping(task)) continue;
      const key = slotIdentity(task);
      const list = this.stoppingBySlot.get(key);
      if (list === undefined) this.stoppingBySlot.set(key, [task]);
      else list.push(task);
    }
  }

  /** The wait of `task` at `nowMs`, or null when nothing older in its slot is stopping (or the wait is over). */
  waitOf(task: TaskRecord, nowMs: number): PredecessorWait | null {
    const untilMs = task.createdAtMs + this.waitMs;
    if (untilMs <= nowMs) return null;
    const stopping = this.stoppingBySlot.get(slotIdentity(task));
    const predecessor = stopping?.find((candidate) => candidate.generation < task.generation);
    return predecessor === undefined ? null : { predecessor, untilMs };
  }
}

/** The words `service ps` shows for a task held back by its predecessor; constant while it waits, so it is written once. */
export function predecessorWaitMessage(wait: PredecessorWait, waitMs: number): string {
  return `waiting for task ${wait.predecessor.id} to stop first (at most ${Math.ceil(waitMs / 1000)} s)`;
}
