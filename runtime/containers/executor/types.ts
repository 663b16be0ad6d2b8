// The vocabulary shared by the real OCI executor, the fake one and the agent.
// Nothing here does I/O: these are the shapes that cross the executor's
// boundary, with their invariants stated where they are declared.

/**
 * What the agent asks for. Validated by validateSpec() before anything touches
 * the disk; every field that can be wrong has an error that names it.
 */
export interface ContainerSpec {
  /** Unique per executor; [A-Za-z0-9][A-Za-z0-9_.-]{0,63}. Also the runtime's container id. */
  id: string;
  /** Absolute path of a prepared root filesystem (the image store assembles it). */
  rootfsPath: string;
  /** argv of the container's first process; args[0] is looked up in PATH inside the container. */
  args: string[];
  /** KEY=VALUE pairs. A PATH is added when none is given. */
  env?: string[];
  /** Absolute working directory inside the container. Default "/". */
  cwd?: string;
  /** Numeric identity of the process. Default 0:0 (root inside the container, capability-limited). */
  user?: { uid: number; gid: number; additionalGids?: number[] };
  /** Default: the id, cut to 63 characters. */
  hostname?: string;
  /** "isolated": own network namespace with loopback only. "host": the board's interfaces. Default "isolated". */
  network?: NetworkMode;
  /** Mount the root filesystem read-only; writable places then come from tmpfs or volumes. */
  readOnlyRootfs?: boolean;
  /** Extra tmpfs mounts (e.g. /tmp on a read-only rootfs). */
  tmpfs?: TmpfsMount[];
  /** Bind mounts of host directories or files. */
  volumes?: VolumeMount[];
  resources?: ResourceLimits;
  /** Size of /dev/shm in bytes. Default 64 MiB (counted against the memory limit when used). */
  shmBytes?: number;
  healthCheck?: HealthCheckSpec;
}

export type NetworkMode = 'isolated' | 'host';

export interface TmpfsMount {
  /** Absolute path inside the container. */
  target: string;
  /** Upper bound on the tmpfs size. Default 16 MiB. Pages used count against the memory limit. */
  sizeBytes?: number;
  /** Octal permission bits, e.g. 0o1777. Default 0o1777. */
  mode?: number;
}

export interface VolumeMount {
  /** Absolute path on the host; must exist. */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly: boolean;
}

export interface ResourceLimits {
  /** Hard memory limit. Swap is switched off for the container (memory+swap = this). Minimum 6 MiB. */
  memoryBytesMax?: number;
  /** CPU time as a fraction of cores, e.g. 0.5 = half a core, enforced by CFS quota over cpuPeriodUs. */
  cpuCoresMax?: number;
  /** CFS period the quota is measured over, microseconds. Default 100 000. */
  cpuPeriodUs?: number;
  /** Relative CPU weight under contention (cgroup v1 shares, 2..262144; converted to a v2 weight). */
  cpuShares?: number;
  /** Maximum number of processes and threads in the container. */
  pidsMax?: number;
}

/** Docker-compatible health check semantics; see health.ts for the state machine. */
export interface HealthCheckSpec {
  /** argv run inside the container with `runtime exec`; exit 0 means healthy. */
  command: string[];
  /** Time between the end of one probe and the start of the next. */
  intervalMs: number;
  /** A probe running longer than this is killed and counts as a failure. */
  timeoutMs: number;
  /** Consecutive failures (after the start period) that make the container unhealthy. */
  retries: number;
  /** Grace after start during which failures do not count (a success still makes it healthy). */
  startPeriodMs: number;
}

/**
 * created  → the bundle is written; no process exists yet.
 * running  → the shim runs the runtime in the foreground; the container's first process exists.
 * exited   → the first process ended on its own (or was OOM-killed); exit status is on disk.
 * stopped  → it ended after stop() asked it to.
 * Only create/start/stop/remove move a container, and each moves it one step.
 */
export type ContainerState = 'created' | 'running' | 'exited' | 'stopped';

