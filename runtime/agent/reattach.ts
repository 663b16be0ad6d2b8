// How a starting agent lines up its stored records with the containers the
// executor reports (adopted, collected or lost; see the executor's recovery):
// the container is already wherever it is, so the record follows it without
// running any step. What is left over is settled by the first assignment.
import type { ContainerStatus, Executor } from '../containers/executor/index.js';
import { isEdgeError } from '../common/errors.js';
import type { StoredTask } from './state-file.js';
import { isTerminal, newTaskRecord, type TaskRecord } from './task.js';
import type { ImageSource, TransitionDetails } from './task-steps.js';

export interface ReattachHooks {
  nowMs: number;
  transition(task: TaskRecord, state: 'starting' | 'running', details: TransitionDetails): void;
  watch(task: TaskRecord): void;
}

export function restoreTask(entry: StoredTask): TaskRecord {
  return {
    ...newTaskRecord(entry.assignment),
    listed: entry.listed,
    state: entry.state,
    message: entry.message,
    error: entry.error,
    exitCode: entry.exitCode,
    imageId: entry.imageId,
    hadContainer: entry.hadContainer,
    rootfsHeld: entry.rootfsHeld,
    endedAtMs: entry.endedAtMs,
    restartsAtMs: [...entry.restartsAtMs],
  };
}

/** Makes `task` describe `status` (undefined: the executor has no such container). */
export function adoptContainer(task: TaskRecord, status: ContainerStatus | undefined, hooks: ReattachHooks): void {
  if (status === undefined) {
    task.container = 'none';
    // It ran when the record was written and is gone now (deleted, or lost with a reboot).
    if (task.state === 'running') task.exit = { exitCode: null, oomKilled: false, stopRequested: false, finishedAtMs: hooks.nowMs };
    return;
  }
  task.hadContainer = true;
  task.rootfsHeld = true;
  if (status.state === 'created') {
    task.container = 'created';
    if (!isTerminal(task.state) && task.state !== 'starting') hooks.transition(task, 'starting', { message: 'container created (found after an agent restart)' });
  } else if (status.state === 'running') {
    task.container = 'running';
    task.health = status.health;
    if (task.state !== 'running') hooks.transition(task, 'running', { message: 'running (adopted after an agent restart)' });
    hooks.watch(task);
  } else {
    task.container = 'ended';
    // Ended while no agent watched: the finish step turns this into the task's end.
    if (!isTerminal(task.state) && status.exit !== null) task.exit = status.exit;
  }
}

/** Stops and removes a container no assigned task claims, and its rootfs. Best effort: a failure is logged and the next start tries again. */
export async function removeOrphan(
  options: { executor: Executor; images: ImageSource; graceMs: number; log: (line: string) => void },
  status: ContainerStatus,
): Promise<void> {
  try {
    if (status.state === 'running') await options.executor.stop(status.id, { graceMs: options.graceMs });
    await options.executor.remove(status.id);
    await options.images.releaseRootfs(status.id);
  } catch (error) {
    if (!isEdgeError(error, 'EDGE_CONTAINER_NOT_FOUND')) options.log(`container ${status.id} not removed: ${(error as Error).message}`);
  }
}
