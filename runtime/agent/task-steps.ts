// The task state machine's doing half: each method carries out one step that
// step-plan.ts chose, making at most one state transition. The synchronous
// steps only change the record; the asynchronous ones call the image service
// or the executor. The agent runs at most one step per task at a time.
import type { Clock } from '../common/clock.js';
import { isEdgeError } from '../common/errors.js';
import type { ContainerSpec, Executor, ExitStatus, HealthStatus, Timers } from '../containers/executor/index.js';
import type { ImageRuntimeConfig, ProgressListener } from '../containers/image/index.js';
import type { TaskStatus } from '../wire/messages/dispatcher.js';
import type { AgentConfig } from './config.js';
import { buildContainerSpec, checkRunSpec } from './container-spec.js';
import { describeFailure, statusErrorText } from './errors.js';
import { resolveImageUser } from './image-user.js';
import { outcomeOfExit } from './outcome.js';
import type { ProgressReporter } from './progress-reporter.js';
import type { Slots } from './slots.js';
import { containerIdFor, isTerminal, isUnwanted, restartHistoryMax, type TaskRecord } from './task.js';

/** What the agent needs of the image store (ImageService has it all). */
export interface ImageSource {
  pull(reference: string, options?: { onProgress?: ProgressListener }): Promise<{ id: string }>;
  /** The image already in the store under this name or id; throws when there is none. */
  inspect(reference: string): Promise<{ id: string }>;
  prepareRootfs(imageId: string, containerId: string): Promise<{ rootfsPath: string; config: ImageRuntimeConfig }>;
  releaseRootfs(containerId: string): Promise<void>;
}

export interface TransitionDetails {
  message: string;
  error?: string;
  exitCode?: number | null;
  /** Health to report with the new state; default: kept while running, cleared otherwise. */
  health?: HealthStatus | null;
}

/** The agent's side of the steps: its collaborators and its bookkeeping hooks. */
export interface StepHost {
  executor: Executor;
  images: ImageSource;
  config: AgentConfig;
  clock: Clock;
  timers: Timers;
  progress: ProgressReporter;
  pullSlots: Slots;
  resolveVolume: ((name: string) => Promise<string>) | undefined;
  log: (line: string) => void;
  /** Aborted when the agent stops: retry pauses end early so stop() does not wait them out. */
  stopSignal: AbortSignal;
  /** Moves the task to `state`, reports it (if listed) and marks the state file dirty. */
  transition(task: TaskRecord, state: TaskStatus['state'], details: TransitionDetails): void;
  /** Marks the state file dirty without a reported change. */
  changed(task: TaskRecord): void;
  /** Starts watching the task's running container for its exit. */
  watch(task: TaskRecord): void;
  /** Stops watching (before the agent itself stops or removes the container). */
  unwatch(task: TaskRecord): void;
  /** portKey()s held by other tasks that are to keep running (host-ports.ts). */
  portsClaimedBesides(task: TaskRecord): Set<string>;
}

export class TaskSteps {
  constructor(private readonly host: StepHost) {}

  /** new → accepted, or rejected when this node can never run the spec. */
  accept(task: TaskRecord): void {
    if (containerIdFor(task.assignment.taskId) === null) {
      this.host.transition(task, 'rejected', { message: 'refused by the node', error: 'the task id cannot name a container (1-64 of [A-Za-z0-9_.-]) [EDGE_AGENT_SPEC_UNSUPPORTED]' });
      return;
    }
    const refusal = checkRunSpec(task.assignment.spec, {
      portsInUse: this.host.portsClaimedBesides(task),
      volumesSupported: this.host.resolveVolume !== undefined,
    });
    if (refusal !== null) this.host.transition(task, 'rejected', { message: 'refused by the node', error: statusErrorText(refusal) });
    else this.host.transition(task, 'accepted', { message: 'accepted' });
  }

  /** accepted → preparing; reported before the pull so the manager sees the pull happen. */
  prepare(task: TaskRecord): void {
    this.host.transition(task, 'preparing', { message: `pulling ${task.assignment.spec.image}` });
  }

