// The worker side of the dispatcher protocol. The manager writes desired
// state (dispatcher.assign: the full task set for this node); the agent
// drives each task toward it one step at a time and writes observed state
// (dispatcher.status). The daemon owns the session link and calls in:
//
//   onAssign(body)     for every dispatcher.assign event
//   onSessionOpen()    when a session with a manager is up (sends hello)
//   onSessionLost()    when it is gone (the agent then runs on its own)
//   onHealthChange(e)  from the executor's onHealthChange hook
//   stop()             at shutdown; containers keep running for the next agent
import type { Clock } from '../common/clock.js';
import {
  systemTimers, type ContainerStatus, type Executor, type HealthEvent, type Timers,
} from '../containers/executor/index.js';
import { assignTopic, helloTopic, progressTopic, statusTopic, type TaskStatus } from '../wire/messages/dispatcher.js';
import type { Infer } from '../wire/schema.js';
import { validateAgentConfig, type AgentConfig } from './config.js';
import { AgentStoppedError, AssignmentInvalidError } from './errors.js';
import { ProgressReporter } from './progress-reporter.js';
import { Slots } from './slots.js';
import { ExitWatchers } from './exit-watchers.js';
import { adoptContainer, removeOrphan, restoreTask } from './reattach.js';
import { loadState, StateWriter, storedTaskOf, type StoredState } from './state-file.js';
import { StatusReporter, type StatusCounters } from './status-reporter.js';
import { planStep } from './step-plan.js';
import { newTaskRecord, statusOf, type TaskRecord } from './task.js';
import { portsClaimedBesides, portsFreeFor } from './host-ports.js';
import { TaskSteps, type ImageSource, type StepHost, type TransitionDetails } from './task-steps.js';

/** What Timers.setTimeout returns (the executor's index does not export the name). */
type TimerHandle = ReturnType<Timers['setTimeout']>;

export type AssignBody = Infer<typeof assignTopic.body>;
export type AgentTopic = typeof statusTopic.topic | typeof helloTopic.topic | typeof progressTopic.topic;

export interface AgentOptions {
  nodeId: string;
  executor: Executor;
  images: ImageSource;
  /** Sends on the current session link. May throw (no link, EDGE_LINK_BACKPRESSURE); the agent keeps what matters and retries. */
  send: (topic: AgentTopic, body: unknown) => void;
  clock: Clock;
  /** Default: real timers, unref'd. */
  timers?: Timers;
  log: (line: string) => void;
  /** Where agent-state.json lives; on the board's persistent data partition. */
  stateDir: string;
  config?: Partial<AgentConfig>;
  /** Host path of a named volume. Without it, tasks with volume mounts are rejected. */
  resolveVolume?: (name: string) => Promise<string>;
}

export interface AgentCounters extends StatusCounters {
  progressSent: number;
  progressDropped: number;
  stateWrites: number;
  localRestarts: number;
}

/** Pure steps in a row before the agent yields; the longest real chain is new → accepted → preparing. */
const pureStepsMax = 8;
type AsyncStep = 'pull' | 'create' | 'start' | 'stop' | 'remove';

/** Builds the agent, reads its state file and re-attaches to the containers the executor knows. */
export async function createAgent(options: AgentOptions): Promise<Agent> {
  const agent = new Agent(options, validateAgentConfig(options.config));
  await agent.boot();
  return agent;
}

export class Agent {
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly inFlight = new Map<string, { kind: AsyncStep; done: Promise<void> }>();
  private readonly background = new Set<Promise<void>>();
  private readonly watchers: ExitWatchers;
  private readonly wakeups = new Map<string, { timer: TimerHandle; atMs: number }>();
  /** Containers found at start that no stored task claims; settled by the first assignment. */
  private readonly orphans = new Map<string, ContainerStatus>();
  private readonly timers: Timers;
  private readonly reporter: StatusReporter;
  private readonly progress: ProgressReporter;
  private readonly writer: StateWriter;
  private readonly steps: TaskSteps;
  private readonly stopController = new AbortController();
  private online = false;
  private kickQueued = false;
  private helloTimer: TimerHandle | null = null;
  /** Version of the last assignment applied; hello's knownVersion. */
  private version = 0;
  /** Newest version applied on the current session; older ones on it are stale. */
  private sessionVersion: number | null = null;
  private assignedSinceStart = false;
  private localRestarts = 0;

