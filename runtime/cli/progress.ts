// Waiting for services to converge after create, update, scale, rollback or
// deploy. edged keeps no "watch" stream: edgectl asks service.inspect and
// service.ps every progressPollMs and shows one line per slot ("web.1
// running", "web.3  pending: no suitable node (…)"), redrawn in place on a
// terminal and appended when changed otherwise. assessService is the pure
// part (answers in, verdict and lines out); watchServices drives it.
import { EdgeError } from '../common/errors.js';
import type { TaskView } from '../wire/messages/services.js';
import type { CommandContext } from './command.js';
import type { ControlClient } from './control-client.js';
import { asEdgeError } from './errors.js';
import { describeDuration } from './flag-values.js';
import { tasksBySlot, taskName, taskReason, type ServiceInspection } from './service-format.js';

/** How often edged is asked while waiting; a local call costs a few ms, a slot change takes seconds. */
export const progressPollMs = 500;
/** How long a command waits for convergence unless --timeout says otherwise. */
export const convergeTimeoutMsDefault = 120_000;
/** Slot lines shown per service; a bigger service shows its unfinished slots first and counts the rest. */
export const slotLinesMax = 40;
/** Reasons quoted in a timeout error. */
const timeoutReasonsMax = 5;

export const progressErrorCodes = {
  /** The service did not converge before --timeout; edged keeps working on it. */
  convergeTimeout: 'EDGE_CLI_CONVERGE_TIMEOUT',
  /** The update paused, or failed and was rolled back. */
  updateFailed: 'EDGE_CLI_UPDATE_FAILED',
} as const;

/** One service being waited for. */
export interface WatchTarget {
  /** ID (preferred) or name to ask edged about. */
  ref: string;
  /** Spec version the command produced, when edged said; else the first one seen. A newer one in state rolled-back is an automatic rollback. */
  specVersion?: number;
  /** The command asked for the rollback: rolled-back is then the goal, not a failure. */
  rollback?: boolean;
}

export interface SlotLine {
  /** "web.3": the slot's name. */
  name: string;
  /** "running", "pending: no suitable node (…)". */
  text: string;
  /** Running (a job: completed) at the current spec version. */
  done: boolean;
}

export interface Assessment {
  name: string;
  outcome: 'converged' | 'failed' | 'waiting';
  /** "web: 2/3 running" plus the update state while one runs. */
  summary: string;
  /** Why it failed (outcome failed). */
  failure: string;
  lines: SlotLine[];
}

const isJob = (mode: string): boolean => mode === 'replicated-job' || mode === 'global-job';
const rolling = (state: string): boolean => state === 'updating' || state === 'rolling-back';

function slotLine(task: TaskView, specVersion: number, job: boolean): SlotLine | null {
  const active = task.state === 'running' || task.state === 'starting' || task.state === 'preparing';
  if (task.desiredState === 'shutdown') return active ? { name: taskName(task), text: `${task.state}, shutting down`, done: false } : null;
  const reason = taskReason(task);
  // Not `<`: a rollback returns to an older version number, and the tasks it leaves behind are the outdated ones.
  const outdated = task.specVersion !== specVersion ? ' (previous spec)' : '';
  const done = task.specVersion === specVersion && task.state === (job ? 'complete' : 'running');
  return { name: taskName(task), text: `${task.state}${reason === '' ? '' : `: ${reason}`}${outdated}`, done };
}

/**
 * Where one service stands. Replicated and global services have converged
 * when every task wanted running is of the current spec version and running,
 * there are as many as desired, and no rolling update is in progress; jobs
 * when as many tasks of the current version have completed as desired.
 */
export function assessService(inspection: ServiceInspection, tasks: readonly TaskView[], expect: { specVersion: number; rollback: boolean; rollbackReason: string }): Assessment {
  const { view } = inspection;
  const job = isJob(view.mode);
  const lines = tasksBySlot(tasks)
    .map((group) => slotLine(group[0]!, view.specVersion, job))
    .filter((line): line is SlotLine => line !== null);
  const current = tasks.filter((task) => task.specVersion === view.specVersion);
  const base: Omit<Assessment, 'outcome' | 'summary'> = { name: view.name, failure: '', lines };
  if (job) {
    const completed = current.filter((task) => task.state === 'complete').length;
    const summary = `${view.name}: ${completed}/${view.desired} completed`;
    return { ...base, outcome: completed >= view.desired ? 'converged' : 'waiting', summary };
  }
  const wanted = tasks.filter((task) => task.desiredState === 'running');
  const running = wanted.filter((task) => task.state === 'running' && task.specVersion === view.specVersion).length;
  const updating = rolling(view.updateState) ? `, ${view.updateMessage || view.updateState}` : '';
  const summary = `${view.name}: ${running}/${view.desired} running${updating}`;
  if (view.updateState === 'paused') return { ...base, outcome: 'failed', summary, failure: view.updateMessage || 'the update is paused' };
  const rolledBack = view.updateState === 'rolled-back' && !expect.rollback && view.specVersion !== expect.specVersion;
  if (rolledBack) {
    const why = expect.rollbackReason === '' ? '' : ` (${expect.rollbackReason})`;
    return { ...base, outcome: 'failed', summary, failure: `the update failed and was rolled back to the previous spec${why}` };
  }
  const converged = !rolling(view.updateState) && running === view.desired && wanted.length === view.desired;
  return { ...base, outcome: converged ? 'converged' : 'waiting', summary };
}