  /** Fetches the image (no transition on success; preparing → failed when neither the registry nor the store has it). */
  async pull(task: TaskRecord): Promise<void> {
    const reference = task.assignment.spec.image;
    const taskId = task.assignment.taskId;
    try {
      const image = await this.host.pullSlots.run(async () => {
        // Unwanted while it queued for a slot: no download; the next step shuts it down.
        if (isUnwanted(task)) return null;
        return this.host.images.pull(reference, { onProgress: this.host.progress.listenerFor(taskId) });
      });
      if (image === null) return;
      task.imageId = image.id;
    } catch (error) {
      // Offline boards still run what they already have, as swarmkit does when a pull fails.
      const stored = await this.host.images.inspect(reference).catch(() => null);
      if (stored === null) {
        this.host.transition(task, 'failed', { message: 'image pull failed', error: describeFailure(`pulling ${reference} failed`, error) });
        return;
      }
      this.host.log(`task ${taskId}: pull of ${reference} failed (${statusErrorText(error)}); using the copy already in the store`);
      task.imageId = stored.id;
    } finally {
      this.host.progress.end(taskId);
    }
    this.host.changed(task);
  }

  /** Prepares the rootfs and creates the container: preparing → starting, or → failed. */
  async create(task: TaskRecord): Promise<void> {
    const { containerId } = task;
    try {
      const rootfs = await this.freshRootfs(task);
      const spec = buildContainerSpec({
        containerId,
        spec: task.assignment.spec,
        rootfsPath: rootfs.rootfsPath,
        image: rootfs.config,
        user: await resolveImageUser(rootfs.config.user, rootfs.rootfsPath),
        volumePaths: await this.volumePaths(task),
      });
      await this.createContainer(spec);
    } catch (error) {
      await this.releaseRootfs(task).catch(() => undefined);
      this.host.transition(task, 'failed', { message: 'container not created', error: describeFailure('creating the container failed', error) });
      return;
    }
    task.container = 'created';
    task.hadContainer = true;
    this.host.transition(task, 'starting', { message: 'container created' });
  }

  /** starting → running, or → failed (the executor leaves the container created). */
  async start(task: TaskRecord): Promise<void> {
    let health;
    try {
      health = (await this.host.executor.start(task.containerId)).health;
    } catch (error) {
      this.host.transition(task, 'failed', { message: 'container did not start', error: describeFailure('starting the container failed', error) });
      return;
    }
    task.container = 'running';
    // A container with a health check starts "starting"; reported with the transition.
    task.health = health;
    this.host.watch(task);
    const restarts = task.restartsAtMs.length;
    this.host.transition(task, 'running', { message: restarts === 0 ? 'started' : `started again by the agent (local restart ${restarts}) while no manager was reachable` });
  }

  /** Stops the running container; its exit is kept for the finish step. Retries later when the executor refuses. */
  async stop(task: TaskRecord): Promise<void> {
    this.host.unwatch(task);
    let exit: ExitStatus;
    try {
      exit = await this.host.executor.stop(task.containerId, { graceMs: this.host.config.stopGraceMs });
    } catch (error) {
      if (!isEdgeError(error, 'EDGE_CONTAINER_NOT_FOUND')) {
        this.host.log(`task ${task.assignment.taskId}: stop failed, retrying: ${statusErrorText(error)}`);
        this.host.watch(task);
        await this.pause();
        return;
      }
      task.container = 'none';
      exit = { exitCode: null, oomKilled: false, stopRequested: true, finishedAtMs: this.host.clock.nowMs() };
    }
    if (task.container === 'running') task.container = 'ended';
    task.exit = exit;
  }

  /** Removes the container and releases its rootfs; no transition. Retries later when either refuses. */
  async remove(task: TaskRecord): Promise<void> {
    this.host.unwatch(task);
    try {
      if (task.container !== 'none') {
        await this.host.executor.remove(task.containerId).catch((error: unknown) => {
          if (!isEdgeError(error, 'EDGE_CONTAINER_NOT_FOUND')) throw error;
        });
        task.container = 'none';
      }
      await this.releaseRootfs(task);
    } catch (error) {
      this.host.log(`task ${task.assignment.taskId}: removing its container failed, retrying: ${statusErrorText(error)}`);
      await this.pause();
      return;
    }
    this.host.changed(task);
  }

