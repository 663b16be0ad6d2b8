// Batches task status changes into dispatcher.status messages and keeps each
// task's latest status until the manager has it.
//
// The protocol has no explicit acknowledgement, so one is inferred: an
// assignment is the manager's answer to everything it read before building
// it, and a session's link delivers in order. Hence:
//
//   - On a new session the agent first re-sends every unacknowledged status,
//     then sends hello. The assignment answering hello was built after the
//     manager read those statuses, so the first assignment of the session
//     acknowledges them.
//   - A status sent later in the session, when the newest version seen was V,
//     is acknowledged by an assignment of a version above V on the same
//     session. (Sent before the session's first assignment: by one above it.)
//   - Unacknowledged statuses wait for the next session and go out again.
//     Statuses are idempotent (latest observation per task), so a duplicate
//     costs bytes, never correctness.
//
// Pacing: the first change after a quiet spell goes out on the next timer
// turn (changes made in the same turn travel together), then at most one
// message per flushIntervalMs carries whatever gathered meanwhile. A lone
// task's start is reported at once; a burst still costs few messages.
//
// Only the latest status per task is kept: a task that went preparing →
// starting → running while offline is reported once, as running. The number
// of tasks kept is bounded (statusTasksMax); past it the oldest entry goes.
import type { Timers } from '../containers/executor/index.js';
import type { TaskStatus } from '../wire/messages/dispatcher.js';

/** What Timers.setTimeout returns (the executor's index does not export the name). */
type TimerHandle = ReturnType<Timers['setTimeout']>;

export interface StatusReporterOptions {
  /** Hands one batch to the session; may throw (no link, EDGE_LINK_BACKPRESSURE): the batch is kept and retried. */
  send: (body: { updates: TaskStatus[] }) => void;
  timers: Timers;
  flushIntervalMs: number;
  batchMax: number;
  tasksMax: number;
  log: (line: string) => void;
}

interface SentStatus {
  status: TaskStatus;
  session: number;
  /**
   * The version an assignment on `session` must exceed to acknowledge this:
   * -1 for the re-sends before hello (any assignment will do), null when sent
   * before the session's first assignment arrived (settled when it does).
   */
  ackAboveVersion: number | null;
}

export interface StatusCounters {
  messagesSent: number;
  updatesSent: number;
  /** Sends that threw; their updates were kept. */
  sendFailures: number;
  /** Statuses dropped because statusTasksMax tasks were already kept. */
  dropped: number;
}

export class StatusReporter {
  /** Waiting to go out; Map order is age order (a newer status re-inserts at the end). */
  private readonly pending = new Map<string, TaskStatus>();
  /** Sent, not yet acknowledged. A task is in pending or here, never both. */
  private readonly unacknowledged = new Map<string, SentStatus>();
  private session = 0;
  private online = false;
  private helloSent = false;
  /** Newest assignment version seen on the current session, null before the first. */
  private sessionVersion: number | null = null;
  /** The next flush: on the next turn after a quiet spell, or when the interval after the last message ends. */
  private timer: TimerHandle | null = null;
  /** A message went out (or failed) less than flushIntervalMs ago. */
  private cooling = false;
  readonly counters: StatusCounters = { messagesSent: 0, updatesSent: 0, sendFailures: 0, dropped: 0 };

  constructor(private readonly options: StatusReporterOptions) {}

  /** The task's newest status; replaces anything older, sent or not. */
  record(status: TaskStatus): void {
    this.unacknowledged.delete(status.taskId);
    this.pending.delete(status.taskId);
    this.makeRoom();
    this.pending.set(status.taskId, status);
    if (!this.online) return;
    if (this.pending.size >= this.options.batchMax) this.flush();
    else this.schedule();
  }

  /** The task is gone from the agent; the manager no longer lists it, so nothing more is said about it. */
  forget(taskId: string): void {
    this.pending.delete(taskId);
    this.unacknowledged.delete(taskId);
  }

  /** A new session: re-send everything not acknowledged, before the caller sends hello. */
  openSession(): void {
    this.session += 1;
    this.online = true;
    this.helloSent = false;
    this.sessionVersion = null;
    const resend = [...this.unacknowledged.values()].map((sent) => sent.status);
    this.unacknowledged.clear();
    for (const status of resend) if (!this.pending.has(status.taskId)) this.pending.set(status.taskId, status);
    this.flush();
    this.helloSent = true;
  }

  closeSession(): void {
    this.online = false;
    this.cancelTimer();
  }

  /** A dispatcher.assign arrived on the current session. */
  assignmentReceived(version: number): void {
    if (!this.online) return;
    for (const [taskId, sent] of this.unacknowledged) {
      if (sent.session !== this.session) continue;
      if (sent.ackAboveVersion === null) sent.ackAboveVersion = version;
      else if (version > sent.ackAboveVersion) this.unacknowledged.delete(taskId);
    }
    this.sessionVersion = this.sessionVersion === null ? version : Math.max(this.sessionVersion, version);
  }

  /** Sends what is pending now, in batches of batchMax, oldest first; stops at the first send that throws (retried one interval later). */
  flush(): void {
    this.cancelTimer();
    while (this.online && this.pending.size > 0) {
      const batch = [...this.pending.values()].slice(0, this.options.batchMax);
      try {
        this.options.send({ updates: batch });
      } catch (error) {
        this.counters.sendFailures += 1;
        this.options.log(`task status not sent, retrying in ${this.options.flushIntervalMs} ms: ${(error as Error).message}`);
        this.coolDown();
        return;
      }
      this.counters.messagesSent += 1;
      this.counters.updatesSent += batch.length;
      const ackAboveVersion = this.helloSent ? this.sessionVersion : -1;
      for (const status of batch) {
        this.pending.delete(status.taskId);
        this.unacknowledged.set(status.taskId, { status, session: this.session, ackAboveVersion });
      }
      this.coolDown();
    }
  }

  /** Cancels the flush timer. What is still held dies with this object; a new agent reports every task's state at start. */
  stop(): void {
    this.online = false;
    this.cancelTimer();
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  get unacknowledgedCount(): number {
    return this.unacknowledged.size;
  }

  private makeRoom(): void {
    while (this.pending.size + this.unacknowledged.size >= this.options.tasksMax) {
      // Sent-but-unacknowledged goes first: the manager has probably read it already.
      const victim = this.unacknowledged.keys().next().value ?? this.pending.keys().next().value;
      if (victim === undefined) return;
      this.unacknowledged.delete(victim);
      this.pending.delete(victim);
      this.counters.dropped += 1;
    }
  }

  /** A change is waiting: send it on the next turn, or when the current interval ends. */
  private schedule(): void {
    if (this.timer !== null || this.cooling || !this.online) return;
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = null;
      this.flush();
    }, 0);
  }

  /** Starts the interval after a message; at its end, whatever gathered goes out. */
  private coolDown(): void {
    this.cancelTimer();
    this.cooling = true;
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = null;
      this.cooling = false;
      if (this.pending.size > 0) this.flush();
    }, this.options.flushIntervalMs);
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.options.timers.clearTimeout(this.timer);
    this.timer = null;
    this.cooling = false;
  }
}
