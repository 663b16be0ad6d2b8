// One executor.wait() per running container the agent owns, so a container's
// end reaches its task even when nobody is stepping it. A watcher is
// cancelled before the agent itself stops or removes the container, and an
// answer from a watcher that was replaced is ignored.
import type { Clock } from '../common/clock.js';
import { isEdgeError } from '../common/errors.js';
import type { Executor, ExitStatus } from '../containers/executor/index.js';
import type { TaskRecord } from './task.js';

export interface ExitWatchersOptions {
  executor: Executor;
  clock: Clock;
  log: (line: string) => void;
  /** The task's container ended (task.exit is set); the agent plans the next step. */
  onExit: (task: TaskRecord) => void;
}

export class ExitWatchers {
  private readonly watchers = new Map<string, AbortController>();
  private closed = false;

  constructor(private readonly options: ExitWatchersOptions) {}

  watch(task: TaskRecord): void {
    if (this.closed) return;
    const taskId = task.assignment.taskId;
    this.unwatch(task);
    const controller = new AbortController();
    this.watchers.set(taskId, controller);
    const current = (): boolean => !controller.signal.aborted && this.watchers.get(taskId) === controller;
    this.options.executor.wait(task.containerId, { signal: controller.signal }).then(
      (exit) => {
        if (!current()) return;
        this.watchers.delete(taskId);
        this.ended(task, exit);
      },
      (error: unknown) => {
        if (!current()) return;
        this.watchers.delete(taskId);
        this.options.log(`task ${taskId}: lost sight of its container: ${(error as Error).message}`);
        // Deleted behind the agent's back: an end nobody saw.
        if (isEdgeError(error, 'EDGE_CONTAINER_NOT_FOUND') && task.container === 'running') {
          task.container = 'none';
          this.ended(task, { exitCode: null, oomKilled: false, stopRequested: false, finishedAtMs: this.options.clock.nowMs() });
        }
      },
    );
  }

  unwatch(task: TaskRecord): void {
    const taskId = task.assignment.taskId;
    this.watchers.get(taskId)?.abort();
    this.watchers.delete(taskId);
  }

  /** Cancels every watcher; later watch() calls do nothing. */
  close(): void {
    this.closed = true;
    for (const controller of this.watchers.values()) controller.abort();
    this.watchers.clear();
  }

  private ended(task: TaskRecord, exit: ExitStatus): void {
    if (task.container === 'running') task.container = 'ended';
    else if (task.container !== 'none') return;
    task.exit = exit;
    this.options.onExit(task);
  }
}
