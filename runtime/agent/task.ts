// What the agent knows about one task: the manager's assignment (desired
// state, never changed here) beside the agent's own observations (the state
// it reports, the container it made, local restart bookkeeping).
import type { ExitStatus, HealthStatus } from '../containers/executor/index.js';
import type { Assignment, TaskStatus } from '../wire/messages/dispatcher.js';

/** The states reported to the manager, plus "new": listed but not yet looked at. */
export type ObservedState = TaskStatus['state'] | 'new';

/**
 * What the executor holds for the task, as far as the agent knows.
 * none → created → running → ended → none (after remove).
 */
export type ContainerPresence = 'none' | 'created' | 'running' | 'ended';

export interface TaskRecord {
  /** The latest assignment for this task id. Only desiredState is taken from later copies (specs are immutable). */
  assignment: Assignment;
  /** In the latest full assignment set. An unlisted task is stopped, removed and forgotten. */
  listed: boolean;
  state: ObservedState;
  message: string;
  error: string;
  exitCode: number | null;
  health: HealthStatus | null;
  /** Derived from the task id (see containerIdFor); the same for every local restart. */
  containerId: string;
  /** Set once the image is in the store; kept across local restarts so they need no registry. */
  imageId: string | null;
  container: ContainerPresence;
  /** A container was created for this task at some point (so containerId means something in its status). */
  hadContainer: boolean;
  /** A rootfs is prepared for containerId (released by the remove step). */
  rootfsHeld: boolean;
  /** The end the exit watcher saw, not yet turned into complete/failed by the finish step. */
  exit: ExitStatus | null;
  /** Why the running container is to be stopped and the task failed (unhealthy), if so. */
  failReason: string | null;
  /** Wall-clock ms when the task last reached a terminal state; restart delays count from it. */
  endedAtMs: number | null;
  /** Wall-clock ms of each local restart, oldest first, at most restartHistoryMax entries. */
  restartsAtMs: number[];
}

/** Enough for any maxAttempts a person would set; older entries only matter without a window, where the count saturates. */
export const restartHistoryMax = 100;

const containerIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * The container id for a task: the task id itself, so an agent that lost its
 * state file still finds each task's container by name. Null when the id
 * cannot name a container (the task is then rejected).
 */
export function containerIdFor(taskId: string): string | null {
  return containerIdPattern.test(taskId) ? taskId : null;
}

export function newTaskRecord(assignment: Assignment): TaskRecord {
  return {
    assignment,
    listed: true,
    state: 'new',
    message: '',
    error: '',
    exitCode: null,
    health: null,
    containerId: containerIdFor(assignment.taskId) ?? '',
    imageId: null,
    container: 'none',
    hadContainer: false,
    rootfsHeld: false,
    exit: null,
    failReason: null,
    endedAtMs: null,
    restartsAtMs: [],
  };
}

export function isTerminal(state: ObservedState): boolean {
  return state === 'complete' || state === 'failed' || state === 'shutdown' || state === 'rejected';
}

/** The task should be stopped: the manager said so, or no longer lists it. */
export function isUnwanted(task: TaskRecord): boolean {
  return !task.listed || task.assignment.desiredState === 'shutdown';
}

/** The wire form of the task's current observation. */
export function statusOf(task: TaskRecord, atMs: number): TaskStatus {
  const status: TaskStatus = {
    taskId: task.assignment.taskId,
    state: task.state === 'new' ? 'accepted' : task.state,
    message: task.message,
    error: task.error,
    containerId: task.hadContainer ? task.containerId : '',
    atMs,
  };
  return {
    ...status,
    ...(task.exitCode === null ? {} : { exitCode: task.exitCode }),
    ...(task.health === null ? {} : { health: task.health }),
  };
}