  constructor(private readonly options: AgentOptions, readonly config: AgentConfig) {
    this.timers = options.timers ?? systemTimers();
    this.reporter = new StatusReporter({
      send: (body) => options.send(statusTopic.topic, body),
      timers: this.timers,
      flushIntervalMs: config.statusFlushIntervalMs,
      batchMax: config.statusBatchMax,
      tasksMax: config.statusTasksMax,
      log: options.log,
    });
    this.progress = new ProgressReporter({
      send: (event) => options.send(progressTopic.topic, event),
      timers: this.timers,
      clock: options.clock,
      intervalMs: config.progressIntervalMs,
    });
    this.writer = new StateWriter({
      stateDir: options.stateDir,
      timers: this.timers,
      delayMs: config.stateWriteDelayMs,
      snapshot: () => this.snapshot(),
      log: options.log,
    });
    this.watchers = new ExitWatchers({ executor: options.executor, clock: options.clock, log: options.log, onExit: () => this.kick() });
    this.steps = new TaskSteps(this.stepHost());
  }

  /** Called once by createAgent(). */
  async boot(): Promise<void> {
    let stored: StoredState | null = null;
    try {
      stored = await loadState(this.options.stateDir);
    } catch (error) {
      this.options.log((error as Error).message);
    }
    if (stored !== null && stored.nodeId !== this.options.nodeId) {
      this.options.log(`agent state belongs to node ${stored.nodeId}, not ${this.options.nodeId}; starting without it`);
      stored = null;
    }
    const containers = new Map((await this.options.executor.list()).map((status) => [status.id, status]));
    this.version = stored?.version ?? 0;
    for (const entry of stored?.tasks ?? []) {
      const task = restoreTask(entry);
      this.tasks.set(entry.assignment.taskId, task);
      this.adopt(task, containers.get(task.containerId));
      containers.delete(task.containerId);
    }
    for (const [id, status] of containers) this.orphans.set(id, status);
    // The unacknowledged statuses died with the previous agent: report every task's present state instead.
    for (const task of this.tasks.values()) this.report(task);
    this.kick();
  }

  /** Applies a full assignment set (desired state). Resolves once it is on disk and acted upon. */
  async onAssign(body: AssignBody): Promise<void> {
    if (this.stopController.signal.aborted) throw new AgentStoppedError('apply an assignment');
    const ids = checkAssignment(body, this.config.tasksMax);
    if (this.online && this.sessionVersion !== null && body.version < this.sessionVersion) {
      this.options.log(`ignored assignment version ${body.version}: version ${this.sessionVersion} already applied on this session`);
      return;
    }
    if (this.online) this.sessionVersion = body.version;
    for (const assignment of body.tasks) {
      const task = this.tasks.get(assignment.taskId);
      if (task === undefined) {
        this.tasks.set(assignment.taskId, newTaskRecord(assignment));
        continue;
      }
      if (task.assignment.specVersion !== assignment.specVersion || task.assignment.generation !== assignment.generation) {
        this.options.log(`task ${assignment.taskId}: a task's spec cannot change; keeping the first, taking only the desired state`);
      }
      task.assignment = { ...task.assignment, desiredState: assignment.desiredState };
      task.listed = true;
    }
    for (const [taskId, task] of this.tasks) {
      if (ids.has(taskId)) continue;
      task.listed = false;
      this.reporter.forget(taskId);
    }
    this.version = body.version;
    this.reporter.assignmentReceived(body.version);
    if (!this.assignedSinceStart) {
      this.assignedSinceStart = true;
      this.settleOrphans();
    }
    // On disk before acted on: a crash now must not leave containers no record explains.
    await this.writer.writeNow().catch(() => undefined);
    this.kick();
  }

  onSessionOpen(): void {
    if (this.stopController.signal.aborted) return;
    this.online = true;
    this.sessionVersion = null;
    this.progress.setOnline(true);
    this.reporter.openSession();
    this.sendHello();
    this.kick();
  }

  onSessionLost(): void {
    this.online = false;
    this.sessionVersion = null;
    this.progress.setOnline(false);
    this.reporter.closeSession();
    this.cancelHello();
    this.kick();
  }