/** At most slotLinesMax lines: all when they fit, else the unfinished ones first, and a count of the rest. */
function shownLines(assessment: Assessment): { name: string; text: string }[] {
  if (assessment.lines.length <= slotLinesMax) return assessment.lines;
  const unfinished = assessment.lines.filter((line) => !line.done).slice(0, slotLinesMax);
  const hidden = assessment.lines.length - unfinished.length;
  return [...unfinished, { name: `${assessment.name}.*`, text: `${hidden} more slots not shown` }];
}

/**
 * Lines of the block redrawn on a terminal: moving up past the top of the
 * screen is not possible, so the block must stay shorter than a small
 * terminal (24 rows); converged services shrink to their summary line.
 */
const terminalLinesMax = 20;

/** Draws the progress block: in place on a terminal, changed lines appended elsewhere. */
class ProgressBoard {
  private readonly printed = new Map<string, string>();
  private drawnLines = 0;
  private nameWidth = 0;

  constructor(private readonly context: CommandContext) {}

  show(assessments: readonly Assessment[]): void {
    const terminal = this.context.progressTerminal;
    if (terminal === null) this.append(assessments);
    else this.redraw(assessments, terminal.columns);
  }

  private rows(assessment: Assessment, withSlots: boolean): [key: string, text: string][] {
    const rows: [string, string][] = [[`${assessment.name}:`, assessment.summary]];
    if (!withSlots) return rows;
    for (const line of shownLines(assessment)) {
      this.nameWidth = Math.max(this.nameWidth, line.name.length);
      rows.push([line.name, `${line.name.padEnd(this.nameWidth)}  ${line.text}`]);
    }
    return rows;
  }

  private append(assessments: readonly Assessment[]): void {
    for (const [key, text] of assessments.flatMap((assessment) => this.rows(assessment, true))) {
      if (this.printed.get(key) === text) continue;
      this.printed.set(key, text);
      this.context.progress(text);
    }
  }

