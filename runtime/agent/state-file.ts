// The agent's small on-disk record (<stateDir>/agent-state.json): the last
// assignment set and what the agent observed of each task, so a restarted
// agent re-attaches to its containers and, with no manager reachable, keeps
// running them under their restart policies.
//
// What is not stored is read back from the executor at start: whether each
// container exists, runs or ended, and how. Writes are atomic (temporary
// file, fsync, rename, fsync of the directory): a power cut leaves the old
// record or the new one. Assignments are written before they are acted on;
// other changes are gathered for stateWriteDelayMs, so a busy node writes at
// most about once per delay and an idle one never.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Timers } from '../containers/executor/index.js';
import { writeFileAtomic } from '../common/atomic-file.js';
import type { Assignment } from '../wire/messages/dispatcher.js';
import { AgentStateCorruptError } from './errors.js';
import type { ObservedState, TaskRecord } from './task.js';

/** What Timers.setTimeout returns (the executor's index does not export the name). */
type TimerHandle = ReturnType<Timers['setTimeout']>;

export const stateFileName = 'agent-state.json';
const formatVersion = 1;

export interface StoredTask {
  assignment: Assignment;
  listed: boolean;
  state: ObservedState;
  message: string;
  error: string;
  exitCode: number | null;
  imageId: string | null;
  hadContainer: boolean;
  rootfsHeld: boolean;
  endedAtMs: number | null;
  restartsAtMs: number[];
}

export interface StoredState {
  format: typeof formatVersion;
  nodeId: string;
  /** Version of the last assignment applied (sent back in hello as knownVersion). */
  version: number;
  tasks: StoredTask[];
}

export function storedTaskOf(task: TaskRecord): StoredTask {
  return {
    assignment: task.assignment,
    listed: task.listed,
    state: task.state,
    message: task.message,
    error: task.error,
    exitCode: task.exitCode,
    imageId: task.imageId,
    hadContainer: task.hadContainer,
    rootfsHeld: task.rootfsHeld,
    endedAtMs: task.endedAtMs,
    restartsAtMs: task.restartsAtMs,
  };
}

const observedStates: readonly string[] = ['new', 'accepted', 'preparing', 'starting', 'running', 'complete', 'shutdown', 'failed', 'rejected'];

/**
 * Null when there is no file yet (a new node). Throws AgentStateCorruptError
 * when the file is not a record this code wrote; the shape check is light
 * (the agent wrote it), enough that a torn or foreign file is not trusted.
 */
export async function loadState(stateDir: string): Promise<StoredState | null> {
  const path = join(stateDir, stateFileName);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AgentStateCorruptError(path, (error as Error).message);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AgentStateCorruptError(path, `not JSON: ${(error as Error).message}`);
  }
  const problem = shapeProblem(value);
  if (problem !== null) throw new AgentStateCorruptError(path, problem);
  return value as StoredState;
}

function shapeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const state = value as Partial<StoredState>;
  if (state.format !== formatVersion) return `format ${String(state.format)}, expected ${formatVersion}`;
  if (typeof state.nodeId !== 'string' || !Number.isSafeInteger(state.version) || !Array.isArray(state.tasks)) return 'nodeId, version or tasks missing';
  for (const [index, task] of state.tasks.entries()) {
    const taskId = (task as Partial<StoredTask>)?.assignment?.taskId;
    if (typeof taskId !== 'string' || !observedStates.includes(String(task.state)) || !Array.isArray(task.restartsAtMs)) {
      return `task entry ${index} is malformed`;
    }
  }
  return null;
}

export interface StateWriterOptions {
  stateDir: string;
  timers: Timers;
  delayMs: number;
  /** The record to write, taken at write time (so a delayed write carries the newest state). */
  snapshot: () => StoredState;
  log: (line: string) => void;
}

/** Writes the record now or a little later, one write at a time. */
export class StateWriter {
  private timer: TimerHandle | null = null;
  private chain: Promise<void> = Promise.resolve();
  writes = 0;

  constructor(private readonly options: StateWriterOptions) {}

  /** Something worth keeping changed: write within delayMs. */
  markDirty(): void {
    if (this.timer !== null) return;
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = null;
      void this.writeNow().catch(() => undefined);
    }, this.options.delayMs);
  }

  /** Writes the current snapshot after any write in progress; resolves when it is durable. Logs and rethrows failures. */
  writeNow(): Promise<void> {
    if (this.timer !== null) this.options.timers.clearTimeout(this.timer);
    this.timer = null;
    const write = this.chain.then(async () => {
      await mkdir(this.options.stateDir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(join(this.options.stateDir, stateFileName), JSON.stringify(this.options.snapshot()));
      this.writes += 1;
    });
    this.chain = write.catch((error: unknown) => {
      this.options.log(`agent state not saved: ${(error as Error).message}`);
    });
    return write;
  }

  /** Whether a delayed write is waiting. */
  get dirty(): boolean {
    return this.timer !== null;
  }

  /** Cancels a delayed write; the caller writes once more itself if it wants the last changes. */
  cancel(): void {
    if (this.timer !== null) this.options.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Resolves when every write asked for so far has ended. */
  idle(): Promise<void> {
    return this.chain;
  }
}