  /** Wire to the executor's onHealthChange. Unhealthy fails the task, as in swarm mode. */
  onHealthChange(event: HealthEvent): void {
    const task = this.tasks.get(event.id);
    if (task === undefined || task.containerId !== event.id || task.container !== 'running') return;
    task.health = event.current;
    if (event.current === 'unhealthy' && task.failReason === null) {
      const retries = task.assignment.spec.healthCheck?.retries || 3;
      const output = event.output.trim().slice(0, 200);
      task.failReason = `unhealthy: health check failed ${retries} time(s) in a row${output === '' ? '' : `: ${output}`}`;
    }
    if (task.state === 'running') this.report(task);
    this.kick();
  }

  /**
   * Stops the agent's own work, waits for the steps in flight (pulls
   * excepted) and saves its record. Containers keep running; a new agent
   * adopts them. Call before the executor's close().
   */
  async stop(): Promise<void> {
    if (this.stopController.signal.aborted) return;
    this.stopController.abort();
    this.cancelHello();
    for (const { timer } of this.wakeups.values()) this.timers.clearTimeout(timer);
    this.wakeups.clear();
    this.watchers.close();
    this.reporter.stop();
    this.progress.stop();
    this.writer.cancel();
    // Pulls are not waited for: they can take minutes and resume from their partial files next time.
    const steps = [...this.inFlight.values()].filter((step) => step.kind !== 'pull').map((step) => step.done);
    await Promise.allSettled([...steps, ...this.background]);
    await this.writer.writeNow().catch(() => undefined);
  }

  /** Every task's current observation (unlisted ones being removed too). */
  taskStatuses(): TaskStatus[] {
    const nowMs = this.options.clock.nowMs();
    return [...this.tasks.values()].map((task) => statusOf(task, nowMs));
  }

  get counters(): AgentCounters {
    return {
      ...this.reporter.counters,
      progressSent: this.progress.counters.sent,
      progressDropped: this.progress.counters.dropped,
      stateWrites: this.writer.writes,
      localRestarts: this.localRestarts,
    };
  }