  private redraw(assessments: readonly Assessment[], columns: number): void {
    let lines = assessments.flatMap((assessment) => this.rows(assessment, assessment.outcome !== 'converged')).map(([, text]) => text);
    if (lines.length > terminalLinesMax) {
      lines = [...lines.slice(0, terminalLinesMax - 1), `… ${lines.length - terminalLinesMax + 1} more lines: see edgectl service ps`];
    }
    // Up to the first line drawn last time, clear to the end of the screen, draw again; lines are cut so none wraps.
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A\r\x1b[J` : '';
    const width = Math.max(20, columns - 1);
    this.context.progressText(`${up}${lines.map((line) => `${line.slice(0, width)}\n`).join('')}`);
    this.drawnLines = lines.length;
  }
}

/** Ctrl-C while edgectl waits ends the wait, not the change; a second Ctrl-C kills edgectl as usual. */
export class Interruption {
  private readonly controller = new AbortController();
  private readonly onSignal = (): void => this.controller.abort();

  constructor() {
    process.once('SIGINT', this.onSignal);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get interrupted(): boolean {
    return this.controller.signal.aborted;
  }

  /** `ms` of waiting, cut short by Ctrl-C. */
  pause(ms: number): Promise<void> {
    return this.race(new Promise<void>((resolve) => setTimeout(resolve, ms)));
  }

  /** The promise's value, or undefined as soon as Ctrl-C comes (a call in flight is then abandoned). */
  race<T>(promise: Promise<T>): Promise<T | undefined> {
    if (this.interrupted) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve, reject) => {
      const onAbort = (): void => resolve(undefined);
      this.signal.addEventListener('abort', onAbort, { once: true });
      promise.then(resolve, reject).finally(() => this.signal.removeEventListener('abort', onAbort));
    });
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
  }
}

/** Failures that end the wait at once: without a connection no later poll can succeed. */
function isConnectionFailure(error: EdgeError): boolean {
  return ['EDGE_CLI_UNREACHABLE', 'EDGE_CLI_PERMISSION_DENIED', 'EDGE_CLI_CONNECTION_LOST'].includes(error.code);
}

interface Watched {
  target: WatchTarget;
  /** Spec version our change made (target's, else the first seen). */
  specVersion: number | null;
  rollbackReason: string;
  last: Assessment | null;
  /** A retryable error of the last poll (an election, a busy leader), shown and retried. */
  lastError: string;
}

async function poll(client: ControlClient, watched: Watched): Promise<Assessment> {
  const ref = watched.target.ref;
  const [inspection, listed] = await Promise.all([client.call('service.inspect', { ref }), client.call('service.ps', { ref })]);
  watched.specVersion ??= watched.target.specVersion ?? inspection.specVersion;
  if (inspection.view.updateState === 'rolling-back' && inspection.view.updateMessage !== '') watched.rollbackReason = inspection.view.updateMessage;
  const expect = { specVersion: watched.specVersion, rollback: watched.target.rollback === true, rollbackReason: watched.rollbackReason };
  return assessService(inspection, listed.tasks, expect);
}

function psHint(watched: readonly Watched[]): string {
  return watched.map((entry) => `\`edgectl service ps ${entry.last?.name ?? entry.target.ref}\``).join(', ');
}

function timeoutError(timeoutMs: number, waiting: readonly Watched[]): EdgeError {
  const names = waiting.map((entry) => entry.last?.summary ?? `${entry.target.ref}: no answer yet`);
  const reasons = waiting.flatMap((entry) => [
    ...(entry.lastError === '' ? [] : [`${entry.target.ref}: ${entry.lastError}`]),
    ...(entry.last?.lines ?? []).filter((line) => !line.done).map((line) => `${line.name}  ${line.text}`),
  ]);
  const shown = reasons.slice(0, timeoutReasonsMax).map((reason) => `\n  ${reason}`).join('');
  const more = reasons.length > timeoutReasonsMax ? `\n  … and ${reasons.length - timeoutReasonsMax} more` : '';
  return new EdgeError(
    progressErrorCodes.convergeTimeout,
    `not converged after ${describeDuration(timeoutMs)} (${names.join('; ')}); edged keeps working on it: follow it with ${psHint(waiting)}${shown}${more}`,
    { retryable: true },
  );
}

function failedError(failed: readonly Watched[]): EdgeError {
  const lines = failed.map((entry) => `${entry.last?.name ?? entry.target.ref}: ${entry.last?.failure ?? ''}`);
  const names = failed.map((entry) => entry.last?.name ?? entry.target.ref);
  return new EdgeError(
    progressErrorCodes.updateFailed,
    `${lines.join('; ')}; see ${psHint(failed)}, then fix the spec with \`edgectl service update\` or go back with \`edgectl service rollback ${names[0] ?? ''}\``,
  );
}

/**
 * Polls until every target has converged (returns 0), one has failed or the
 * timeout passes (throws EDGE_CLI_UPDATE_FAILED / EDGE_CLI_CONVERGE_TIMEOUT),
 * or the user presses Ctrl-C (returns 130; the change goes on).
 */
export async function watchServices(context: CommandContext, targets: readonly WatchTarget[], options: { timeoutMs: number; quiet: boolean }): Promise<number> {
  const client = await context.control();
  const board = options.quiet ? null : new ProgressBoard(context);
  const interruption = new Interruption();
  const deadlineMs = Date.now() + options.timeoutMs;
  const watched: Watched[] = targets.map((target) => ({ target, specVersion: null, rollbackReason: '', last: null, lastError: '' }));
  try {
    for (;;) {
      const open = watched.filter((entry) => entry.last === null || entry.last.outcome === 'waiting');
      if (open.length === 0) break;
      const polled = await interruption.race(Promise.all(open.map((entry) => pollOnce(client, entry))));
      if (polled === undefined) return interrupted(context, watched);
      board?.show(watched.flatMap((entry) => (entry.last ? [entry.last] : [])));
      if (Date.now() >= deadlineMs) break;
      if (watched.every((entry) => entry.last !== null && entry.last.outcome !== 'waiting')) break;
      await interruption.pause(progressPollMs);
      if (interruption.interrupted) return interrupted(context, watched);
    }
  } finally {
    interruption.dispose();
  }
  const failed = watched.filter((entry) => entry.last?.outcome === 'failed');
  if (failed.length > 0) throw failedError(failed);
  const waiting = watched.filter((entry) => entry.last?.outcome !== 'converged');
  if (waiting.length > 0) throw timeoutError(options.timeoutMs, waiting);
  if (!options.quiet) for (const entry of watched) context.progress(`${entry.last?.name ?? entry.target.ref}: converged`);
  return 0;
}

/** One poll of one target; a retryable failure is kept for the next round (and the timeout message). */
async function pollOnce(client: ControlClient, watched: Watched): Promise<void> {
  try {
    watched.last = await poll(client, watched);
    watched.lastError = '';
  } catch (thrown) {
    const error = asEdgeError(thrown);
    if (!error.retryable || isConnectionFailure(error)) throw error;
    watched.lastError = `${error.message} [${error.code}]`;
  }
}

function interrupted(context: CommandContext, watched: readonly Watched[]): number {
  context.progress(`Stopped waiting; the change goes on in the background: follow it with ${psHint(watched)}`);
  return 130;
}
