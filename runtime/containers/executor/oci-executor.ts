// The real executor: containers through runc or crun, supervised by the
// per-container shim (shim.ts), with every fact about a container kept in its
// directory (container-dir.ts). Each public transition takes the container's
// lock and moves it exactly one step; reads (inspect, list, wait, logs, stats)
// take no lock and derive state from the disk.
import { nodeCrypto } from '../../common/builtin.js';
import { mkdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { containerCgroups, oomEvidencePath, parseStats, statsFiles, type CgroupLayout } from './cgroups.js';
import { runCommand } from './command.js';
import type { ResolvedExecutorConfig } from './config.js';
import {
  containerPaths, logPath, readExit, readRecord, stateOf, writeFileAtomic, type ContainerPaths, type ContainerRecord, type StoredSpec,
} from './container-dir.js';
import {
  CgroupControllerMissingError, ContainerExistsError, ContainerNotFoundError, ContainerSpecInvalidError, ContainerStartFailedError,
  ContainerStartTimeoutError, ContainerStopTimeoutError, ContainerWrongStateError, OperationAbortedError, RootfsMissingError,
} from './errors.js';
import { HealthMonitor } from './health-monitor.js';
import { KeyedLock } from './keyed-lock.js';
import { mergeByArrival, readLogLines } from './log-reader.js';
import { rotateIfOver } from './log-rotation.js';
import { buildOciConfig } from './oci-config.js';
import { isSupervised, listContainerIds, markLost, removeCgroups } from './recovery.js';
import type { OciRuntime } from './runtime.js';
import { launchShim } from './shim.js';
import { validateSpec, type NormalizedSpec } from './spec.js';
import { waitUntil } from './status-watch.js';
import type { TimerHandle } from './timers.js';
import type {
  ContainerSpec, ContainerState, ContainerStats, ContainerStatus, ExecOptions, ExecResult, Executor, ExitStatus, LogLine, LogOptions,
  LogStream, StopOptions,
} from './types.js';

/** How often start() looks for the pid file when inotify is silent; start latency is a budget. */
const startPollMs = 10;
const stopPollMs = 50;

export class OciExecutor implements Executor {
  private readonly locks = new KeyedLock();
  private readonly exitWatches = new Map<string, { promise: Promise<ExitStatus>; abort: AbortController }>();
  private readonly monitors = new Map<string, HealthMonitor>();
  private rotationTimer: TimerHandle | null = null;
  private closed = false;

  constructor(
    private readonly config: ResolvedExecutorConfig,
    private readonly runtime: OciRuntime,
    private readonly layout: CgroupLayout,
    private readonly shimPath: string,
  ) {}

  get runtimeName(): string {
    return this.runtime.name;
  }

  async create(spec: ContainerSpec): Promise<ContainerStatus> {
    const normalized = validateSpec(spec);
    await this.checkHostFor(normalized);
    return this.locks.run(normalized.id, async () => {
      const paths = this.paths(normalized.id);
      await mkdir(join(this.config.dataDir, 'containers'), { recursive: true });
      try {
        await mkdir(paths.dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new ContainerExistsError(normalized.id);
        throw error;
      }
      try {
        await Promise.all([mkdir(paths.bundleDir), mkdir(paths.logsDir), mkdir(paths.statusDir)]);
        const config = buildOciConfig(normalized, { cgroupVersion: this.layout.version, cgroupsPath: this.cgroups(normalized.id).leaf });
        await writeFileAtomic(paths.configFile, `${JSON.stringify(config, null, 2)}\n`);
        const stored: StoredSpec = { spec: normalized, createdAtMs: this.config.clock.nowMs() };
        await writeFileAtomic(paths.specFile, JSON.stringify(stored)); // last: its presence means "created"
      } catch (error) {
        await rm(paths.dir, { recursive: true, force: true });
        throw error;
      }
      return this.inspect(normalized.id);
    });
  }

  async start(id: string): Promise<ContainerStatus> {
    return this.locks.run(id, async () => {
      const { paths, record } = await this.load(id);
      this.requireState(id, 'start', record, ['created']);
      await writeFileAtomic(paths.started, String(this.config.clock.nowMs()));
      launchShim({
        shimPath: this.shimPath,
        statusDir: paths.statusDir,
        logsDir: paths.logsDir,
        oomEvidencePath: oomEvidencePath(this.layout, this.cgroups(id)),
        runtimeArgv: this.runtime.runArgv({ id, bundleDir: paths.bundleDir, pidFile: paths.pid, runtimeLog: paths.runtimeLog }),
      });
      const outcome = await waitUntil(
        paths.statusDir,
        // Exit before pid: the runtime writes the pid file before the shim can write the exit
        // file, so once the exit is there a missing pid file means the start itself failed.
        async () => {
          const ended = await exists(paths.exit);
          if (await exists(paths.pid)) return 'running';
          return ended ? 'failed' : null;
        },
        { pollMs: startPollMs, timeoutMs: this.config.startTimeoutMs, what: `start of ${id}` },
      );
      if (outcome === 'running') {
        this.supervise(id, record.stored.spec, this.config.clock.monotonicMs());
        return this.inspect(id);
      }
      const reason = outcome === 'failed' ? await runtimeFailure(paths) : '';
      await this.undoStart(id, paths);
      if (outcome === 'failed') throw new ContainerStartFailedError(id, reason);
      throw new ContainerStartTimeoutError(id, this.config.startTimeoutMs);
    });
  }

  wait(id: string, options: { signal?: AbortSignal } = {}): Promise<ExitStatus> {
    return (async () => {
      const { record } = await this.load(id);
      this.requireState(id, 'wait for', record, ['running', 'exited', 'stopped']);
      if (record.exit !== null) return record.exit;
      return abortable(this.watchExit(id), options.signal, `wait for ${id}`);
    })();
  }

  async stop(id: string, options: StopOptions = {}): Promise<ExitStatus> {
    const graceMs = options.graceMs ?? this.config.stopGraceMsDefault;
    return this.locks.run(id, async () => {
      const { paths, record } = await this.load(id);
      this.requireState(id, 'stop', record, ['running', 'exited', 'stopped']);
      if (record.exit !== null) return record.exit;
      await writeFileAtomic(paths.stopRequested, String(this.config.clock.nowMs()));
      await this.runtime.kill(id, 15);
      const graceful = await this.exitWithin(paths, graceMs);
      if (graceful !== null) return graceful;
      await this.runtime.kill(id, 9);
      const killed = await this.exitWithin(paths, this.config.killWaitMs);
      if (killed === null) throw new ContainerStopTimeoutError(id, this.config.killWaitMs);
      return killed;
    });
  }

  async remove(id: string): Promise<void> {
    return this.locks.run(id, async () => {
      const { paths, record } = await this.load(id);
      this.requireState(id, 'remove', record, ['created', 'exited', 'stopped']);
      this.unsupervise(id);
      await this.runtime.delete(id);
      await removeCgroups(this.layout, this.config.cgroupParent, id);
      await rm(paths.dir, { recursive: true, force: true });
    });
  }

  async inspect(id: string): Promise<ContainerStatus> {
    const { record } = await this.load(id);
    const state = stateOf(record);
    return {
      id,
      state,
      pid: state === 'running' ? record.pid : null,
      createdAtMs: record.stored.createdAtMs,
      startedAtMs: record.startedAtMs,
      exit: record.exit,
      health: state === 'running' ? this.monitors.get(id)?.status ?? null : null,
    };
  }

  async list(): Promise<ContainerStatus[]> {
    const statuses: ContainerStatus[] = [];
    for (const id of await listContainerIds(this.config.dataDir)) {
      const status = await this.inspect(id).catch(() => null); // removed meanwhile, or create not finished
      if (status !== null) statuses.push(status);
    }
    return statuses;
  }

  logs(id: string, options: LogOptions = {}): AsyncIterable<LogLine> {
    const streams = options.streams ?? ['stdout', 'stderr'];
    const paths = this.paths(id);
    const source = (stream: LogStream): AsyncGenerator<LogLine> => this.streamLines(paths, stream, options);
    const load = (): Promise<unknown> => this.load(id); // lazily: an unread iterable must not leave a rejection behind
    return (async function* () {
      await load();
      if (options.follow) yield* mergeByArrival(streams.map(source));
      else for (const stream of streams) yield* source(stream);
    })();
  }

  async stats(id: string): Promise<ContainerStats> {
    const { record } = await this.load(id);
    this.requireState(id, 'read stats of', record, ['running']);
    const files = statsFiles(this.layout, this.cgroups(id));
    const read = async (path: string | null): Promise<string> => (path === null ? '' : readFile(path, 'utf8').catch(() => ''));
    const [memory, memoryMax, cpu, pids] = await Promise.all([read(files.memory), read(files.memoryMax), read(files.cpu), read(files.pids)]);
    return parseStats(this.layout.version, { memory, memoryMax, cpu, pids });
  }

  async exec(id: string, command: string[], options: ExecOptions): Promise<ExecResult> {
    const { paths, record } = await this.load(id);
    this.requireState(id, 'exec in', record, ['running']);
    const spec = record.stored.spec;
    await mkdir(join(paths.dir, 'exec'), { recursive: true });
    const pidFile = join(paths.dir, 'exec', `${nodeCrypto().randomBytes(6).toString('hex')}.pid`);
    const argv = this.runtime.execArgv(id, command, { uid: spec.user.uid, gid: spec.user.gid, env: spec.env, cwd: spec.cwd, pidFile });
    const result = await runCommand(this.runtime.binaryPath, argv, {
      timeoutMs: options.timeoutMs,
      outputBytesMax: this.config.execOutputBytesMax,
      // Killing the runtime alone would leave the probe running inside the container.
      onTimeout: () => void killPidInFile(pidFile),
    });
    await unlink(pidFile).catch(() => undefined);
    return { exitCode: result.timedOut ? null : result.exitCode, timedOut: result.timedOut, output: result.stdout + result.stderr };
  }

  async rotateLogs(): Promise<number> {
    const limits = { fileBytesMax: this.config.logFileBytesMax, filesKept: this.config.logFilesKept };
    let rotated = 0;
    for (const id of await listContainerIds(this.config.dataDir)) {
      for (const stream of ['stdout', 'stderr'] as const) {
        if ((await rotateIfOver(logPath(this.paths(id), stream), limits).catch(() => 0)) > 0) rotated += 1;
      }
    }
    return rotated;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.rotationTimer !== null) this.config.timers.clearTimeout(this.rotationTimer);
    this.rotationTimer = null;
    for (const id of [...this.monitors.keys(), ...this.exitWatches.keys()]) this.unsupervise(id);
  }

  /** Called by createExecutor(): watch adopted containers and start the periodic log check. */
  resume(adoptedIds: readonly string[]): void {
    for (const id of adoptedIds) void this.adopt(id);
    this.scheduleRotation();
  }

  private async adopt(id: string): Promise<void> {
    const { record } = await this.load(id);
    const startedAgoMs = Math.max(0, this.config.clock.nowMs() - (record.startedAtMs ?? 0));
    this.supervise(id, record.stored.spec, this.config.clock.monotonicMs() - startedAgoMs);
  }

  private scheduleRotation(): void {
    if (this.closed) return;
    this.rotationTimer = this.config.timers.setTimeout(() => {
      void this.rotateLogs().finally(() => this.scheduleRotation());
    }, this.config.logCheckIntervalMs);
  }

  /** Starts the exit watch (and the health monitor) for a running container. */
  private supervise(id: string, spec: NormalizedSpec, startedAtMonotonicMs: number): void {
    if (this.closed) return;
    const exit = this.watchExit(id);
    if (spec.healthCheck === null) return;
    const monitor = new HealthMonitor({
      check: spec.healthCheck,
      probe: async (command, timeoutMs) => {
        const result = await this.exec(id, command, { timeoutMs });
        return { healthy: result.exitCode === 0, output: result.output };
      },
      timers: this.config.timers,
      clock: this.config.clock,
      startedAtMs: startedAtMonotonicMs,
      onChange: (previous, current, output) => this.config.onHealthChange?.({ id, previous, current, output }),
    });
    this.monitors.set(id, monitor);
    monitor.start();
    void exit.then(
      () => this.stopMonitor(id, monitor),
      () => this.stopMonitor(id, monitor),
    );
  }

  private stopMonitor(id: string, monitor: HealthMonitor): void {
    monitor.stop();
    if (this.monitors.get(id) === monitor) this.monitors.delete(id);
  }

  private unsupervise(id: string): void {
    const monitor = this.monitors.get(id);
    if (monitor !== undefined) this.stopMonitor(id, monitor);
    const watch = this.exitWatches.get(id);
    watch?.abort.abort();
    this.exitWatches.delete(id);
  }

  /** One shared watch per container: resolves with the exit status, recording "lost" if the shim vanished. */
  private watchExit(id: string): Promise<ExitStatus> {
    const existing = this.exitWatches.get(id);
    if (existing !== undefined) return existing.promise;
    const abort = new AbortController();
    const paths = this.paths(id);
    const check = async (): Promise<ExitStatus | null> => {
      const record = await readRecord(paths);
      if (record === null) throw new ContainerNotFoundError(id);
      if (record.exit !== null) return record.exit;
      const context = { startTimeoutMs: this.config.startTimeoutMs, nowMs: () => this.config.clock.nowMs() };
      if (await isSupervised(paths, record, context)) return null;
      const late = await readExit(paths); // the shim may have written it just before exiting
      if (late !== null) return late;
      await markLost(paths, id, this.runtime);
      return readExit(paths);
    };
    const promise = waitUntil(paths.statusDir, check, { pollMs: this.config.exitPollMs, signal: abort.signal, what: `wait for ${id}` }).then(
      (status) => {
        if (status === null) throw new ContainerNotFoundError(id);
        return status;
      },
    );
    this.exitWatches.set(id, { promise, abort });
    const forget = (): void => {
      if (this.exitWatches.get(id)?.promise === promise) this.exitWatches.delete(id);
    };
    promise.then(forget, forget);
    return promise;
  }

  /** The exit status if the container ends within `ms`, else null. */
  private exitWithin(paths: ContainerPaths, ms: number): Promise<ExitStatus | null> {
    return waitUntil(paths.statusDir, () => readExit(paths), { pollMs: stopPollMs, timeoutMs: ms, what: 'stop' });
  }

  /** A failed or timed-out start leaves the container "created" again, ready for another try. */
  private async undoStart(id: string, paths: ContainerPaths): Promise<void> {
    const shimPid = Number((await readFile(paths.shimPid, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(shimPid) && shimPid > 0) {
      try {
        process.kill(shimPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.runtime.kill(id, 9).catch(() => undefined);
    await this.runtime.delete(id);
    await rm(paths.statusDir, { recursive: true, force: true });
    await mkdir(paths.statusDir);
  }

  private async *streamLines(paths: ContainerPaths, stream: LogStream, options: LogOptions): AsyncGenerator<LogLine> {
    const lines = readLogLines(logPath(paths, stream), {
      follow: options.follow ?? false,
      includeRotated: options.includeRotated ?? true,
      lineBytesMax: this.config.logLineBytesMax,
      pollMs: this.config.logFollowPollMs,
      isFinished: async () => (await readRecord(paths).catch(() => null))?.exit !== null,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    for await (const text of lines) yield { stream, text };
  }

  private async checkHostFor(spec: NormalizedSpec): Promise<void> {
    const rootfs = await stat(spec.rootfsPath).catch(() => null);
    if (rootfs === null || !rootfs.isDirectory()) throw new RootfsMissingError(spec.rootfsPath);
    for (const [index, volume] of spec.volumes.entries()) {
      if ((await stat(volume.source).catch(() => null)) === null) {
        throw new ContainerSpecInvalidError(`volumes[${index}].source`, `("${volume.source}") does not exist on this board; create it first`);
      }
    }
    const needs: [boolean, string][] = [
      [spec.resources.memoryBytesMax !== undefined, 'memory'],
      [spec.resources.pidsMax !== undefined, 'pids'],
      [spec.resources.cpuCoresMax !== undefined || spec.resources.cpuShares !== undefined, 'cpu'],
    ];
    for (const [needed, controller] of needs) {
      if (needed && !this.layout.controllers.has(controller)) throw new CgroupControllerMissingError(controller);
    }
  }

  private async load(id: string): Promise<{ paths: ContainerPaths; record: ContainerRecord }> {
    const paths = this.paths(id);
    const record = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(id) ? await readRecord(paths).catch(() => null) : null;
    if (record === null) throw new ContainerNotFoundError(id);
    return { paths, record };
  }

  private requireState(id: string, operation: string, record: ContainerRecord, allowed: ContainerState[]): void {
    const state = stateOf(record);
    if (!allowed.includes(state)) throw new ContainerWrongStateError(id, operation, state, allowed);
  }

  private paths(id: string): ContainerPaths {
    return containerPaths(this.config.dataDir, id);
  }

  private cgroups(id: string): ReturnType<typeof containerCgroups> {
    return containerCgroups(this.config.cgroupParent, id);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** The runtime's last error, from its JSON log, else the tail of stderr. */
async function runtimeFailure(paths: ContainerPaths): Promise<string> {
  const log = await readFile(paths.runtimeLog, 'utf8').catch(() => '');
  const errors = log
    .split('\n')
    .map((line) => {
      try {
        return JSON.parse(line) as { level?: string; msg?: string };
      } catch {
        return null;
      }
    })
    .filter((entry) => entry !== null && (entry.level === 'error' || entry.level === 'fatal') && typeof entry.msg === 'string');
  const last = errors.at(-1)?.msg;
  if (last !== undefined) return last;
  const stderr = await readFile(logPath(paths, 'stderr'), 'utf8').catch(() => '');
  return stderr.trim().split('\n').slice(-3).join(' ').slice(0, 500);
}

async function killPidInFile(pidFile: string): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // it ended on its own
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(new OperationAbortedError(what));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new OperationAbortedError(what));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