  /** The recorded exit → complete, failed or shutdown. */
  finish(task: TaskRecord): void {
    const exit = task.exit;
    if (exit === null) return;
    const outcome = outcomeOfExit(exit, { memoryLimitBytes: task.assignment.spec.memoryLimitBytes, failReason: task.failReason });
    // A task failed for its health keeps reporting the health that failed it.
    const health = task.failReason !== null ? task.health : null;
    task.exit = null;
    task.failReason = null;
    task.endedAtMs = this.host.clock.nowMs();
    if (task.container === 'running') task.container = 'ended';
    this.host.transition(task, outcome.state, { message: outcome.message, error: outcome.error, exitCode: outcome.exitCode, health });
  }

  /** An unwanted task that never got a running container → shutdown. */
  shutdown(task: TaskRecord): void {
    if (!isTerminal(task.state)) this.host.transition(task, 'shutdown', { message: 'shut down before it ran' });
  }

  /** Starts a local restart: back to preparing, the image kept, counted in the history. */
  restart(task: TaskRecord): void {
    const nowMs = this.host.clock.nowMs();
    task.restartsAtMs = [...task.restartsAtMs, nowMs].slice(-restartHistoryMax);
    const previous = task.error || task.message;
    task.endedAtMs = null;
    this.host.log(`task ${task.assignment.taskId}: restarting locally (restart ${task.restartsAtMs.length}) after: ${previous}`);
    this.host.transition(task, 'preparing', { message: `restarting locally after: ${previous}`, exitCode: null });
  }

  private async createContainer(spec: ContainerSpec): Promise<void> {
    try {
      await this.host.executor.create(spec);
    } catch (error) {
      if (!isEdgeError(error, 'EDGE_CONTAINER_EXISTS')) throw error;
      // Left under this id by a crash between create and the record: stale, since its rootfs was just rebuilt.
      // A running one makes remove() refuse, and that refusal becomes the task's failure.
      await this.host.executor.remove(spec.id);
      await this.host.executor.create(spec);
    }
  }

  private async freshRootfs(task: TaskRecord): Promise<{ rootfsPath: string; config: ImageRuntimeConfig }> {
    const imageId = task.imageId;
    if (imageId === null) throw new Error('no image pulled');
    // A rootfs left by a crash between prepare and create is rebuilt: it may be half made.
    if (task.rootfsHeld) await this.releaseRootfs(task);
    let prepared;
    try {
      prepared = await this.host.images.prepareRootfs(imageId, task.containerId);
    } catch (error) {
      if (!isEdgeError(error, 'EDGE_IMAGE_ROOTFS_EXISTS')) throw error;
      await this.host.images.releaseRootfs(task.containerId);
      prepared = await this.host.images.prepareRootfs(imageId, task.containerId);
    }
    task.rootfsHeld = true;
    this.host.changed(task);
    return prepared;
  }

  private async releaseRootfs(task: TaskRecord): Promise<void> {
    await this.host.images.releaseRootfs(task.containerId);
    task.rootfsHeld = false;
  }

  private async volumePaths(task: TaskRecord): Promise<Map<string, string>> {
    const paths = new Map<string, string>();
    for (const mount of task.assignment.spec.mounts) {
      if (mount.type === 'volume' && this.host.resolveVolume !== undefined) paths.set(mount.source, await this.host.resolveVolume(mount.source));
    }
    return paths;
  }

  private pause(): Promise<void> {
    const { stopSignal, timers } = this.host;
    return new Promise((resolve) => {
      if (stopSignal.aborted) return resolve();
      const onAbort = (): void => {
        timers.clearTimeout(timer);
        resolve();
      };
      const timer = timers.setTimeout(() => {
        stopSignal.removeEventListener('abort', onAbort);
        resolve();
      }, this.host.config.stepRetryDelayMs);
      stopSignal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