export interface ExitStatus {
  /**
   * The first process's exit code; 128+N when a signal N killed it (137 = SIGKILL).
   * null when the shim itself was killed or the board rebooted, so nobody saw the end.
   */
  exitCode: number | null;
  /** The kernel's OOM killer killed a process in the container (its cgroup's oom_kill counter moved). */
  oomKilled: boolean;
  /** stop() ended it (its state is "stopped" rather than "exited"). */
  stopRequested: boolean;
  /** Wall-clock time the end was recorded, ms since the epoch (the exit file's mtime). */
  finishedAtMs: number;
}

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface ContainerStatus {
  id: string;
  state: ContainerState;
  /** Host pid of the container's first process while running. */
  pid: number | null;
  createdAtMs: number;
  startedAtMs: number | null;
  exit: ExitStatus | null;
  /** null when the spec has no health check or the container is not running. */
  health: HealthStatus | null;
}

export interface StopOptions {
  /** Time between SIGTERM and SIGKILL. Default: the executor's stopGraceMsDefault. */
  graceMs?: number;
}

export type LogStream = 'stdout' | 'stderr';

export interface LogOptions {
  /** Keep reading as the container writes, across rotations, until it ends or `signal` aborts. */
  follow?: boolean;
  /** Which streams; default both. Lines of different streams carry no common order. */
  streams?: LogStream[];
  /** Include lines already rotated out to the kept generations. Default true. */
  includeRotated?: boolean;
  signal?: AbortSignal;
}

export interface LogLine {
  stream: LogStream;
  /** One line without its newline; lines longer than logLineBytesMax arrive in pieces. */
  text: string;
}

export interface ContainerStats {
  memoryBytes: number;
  /** null when no limit is set. */
  memoryBytesMax: number | null;
  /** CPU time used since start, microseconds. */
  cpuUsageUs: number;
  pidsCurrent: number;
}

export interface ExecOptions {
  /** Kill the command after this long; the result says timedOut. */
  timeoutMs: number;
}

export interface ExecResult {
  /** null when it timed out or was killed by a signal. */
  exitCode: number | null;
  timedOut: boolean;
  /** First execOutputBytesMax bytes of stdout then stderr, for a health log. */
  output: string;
}

export interface HealthEvent {
  id: string;
  previous: HealthStatus;
  current: HealthStatus;
  /** Output of the probe that caused the change. */
  output: string;
}

/** What createExecutor() found on disk from a previous agent. */
export interface RecoveryReport {
  /** Still running; the new executor now watches them. */
  adopted: string[];
  /** Ended while no agent watched; their exit files were read. */
  collected: string[];
  /** The shim vanished without recording an exit (killed, or the board rebooted); container killed if still there. */
  lost: string[];
  /** Runtime containers in our state root with no container directory; killed and deleted. */
  orphansRemoved: string[];
}

/**
 * The one interface the agent drives. OciExecutor and FakeExecutor both
 * implement it and both pass test/containers/executor/conformance.ts.
 */
export interface Executor {
  /** "runc", "crun" or "fake". */
  readonly runtimeName: string;
  /** nothing → created. */
  create(spec: ContainerSpec): Promise<ContainerStatus>;
  /** created → running. Resolves once the first process exists. */
  start(id: string): Promise<ContainerStatus>;
  /** Resolves when the container has ended (at once if it already has). Moves nothing. */
  wait(id: string, options?: { signal?: AbortSignal }): Promise<ExitStatus>;
  /** running → stopped: SIGTERM, then SIGKILL after the grace period. Already ended: returns its status. */
  stop(id: string, options?: StopOptions): Promise<ExitStatus>;
  /** created/exited/stopped → gone: runtime state, cgroups, logs and bundle deleted. */
  remove(id: string): Promise<void>;
  inspect(id: string): Promise<ContainerStatus>;
  list(): Promise<ContainerStatus[]>;
  logs(id: string, options?: LogOptions): AsyncIterable<LogLine>;
  stats(id: string): Promise<ContainerStats>;
  /** Runs a command inside a running container (health checks use this). */
  exec(id: string, command: string[], options: ExecOptions): Promise<ExecResult>;
  /** Copy-truncate every log file over the cap now (the executor also does this on its own timer). */
  rotateLogs(): Promise<number>;
  /** Stops the executor's timers and watchers. Containers keep running; a new executor adopts them. */
  close(): Promise<void>;
}
