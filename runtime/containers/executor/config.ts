// The executor's configuration: each field says what it means, its unit, its
// default and what changing it trades. validateExecutorConfig() names the
// field and the fix when a value is wrong.
import { systemClock, type Clock } from '../../common/clock.js';
import type { CgroupLayout } from './cgroups.js';
import { ExecutorConfigInvalidError } from './errors.js';
import type { RuntimeName } from './runtime.js';
import { systemTimers, type Timers } from './timers.js';
import type { HealthEvent } from './types.js';

const MiB = 1024 * 1024;

export interface ExecutorConfig {
  /**
   * Where each container's bundle, logs and exit record live
   * (containers/<id>/...). Must persist across agent restarts, so exit codes
   * do; on a board that is the SD card, which is why logs are capped.
   */
  dataDir: string;
  /**
   * The OCI runtime's state root (`--root`). Belongs on tmpfs (/run): it
   * describes live kernel objects and is meaningless after a reboot. Nothing
   * else may share it: recovery deletes any container here it does not own.
   */
  runtimeRoot: string;
  /** Force a runtime. Default: crun on cgroup v2 when installed, otherwise runc. */
  runtime?: RuntimeName;
  /** First path component of every container cgroup (/<cgroupParent>/<id>/container). Default "edgectl". */
  cgroupParent?: string;
  /** How long start() waits for the first process to exist. Default 10 000 ms; a Pi Zero under load needs seconds. */
  startTimeoutMs?: number;
  /** SIGTERM→SIGKILL grace when stop() is not given one. Default 10 000 ms (Docker's). */
  stopGraceMsDefault?: number;
  /** How long stop() waits after SIGKILL before EDGE_CONTAINER_STOP_TIMEOUT. Default 5 000 ms. */
  killWaitMs?: number;
  /**
   * Cap on each live log file (stdout and stderr separately) before rotation.
   * Default 10 MiB. Smaller saves SD space; each rotation copies this many bytes once.
   */
  logFileBytesMax?: number;
  /** Rotated generations kept per stream. Default 1. 0 truncates without a copy (fewest SD writes). */
  logFilesKept?: number;
  /**
   * How often the sizes are checked. Default 5 000 ms. A file can exceed its
   * cap by what the container writes in one interval; shorter costs a stat()
   * per stream per interval.
   */
  logCheckIntervalMs?: number;
  /** Longest line logs() delivers whole; longer lines come in pieces. Default 16 KiB. */
  logLineBytesMax?: number;
  /** How often a following logs() reader looks for new bytes. Default 250 ms. */
  logFollowPollMs?: number;
  /** Fallback poll for the exit file when inotify says nothing. Default 1 000 ms. */
  exitPollMs?: number;
  /** Output kept from an exec (health probe), per stream. Default 4 096 bytes, as Docker keeps. */
  execOutputBytesMax?: number;
  /** Called on every health status change of any container. */
  onHealthChange?: (event: HealthEvent) => void;
  timers?: Timers;
  clock?: Clock;
  /** Override the host's cgroup layout (tests of v2 paths on a v1 host). Default: read from /proc/self/mountinfo. */
  cgroupLayout?: CgroupLayout;
}

export type ResolvedExecutorConfig = Required<Omit<ExecutorConfig, 'runtime' | 'onHealthChange' | 'cgroupLayout'>> &
  Pick<ExecutorConfig, 'runtime' | 'onHealthChange' | 'cgroupLayout'>;

export function executorDefaults(): Omit<ResolvedExecutorConfig, 'dataDir' | 'runtimeRoot'> {
  return {
    cgroupParent: 'edgectl',
    startTimeoutMs: 10_000,
    stopGraceMsDefault: 10_000,
    killWaitMs: 5_000,
    logFileBytesMax: 10 * MiB,
    logFilesKept: 1,
    logCheckIntervalMs: 5_000,
    logLineBytesMax: 16 * 1024,
    logFollowPollMs: 250,
    exitPollMs: 1_000,
    execOutputBytesMax: 4096,
    timers: systemTimers(),
    clock: systemClock,
  };
}

const wholeNumberFields = [
  'startTimeoutMs', 'stopGraceMsDefault', 'killWaitMs', 'logFileBytesMax', 'logCheckIntervalMs',
  'logLineBytesMax', 'logFollowPollMs', 'exitPollMs', 'execOutputBytesMax',
] as const;

export function validateExecutorConfig(config: ExecutorConfig): ResolvedExecutorConfig {
  const resolved: ResolvedExecutorConfig = { ...executorDefaults(), ...stripUndefined(config) } as ResolvedExecutorConfig;
  for (const field of ['dataDir', 'runtimeRoot'] as const) {
    if (typeof resolved[field] !== 'string' || !resolved[field].startsWith('/')) {
      throw new ExecutorConfigInvalidError(field, 'must be an absolute path');
    }
  }
  for (const field of wholeNumberFields) {
    const value = resolved[field];
    if (!Number.isSafeInteger(value) || value <= 0) throw new ExecutorConfigInvalidError(field, 'must be a whole number greater than 0');
  }
  if (!Number.isSafeInteger(resolved.logFilesKept) || resolved.logFilesKept < 0 || resolved.logFilesKept > 100) {
    throw new ExecutorConfigInvalidError('logFilesKept', 'must be a whole number from 0 to 100');
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(resolved.cgroupParent)) {
    throw new ExecutorConfigInvalidError('cgroupParent', 'must be one path component of letters, digits, "_", "." or "-"');
  }
  if (resolved.runtime !== undefined && resolved.runtime !== 'runc' && resolved.runtime !== 'crun') {
    throw new ExecutorConfigInvalidError('runtime', 'must be "runc" or "crun" (or left out to choose by cgroup version)');
  }
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
