// An in-memory executor with the same interface and the same transition
// rules as OciExecutor, for tests of the agent and the orchestrator that must
// not need root or runc. It passes the same conformance suite
// (test/containers/executor/conformance.ts).
//
// FakeHost plays the board: containers live there, so discarding a
// FakeExecutor and making a new one over the same host is an agent restart
// with adoption. What a container does is a FakeProgram, carried in its args
// (fakeProgramArgs()), so one ContainerSpec type serves both executors.
import { systemClock, type Clock } from '../../common/clock.js';
import {
  ContainerExistsError, ContainerNotFoundError, ContainerSpecInvalidError, ContainerWrongStateError, OperationAbortedError,
} from './errors.js';
import { HealthMonitor } from './health-monitor.js';
import { LineSplitter } from './log-reader.js';
import { validateSpec, type NormalizedSpec } from './spec.js';
import { systemTimers, type TimerHandle, type Timers } from './timers.js';
import type {
  ContainerSpec, ContainerState, ContainerStats, ContainerStatus, ExecOptions, ExecResult, Executor, ExitStatus, HealthEvent, LogLine,
  LogOptions, StopOptions,
} from './types.js';

/** What a fake container does. Every field is optional; the empty program runs until killed. */
export interface FakeProgram {
  stdout?: string[];
  stderr?: string[];
  /** Ends on its own this long after start; absent: runs until signalled. */
  exitAfterMs?: number;
  /** Exit code when it ends on its own. Default 0. */
  exitCode?: number;
  /** When it ends on its own, the OOM killer did it (exit 137, oomKilled). */
  oom?: boolean;
  /** SIGTERM: "exit" ends it with termExitCode; "ignore" leaves it for SIGKILL. Default "exit". */
  onTerm?: 'exit' | 'ignore';
  /** Default 143 (128 + SIGTERM), what a program without a handler reports. */
  termExitCode?: number;
  /** Exit code of exec(command), keyed by command.join(" "). Default 0. */
  execExitCodes?: Record<string, number>;
  memoryBytes?: number;
}

const fakeMarker = 'edgectl-fake-program';

/** The args of a spec whose container behaves as `program` under FakeExecutor. */
export function fakeProgramArgs(program: FakeProgram): string[] {
  return [fakeMarker, JSON.stringify(program)];
}

function programOf(spec: NormalizedSpec): FakeProgram {
  if (spec.args[0] !== fakeMarker) return {};
  try {
    return JSON.parse(spec.args[1] ?? '{}') as FakeProgram;
  } catch {
    throw new ContainerSpecInvalidError('args[1]', 'must be the JSON of a FakeProgram (use fakeProgramArgs())');
  }
}

interface FakeContainer {
  spec: NormalizedSpec;
  program: FakeProgram;
  createdAtMs: number;
  startedAtMs: number | null;
  pid: number | null;
  exit: ExitStatus | null;
  stopRequested: boolean;
  logs: LogLine[];
  exitTimer: TimerHandle | null;
  /** Called once when the container ends; survives executors like a real process does. */
  onExit: Set<() => void>;
}

/** The simulated board shared by successive FakeExecutors. */
export class FakeHost {
  readonly containers = new Map<string, FakeContainer>();
  private nextPid = 1000;

  constructor(
    readonly timers: Timers = systemTimers({ keepAlive: true }),
    readonly clock: Clock = systemClock,
  ) {}

  allocatePid(): number {
    return this.nextPid++;
  }

  /** Ends a running container now, as if its process exited or was killed. */
  end(id: string, exitCode: number, oomKilled = false): void {
    const container = this.containers.get(id);
    if (container === undefined || container.startedAtMs === null || container.exit !== null) return;
    if (container.exitTimer !== null) this.timers.clearTimeout(container.exitTimer);
    container.exitTimer = null;
    container.exit = { exitCode, oomKilled, stopRequested: container.stopRequested, finishedAtMs: this.clock.nowMs() };
    for (const listener of container.onExit) listener();
    container.onExit.clear();
  }
}

export interface FakeExecutorOptions {
  onHealthChange?: (event: HealthEvent) => void;
  /** Default lines per logs() line split, as logLineBytesMax. */
  logLineBytesMax?: number;
}

export class FakeExecutor implements Executor {
  readonly runtimeName = 'fake';
  private readonly monitors = new Map<string, HealthMonitor>();
  private closed = false;

  constructor(
    readonly host: FakeHost = new FakeHost(),
    private readonly options: FakeExecutorOptions = {},
  ) {
    for (const [id, container] of host.containers) {
      if (container.startedAtMs !== null && container.exit === null) this.superviseHealth(id, container);
    }
  }

  async create(spec: ContainerSpec): Promise<ContainerStatus> {
    const normalized = validateSpec(spec);
    if (this.host.containers.has(normalized.id)) throw new ContainerExistsError(normalized.id);
    this.host.containers.set(normalized.id, {
      spec: normalized,
      program: programOf(normalized),
      createdAtMs: this.host.clock.nowMs(),
      startedAtMs: null,
      pid: null,
      exit: null,
      stopRequested: false,
      logs: [],
      exitTimer: null,
      onExit: new Set(),
    });
    return this.inspect(normalized.id);
  }