  /** Resolves when no step is in flight (steps waiting on timers need those timers to move). For tests and shutdown ordering. */
  async idle(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      const busy = [...[...this.inFlight.values()].map((step) => step.done), ...this.background];
      if (busy.length === 0 && !this.kickQueued) break;
      await Promise.allSettled(busy);
    }
    await this.writer.idle();
  }

  private kick(): void {
    if (this.kickQueued || this.stopController.signal.aborted) return;
    this.kickQueued = true;
    queueMicrotask(() => {
      this.kickQueued = false;
      if (this.stopController.signal.aborted) return;
      for (const task of [...this.tasks.values()]) {
        if (!this.inFlight.has(task.assignment.taskId)) this.advance(task);
      }
    });
  }

  /** Runs the task's pure steps at once (so the next task's accept sees their ports) and starts at most one async step. */
  private advance(task: TaskRecord): void {
    const taskId = task.assignment.taskId;
    for (let count = 0; count < pureStepsMax; count++) {
      const step = planStep(task, { online: this.online, nowMs: this.options.clock.nowMs(), portsFree: () => portsFreeFor(task, this.tasks.values()) });
      if (step.kind !== 'wait') this.clearWakeup(taskId);
      switch (step.kind) {
        case 'none':
          return;
        case 'wait':
          return this.wakeAt(taskId, step.untilMs);
        case 'forget':
          this.tasks.delete(taskId);
          this.reporter.forget(taskId);
          this.writer.markDirty();
          return;
        case 'accept':
        case 'prepare':
        case 'finish':
        case 'shutdown':
          this.steps[step.kind](task);
          continue;
        case 'restart':
          this.localRestarts += 1;
          this.steps.restart(task);
          continue;
        default:
          return this.runAsync(task, step.kind);
      }
    }
    this.kick();
  }

  private runAsync(task: TaskRecord, kind: AsyncStep): void {
    const taskId = task.assignment.taskId;
    const run = this.steps[kind](task)
      .catch((error: unknown) => this.options.log(`task ${taskId}: ${kind} step ended unexpectedly: ${(error as Error).message}`))
      .finally(() => {
        this.inFlight.delete(taskId);
        this.kick();
      });
    this.inFlight.set(taskId, { kind, done: run });
  }

  private wakeAt(taskId: string, atMs: number): void {
    const existing = this.wakeups.get(taskId);
    if (existing?.atMs === atMs) return;
    this.clearWakeup(taskId);
    const delayMs = Math.max(0, atMs - this.options.clock.nowMs());
    const timer = this.timers.setTimeout(() => {
      this.wakeups.delete(taskId);
      this.kick();
    }, delayMs);
    this.wakeups.set(taskId, { timer, atMs });
  }

  private clearWakeup(taskId: string): void {
    const existing = this.wakeups.get(taskId);
    if (existing !== undefined) this.timers.clearTimeout(existing.timer);
    this.wakeups.delete(taskId);
  }

  private adopt(task: TaskRecord, status: ContainerStatus | undefined): void {
    adoptContainer(task, status, {
      nowMs: this.options.clock.nowMs(),
      transition: (adopted, state, details) => this.transition(adopted, state, details),
      watch: (adopted) => this.watchers.watch(adopted),
    });
  }

  /** The first assignment after start decides each orphan: a listed task adopts it, anything else is removed. */
  private settleOrphans(): void {
    for (const [id, status] of this.orphans) {
      const task = this.tasks.get(id);
      if (task !== undefined && task.listed && task.container === 'none' && task.containerId === id) {
        this.adopt(task, status);
        continue;
      }
      this.options.log(`container ${id} belongs to no assigned task; removing it`);
      const orphan = { executor: this.options.executor, images: this.options.images, graceMs: this.config.stopGraceMs, log: this.options.log };
      const work = removeOrphan(orphan, status).finally(() => this.background.delete(work));
      this.background.add(work);
    }
    this.orphans.clear();
  }

  private transition(task: TaskRecord, state: TaskStatus['state'], details: TransitionDetails): void {
    task.state = state;
    task.message = details.message;
    task.error = details.error ?? '';
    if (details.exitCode !== undefined) task.exitCode = details.exitCode;
    if (details.health !== undefined) task.health = details.health;
    else if (state !== 'running') task.health = null;
    this.report(task);
    this.markDirty();
  }

  private report(task: TaskRecord): void {
    if (task.listed && task.state !== 'new') this.reporter.record(statusOf(task, this.options.clock.nowMs()));
  }

  private markDirty(): void {
    if (!this.stopController.signal.aborted) this.writer.markDirty();
  }

  private sendHello(): void {
    this.cancelHello();
    try {
      this.options.send(helloTopic.topic, { nodeId: this.options.nodeId, knownVersion: this.version });
    } catch (error) {
      // Without hello the manager may never send the tasks; try again until an assignment arrives.
      this.options.log(`hello not sent, retrying: ${(error as Error).message}`);
      this.helloTimer = this.timers.setTimeout(() => {
        this.helloTimer = null;
        if (this.online && this.sessionVersion === null) this.sendHello();
      }, this.config.stepRetryDelayMs);
    }
  }

  private cancelHello(): void {
    if (this.helloTimer !== null) this.timers.clearTimeout(this.helloTimer);
    this.helloTimer = null;
  }

  private snapshot(): StoredState {
    return { format: 1, nodeId: this.options.nodeId, version: this.version, tasks: [...this.tasks.values()].map(storedTaskOf) };
  }

  private stepHost(): StepHost {
    const { executor, images, clock, log, resolveVolume } = this.options;
    return {
      executor, images, clock, log, resolveVolume,
      config: this.config,
      timers: this.timers,
      progress: this.progress,
      pullSlots: new Slots(this.config.pullsConcurrentMax),
      stopSignal: this.stopController.signal,
      transition: (task, state, details) => this.transition(task, state, details),
      changed: () => this.markDirty(),
      watch: (task) => this.watchers.watch(task),
      unwatch: (task) => this.watchers.unwatch(task),
      portsClaimedBesides: (task) => portsClaimedBesides(task, this.tasks.values()),
    };
  }
}

/** Refuses an assignment that cannot be applied as a whole; returns its task ids. */
function checkAssignment(body: AssignBody, tasksMax: number): Set<string> {
  if (body.tasks.length > tasksMax) throw new AssignmentInvalidError(`${body.tasks.length} tasks listed; this node takes at most ${tasksMax}`);
  const ids = new Set<string>();
  for (const assignment of body.tasks) {
    if (ids.has(assignment.taskId)) throw new AssignmentInvalidError(`task ${assignment.taskId} is listed twice`);
    ids.add(assignment.taskId);
  }
  return ids;
}
