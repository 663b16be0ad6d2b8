// Pull progress for `service create` without --detach: the image service's
// per-layer events summed into one figure per task, sent at most once per
// progressIntervalMs per task (the latest figure wins; the final "done" is
// not held back). Best effort: progress is not state, so a send that fails or
// a missing session drops the event rather than queueing it.
import type { Clock } from '../common/clock.js';
import type { Timers } from '../containers/executor/index.js';
import type { ProgressListener, PullProgress } from '../containers/image/index.js';

/** What Timers.setTimeout returns (the executor's index does not export the name). */
type TimerHandle = ReturnType<Timers['setTimeout']>;

export interface ProgressEvent {
  taskId: string;
  /** "resolved", "download", "unpack" or "done". */
  phase: string;
  /** Compressed bytes received over all layers (layers already in the store count as received). */
  bytesDone: number;
  /** Compressed bytes of all layers, known once the manifest is resolved. */
  bytesTotal: number;
}

export interface ProgressReporterOptions {
  /** May throw; the event is then dropped. */
  send: (event: ProgressEvent) => void;
  timers: Timers;
  clock: Clock;
  intervalMs: number;
}

interface TaskProgress {
  layers: Map<string, { done: number; total: number }>;
  phase: string;
  lastSentMs: number | null;
  trailing: TimerHandle | null;
}

export class ProgressReporter {
  private readonly tasks = new Map<string, TaskProgress>();
  private online = false;
  readonly counters = { sent: 0, dropped: 0 };

  constructor(private readonly options: ProgressReporterOptions) {}

  setOnline(online: boolean): void {
    this.online = online;
  }

  /** The listener to pass to pull() for this task. */
  listenerFor(taskId: string): ProgressListener {
    const progress: TaskProgress = { layers: new Map(), phase: 'resolved', lastSentMs: null, trailing: null };
    this.end(taskId);
    this.tasks.set(taskId, progress);
    return (event) => {
      if (this.tasks.get(taskId) !== progress) return;
      apply(progress, event);
      if (event.phase === 'done') this.sendNow(taskId, progress);
      else this.throttle(taskId, progress);
    };
  }

  /** The pull ended (either way): forget the task's figures and any held event. */
  end(taskId: string): void {
    const progress = this.tasks.get(taskId);
    if (progress?.trailing) this.options.timers.clearTimeout(progress.trailing);
    this.tasks.delete(taskId);
  }

  stop(): void {
    for (const taskId of [...this.tasks.keys()]) this.end(taskId);
  }

  private throttle(taskId: string, progress: TaskProgress): void {
    const nowMs = this.options.clock.monotonicMs();
    const sinceMs = progress.lastSentMs === null ? Infinity : nowMs - progress.lastSentMs;
    if (sinceMs >= this.options.intervalMs) {
      this.sendNow(taskId, progress);
      return;
    }
    if (progress.trailing !== null) return;
    progress.trailing = this.options.timers.setTimeout(() => {
      progress.trailing = null;
      if (this.tasks.get(taskId) === progress) this.sendNow(taskId, progress);
    }, this.options.intervalMs - sinceMs);
  }

  private sendNow(taskId: string, progress: TaskProgress): void {
    if (progress.trailing !== null) this.options.timers.clearTimeout(progress.trailing);
    progress.trailing = null;
    progress.lastSentMs = this.options.clock.monotonicMs();
    if (!this.online) {
      this.counters.dropped += 1;
      return;
    }
    let bytesDone = 0;
    let bytesTotal = 0;
    for (const layer of progress.layers.values()) {
      bytesDone += layer.done;
      bytesTotal += layer.total;
    }
    try {
      this.options.send({ taskId, phase: progress.phase, bytesDone, bytesTotal });
      this.counters.sent += 1;
    } catch {
      this.counters.dropped += 1;
    }
  }
}

function apply(progress: TaskProgress, event: PullProgress): void {
  switch (event.phase) {
    case 'resolved':
      for (const layer of event.layers) progress.layers.set(layer.digest, { done: 0, total: layer.totalBytes });
      progress.phase = 'resolved';
      return;
    case 'download':
      progress.layers.set(event.digest, { done: event.bytesDone, total: event.bytesTotal });
      progress.phase = 'download';
      return;
    case 'exists':
      progress.layers.set(event.digest, { done: event.bytesTotal, total: event.bytesTotal });
      return;
    case 'retry':
      return;
    case 'unpack':
      progress.phase = 'unpack';
      return;
    case 'done':
      for (const layer of progress.layers.values()) layer.done = layer.total;
      progress.phase = 'done';
      return;
  }
}