  async start(id: string): Promise<ContainerStatus> {
    const container = this.load(id, 'start', ['created']);
    const program = container.program;
    container.startedAtMs = this.host.clock.nowMs();
    container.pid = this.host.allocatePid();
    const split = (text: string): string[] => new LineSplitter(this.options.logLineBytesMax ?? 16 * 1024).push(Buffer.from(`${text}\n`));
    for (const line of program.stdout ?? []) for (const text of split(line)) container.logs.push({ stream: 'stdout', text });
    for (const line of program.stderr ?? []) for (const text of split(line)) container.logs.push({ stream: 'stderr', text });
    if (program.exitAfterMs !== undefined) {
      container.exitTimer = this.host.timers.setTimeout(
        () => this.host.end(id, program.oom ? 137 : program.exitCode ?? 0, program.oom ?? false),
        program.exitAfterMs,
      );
    }
    this.superviseHealth(id, container);
    return this.inspect(id);
  }

  async wait(id: string, options: { signal?: AbortSignal } = {}): Promise<ExitStatus> {
    const container = this.load(id, 'wait for', ['running', 'exited', 'stopped']);
    if (container.exit !== null) return container.exit;
    return new Promise<ExitStatus>((resolve, reject) => {
      const onAbort = (): void => {
        container.onExit.delete(listener);
        reject(new OperationAbortedError(`wait for ${id}`));
      };
      const listener = (): void => {
        options.signal?.removeEventListener('abort', onAbort);
        if (container.exit !== null) resolve(container.exit);
      };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      container.onExit.add(listener);
    });
  }

  async stop(id: string, options: StopOptions = {}): Promise<ExitStatus> {
    const container = this.load(id, 'stop', ['running', 'exited', 'stopped']);
    if (container.exit !== null) return container.exit;
    container.stopRequested = true;
    if ((container.program.onTerm ?? 'exit') === 'exit') {
      this.host.end(id, container.program.termExitCode ?? 143);
      return this.wait(id);
    }
    const graceMs = options.graceMs ?? 10_000;
    const killTimer = this.host.timers.setTimeout(() => this.host.end(id, 137), graceMs);
    const status = await this.wait(id);
    this.host.timers.clearTimeout(killTimer);
    return status;
  }

  async remove(id: string): Promise<void> {
    this.load(id, 'remove', ['created', 'exited', 'stopped']);
    this.monitors.get(id)?.stop();
    this.monitors.delete(id);
    this.host.containers.delete(id);
  }

  async inspect(id: string): Promise<ContainerStatus> {
    const container = this.get(id);
    const state = stateOf(container);
    return {
      id,
      state,
      pid: state === 'running' ? container.pid : null,
      createdAtMs: container.createdAtMs,
      startedAtMs: container.startedAtMs,
      exit: container.exit,
      health: state === 'running' ? this.monitors.get(id)?.status ?? null : null,
    };
  }

  async list(): Promise<ContainerStatus[]> {
    const ids = [...this.host.containers.keys()].sort();
    return Promise.all(ids.map((id) => this.inspect(id)));
  }

  logs(id: string, options: LogOptions = {}): AsyncIterable<LogLine> {
    const streams = options.streams ?? ['stdout', 'stderr'];
    const executor = this;
    return (async function* () {
      const container = executor.get(id);
      const lines = container.logs.filter((line) => streams.includes(line.stream));
      const ordered = options.follow ? lines : streams.flatMap((stream) => lines.filter((line) => line.stream === stream));
      yield* ordered;
      if (options.follow && container.exit === null && container.startedAtMs !== null && options.signal?.aborted !== true) {
        await executor.wait(id, options.signal === undefined ? {} : { signal: options.signal }).catch(() => undefined);
      }
    })();
  }

  async stats(id: string): Promise<ContainerStats> {
    const container = this.load(id, 'read stats of', ['running']);
    return {
      memoryBytes: container.program.memoryBytes ?? 0,
      memoryBytesMax: container.spec.resources.memoryBytesMax ?? null,
      cpuUsageUs: 0,
      pidsCurrent: 1,
    };
  }

  async exec(id: string, command: string[], _options: ExecOptions): Promise<ExecResult> {
    const container = this.load(id, 'exec in', ['running']);
    const exitCode = container.program.execExitCodes?.[command.join(' ')] ?? 0;
    return { exitCode, timedOut: false, output: '' };
  }

  async rotateLogs(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const monitor of this.monitors.values()) monitor.stop();
    this.monitors.clear();
  }

  private superviseHealth(id: string, container: FakeContainer): void {
    const check = container.spec.healthCheck;
    if (check === null || this.closed) return;
    const monitor = new HealthMonitor({
      check,
      probe: async (command, timeoutMs) => {
        const result = await this.exec(id, command, { timeoutMs });
        return { healthy: result.exitCode === 0, output: result.output };
      },
      timers: this.host.timers,
      clock: this.host.clock,
      startedAtMs: this.host.clock.monotonicMs(),
      onChange: (previous, current, output) => this.options.onHealthChange?.({ id, previous, current, output }),
    });
    this.monitors.set(id, monitor);
    monitor.start();
    container.onExit.add(() => {
      monitor.stop();
      if (this.monitors.get(id) === monitor) this.monitors.delete(id);
    });
  }

  private get(id: string): FakeContainer {
    const container = this.host.containers.get(id);
    if (container === undefined) throw new ContainerNotFoundError(id);
    return container;
  }

  private load(id: string, operation: string, allowed: ContainerState[]): FakeContainer {
    const container = this.get(id);
    const state = stateOf(container);
    if (!allowed.includes(state)) throw new ContainerWrongStateError(id, operation, state, allowed);
    return container;
  }
}

function stateOf(container: FakeContainer): ContainerState {
  if (container.exit !== null) return container.exit.stopRequested ? 'stopped' : 'exited';
  return container.startedAtMs === null ? 'created' : 'running';
}
