// The manager side of agents: every manager serves the nodes whose sessions
// it holds (and its own agent). It pushes each node the full set of its live
// tasks whenever that set changes (the AssignmentIndex says which nodes'
// sets did), and turns the agents' status reports into task updates
// (written through the leader). Desired state comes from the store;
// observed state from the agents.
import type { Command } from '../store/commands.js';
import type { Assignment, TaskStatus } from '../wire/messages/dispatcher.js';
import { AssignmentIndex } from './assignment-index.js';
import type { ManagerRuntime } from './manager.js';

export { runSpecOf } from './assignment-index.js';

export interface AgentEndpoint {
  /** Sends `dispatcher.assign`; may throw when the link is full or gone. */
  assign(body: { version: number; tasks: Assignment[] }): void;
}

interface Session {
  endpoint: AgentEndpoint;
  version: number;
}

/**
 * Status updates are written in batches at most this often: each write is
 * a Raft entry (SD wear). The first report after a quiet spell is written
 * at once, so a single task's start is not held back by the window.
 */
export const statusFlushMs = 100;

/** The parts of the manager the dispatcher uses (an interface, so tests can give it a bare store). */
export type DispatcherHost = Pick<ManagerRuntime, 'store' | 'state' | 'write'> & { context: Pick<ManagerRuntime['context'], 'log'> };

export class Dispatcher {
  private readonly sessions = new Map<string, Session>();
  /** Connected nodes whose current assignments have not been sent yet (changed, newly attached, or a send failed). */
  private readonly unsent = new Set<string>();
  private readonly index: AssignmentIndex;
  private readonly pendingStatus = new Map<string, Command>();
  private pushScheduled: ReturnType<typeof setImmediate> | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private flushing = false;
  /** performance.now() when the last status write began. */
  private lastFlushStartedMs = Number.NEGATIVE_INFINITY;
  private stopped = false;

  constructor(private readonly manager: DispatcherHost) {
    this.index = new AssignmentIndex(manager.state);
    manager.store.onChange((state, command) => {
      this.index.follow(state, command);
      this.schedulePush();
    });
  }

  attach(nodeId: string, endpoint: AgentEndpoint): void {
    this.sessions.set(nodeId, { endpoint, version: (this.sessions.get(nodeId)?.version ?? 0) + 1 });
    this.unsent.add(nodeId);
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
    this.scheduleFlush();
  }

  stop(): void {
    this.stopped = true;
    if (this.pushScheduled) clearImmediate(this.pushScheduled);
    clearTimeout(this.flushTimer);
  }

  /** The assignments the dispatcher holds for a node (what its next push will carry). */
  assignmentsOf(nodeId: string): Assignment[] {
    return this.index.assignmentsOf(nodeId);
  }

  /**
   * Pushes once the current turn of the event loop is over: entries applied
   * together (one Raft ready) become one message per node, without the
   * latency of a timer.
   */
  private schedulePush(): void {
    if (this.pushScheduled || this.sessions.size === 0) return;
    this.pushScheduled = setImmediate(() => {
      this.pushScheduled = undefined;
      this.push();
    });
  }

  /** Sends each affected connected node its whole list; costs what changed, not nodes × tasks. */
  push(): void {
    for (const nodeId of this.index.takeChangedNodes()) if (this.sessions.has(nodeId)) this.unsent.add(nodeId);
    for (const nodeId of [...this.unsent]) {
      const session = this.sessions.get(nodeId);
      if (session === undefined) {
        this.unsent.delete(nodeId);
        continue;
      }
      const tasks = this.index.assignmentsOf(nodeId);
      try {
        session.endpoint.assign({ version: ++session.version, tasks });
        this.unsent.delete(nodeId);
      } catch (error) {
        // Kept in `unsent`: the next push (the next change, or a re-attach) tries again.
        this.manager.context.log(`dispatcher: could not send assignments to ${nodeId}: ${(error as Error).message}`);
      }
    }
  }

  /** Writes what is pending as soon as the last write is done and statusFlushMs has passed since it began. */
  private scheduleFlush(): void {
    if (this.stopped || this.flushTimer !== undefined || this.flushing || this.pendingStatus.size === 0) return;
    const waitMs = Math.max(0, this.lastFlushStartedMs + statusFlushMs - performance.now());
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, waitMs);
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.pendingStatus.size === 0) return;
    this.flushing = true;
    this.lastFlushStartedMs = performance.now();
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
      // Reports that came in during the write, or the ones put back.
      this.scheduleFlush();
    }
  }
}
