// The manager side of agents: every manager serves the nodes whose sessions
// it holds (and its own agent). It pushes each node the full set of its live
// tasks whenever that set changes, and turns the agents' status reports into
// task updates (written through the leader). Desired state comes from the
// store; observed state from the agents.
import { isTerminal, type ServiceSpec, type TaskRecord } from '../store/services.js';
import type { Command } from '../store/commands.js';
import type { ClusterState } from '../store/state.js';
import type { Assignment, RunSpec, TaskStatus } from '../wire/messages/dispatcher.js';
import type { ManagerRuntime } from './manager.js';

export interface AgentEndpoint {
  /** Sends `dispatcher.assign`; may throw when the link is full or gone. */
  assign(body: { version: number; tasks: Assignment[] }): void;
}

interface Session {
  endpoint: AgentEndpoint;
  version: number;
  lastSent: string;
}

/** Status updates are written in batches at most this often. */
export const statusFlushMs = 100;
const assignPushDelayMs = 20;

export function runSpecOf(spec: ServiceSpec): RunSpec {
  return {
    image: spec.image,
    command: spec.command,
    env: spec.env,
    memoryLimitBytes: spec.resources.memoryLimitBytes,
    cpuLimit: spec.resources.cpuLimit,
    pidsLimit: spec.resources.pidsLimit,
    ports: spec.ports,
    mounts: spec.mounts,
    ...(spec.healthCheck ? { healthCheck: spec.healthCheck } : {}),
    restartPolicy: spec.restartPolicy,
  };
}

/** What a node must know about: its tasks that are not finished. */
export function assignmentsFor(state: Readonly<ClusterState>, nodeId: string): Assignment[] {
  const tasks: Assignment[] = [];
  for (const task of Object.values(state.tasks)) {
    if (task.nodeId !== nodeId || isTerminal(task.state) || task.state === 'new' || task.state === 'pending') continue;
    const service = state.services[task.serviceId];
    if (!service) continue;
    tasks.push({
      taskId: task.id,
      serviceId: task.serviceId,
      serviceName: service.spec.name,
      slot: task.slot,
      generation: task.generation,
      specVersion: task.specVersion,
      desiredState: task.desiredState,
      spec: runSpecOf(specOfVersion(service, task)),
    });
  }
  return tasks.sort((a, b) => (a.taskId < b.taskId ? -1 : 1));
}

/** A task runs the spec it was made from: the previous one while an update has not reached it. */
function specOfVersion(service: ClusterState['services'][string], task: TaskRecord): ServiceSpec {
  if (task.specVersion !== service.specVersion && service.previousSpec) return service.previousSpec;
  return service.spec;
}

export class Dispatcher {
  private readonly sessions = new Map<string, Session>();
  private readonly pendingStatus = new Map<string, Command>();
  private pushTimer: ReturnType<typeof setTimeout> | undefined;
  private flushTimer: ReturnType<typeof setInterval> | undefined;
  private flushing = false;

  constructor(private readonly manager: ManagerRuntime) {
    manager.store.onChange(() => this.schedulePush());
    this.flushTimer = setInterval(() => void this.flush(), statusFlushMs);
  }

  attach(nodeId: string, endpoint: AgentEndpoint): void {
    this.sessions.set(nodeId, { endpoint, version: (this.sessions.get(nodeId)?.version ?? 0) + 1, lastSent: '' });
    this.schedulePush();
  }

  detach(nodeId: string, endpoint: AgentEndpoint): void {
    if (this.sessions.get(nodeId)?.endpoint === endpoint) this.sessions.delete(nodeId);
  }

  /** An agent's reports; only tasks assigned to that node are taken. */
  report(nodeId: string, updates: readonly TaskStatus[]): void {
    const state = this.manager.state;
    for (const update of updates) {
      const task = state.tasks[update.taskId];
      if (!task || task.nodeId !== nodeId) continue;
      this.pendingStatus.set(update.taskId, {
        op: 'task.update',
        id: update.taskId,
        change: {
          state: update.state,
          message: update.message,
          error: update.error,
          exitCode: update.exitCode ?? null,
          containerId: update.containerId,
          ...(update.health ? { health: update.health } : {}),
        },
        atMs: update.atMs,
      });
    }
  }

  stop(): void {
    clearTimeout(this.pushTimer);
    clearInterval(this.flushTimer);
  }

  private schedulePush(): void {
    if (this.pushTimer || this.sessions.size === 0) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      this.push();
    }, assignPushDelayMs);
  }

  private push(): void {
    const state = this.manager.state;
    for (const [nodeId, session] of this.sessions) {
      const tasks = assignmentsFor(state, nodeId);
      const text = JSON.stringify(tasks);
      if (text === session.lastSent) continue;
      try {
        session.endpoint.assign({ version: ++session.version, tasks });
        session.lastSent = text;
      } catch (error) {
        this.manager.context.log(`dispatcher: could not send assignments to ${nodeId}: ${(error as Error).message}`);
      }
    }
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.pendingStatus.size === 0) return;
    this.flushing = true;
    const commands = [...this.pendingStatus.values()];
    this.pendingStatus.clear();
    try {
      await this.manager.write({ op: 'batch', commands });
    } catch (error) {
      // Put them back unless newer reports arrived meanwhile; the next flush retries.
      for (const command of commands) if (command.op === 'task.update' && !this.pendingStatus.has(command.id)) this.pendingStatus.set(command.id, command);
      this.manager.context.log(`dispatcher: status not recorded yet (${(error as Error).message}); retrying`);
    } finally {
      this.flushing = false;
    }
  }
}
