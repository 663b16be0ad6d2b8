// The OCI runtime driver: one class for runc and crun. Their command lines
// differ very little (both take --root=, --log=, --pid-file=, kill SIGNUM,
// delete --force, state/list as JSON); the differences are data in
// `RuntimeTraits`, not branches scattered through the executor.
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { CgroupVersion } from './cgroups.js';
import { runCommand, type CommandResult } from './command.js';
import { RuntimeCommandFailedError, RuntimeNotFoundError } from './errors.js';

export type RuntimeName = 'runc' | 'crun';

export interface RuntimeTraits {
  name: RuntimeName;
  /**
   * `run --keep` leaves the stopped container (and so its cgroup) in place
   * after the exit. runc has it; crun gained it after 1.8 (Debian bookworm
   * ships 1.8.1), so it is probed, not assumed. Without it the OOM evidence
   * must come from a cgroup the runtime does not delete (v2 only; see cgroups.ts).
   */
  keepSupported: boolean;
}

/** A container as `runtime state` and `runtime list` describe it. */
export interface RuntimeContainer {
  id: string;
  /** "created", "running", "paused" or "stopped". */
  status: string;
  pid: number;
}

const commandTimeoutMs = 15_000;
const commandOutputBytesMax = 256 * 1024;

/**
 * crun is the default where it works best: on the unified hierarchy it is a
 * small C program (≈1 MiB resident while it waits on a container, against a
 * Go runtime's ≈10 MiB). Debian's crun 1.8 refuses hybrid v1 hosts
 * ("cgroups in hybrid mode not supported"), so on v1 it is runc.
 */
export function chooseRuntime(options: {
  requested?: RuntimeName;
  cgroupVersion: CgroupVersion;
  binaries: ReadonlyMap<RuntimeName, string>;
}): { name: RuntimeName; binaryPath: string } {
  if (options.requested !== undefined) {
    const path = options.binaries.get(options.requested);
    if (path === undefined) throw new RuntimeNotFoundError(`"${options.requested}" was requested but is not in PATH`);
    return { name: options.requested, binaryPath: path };
  }
  const order: RuntimeName[] = options.cgroupVersion === 2 ? ['crun', 'runc'] : ['runc'];
  for (const name of order) {
    const path = options.binaries.get(name);
    if (path !== undefined) return { name, binaryPath: path };
  }
  throw new RuntimeNotFoundError(options.cgroupVersion === 2 ? 'neither crun nor runc is in PATH' : 'runc is not in PATH (crun needs cgroup v2)');
}

/** Finds executables in PATH; the result feeds chooseRuntime(). */
export async function findRuntimeBinaries(pathVariable = process.env.PATH ?? ''): Promise<Map<RuntimeName, string>> {
  const found = new Map<RuntimeName, string>();
  const dirs = [...pathVariable.split(delimiter), '/usr/sbin', '/usr/bin', '/sbin', '/bin'].filter((dir) => dir !== '');
  for (const name of ['runc', 'crun'] as const) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      const usable = await access(candidate, constants.X_OK).then(() => true, () => false);
      if (usable) {
        found.set(name, candidate);
        break;
      }
    }
  }
  return found;
}

export async function probeTraits(name: RuntimeName, binaryPath: string): Promise<RuntimeTraits> {
  const help = await runCommand(binaryPath, ['run', '--help'], { timeoutMs: commandTimeoutMs, outputBytesMax: 64 * 1024 });
  return { name, keepSupported: /--keep\b/.test(help.stdout + help.stderr) };
}

export class OciRuntime {
  constructor(
    readonly binaryPath: string,
    readonly stateRoot: string,
    readonly traits: RuntimeTraits,
  ) {}

  get name(): RuntimeName {
    return this.traits.name;
  }

  /** The argv the shim runs in the foreground; it returns when the container's first process ends. */
  runArgv(options: { id: string; bundleDir: string; pidFile: string; runtimeLog: string }): string[] {
    return [
      this.binaryPath,
      `--root=${this.stateRoot}`,
      `--log=${options.runtimeLog}`,
      '--log-format=json',
      'run',
      ...(this.traits.keepSupported ? ['--keep'] : []),
      `--bundle=${options.bundleDir}`,
      `--pid-file=${options.pidFile}`,
      options.id,
    ];
  }

  /** The argv of `exec` for a command inside a running container. */
  execArgv(id: string, command: readonly string[], process: { uid: number; gid: number; env: readonly string[]; cwd: string; pidFile: string }): string[] {
    return [
      `--root=${this.stateRoot}`,
      'exec',
      `--pid-file=${process.pidFile}`,
      `--user=${process.uid}:${process.gid}`,
      `--cwd=${process.cwd}`,
      ...process.env.map((entry) => `--env=${entry}`),
      id,
      ...command,
    ];
  }

  /** Sends a signal to the container's first process (with `all`, to every process in it). */
  async kill(id: string, signal: number, options: { all?: boolean } = {}): Promise<CommandResult> {
    return this.run(['kill', ...(options.all ? ['--all'] : []), id, String(signal)]);
  }

  /** Deletes the runtime's record and cgroup; a container it never knew or already forgot is fine. */
  async delete(id: string): Promise<void> {
    const result = await this.run(['delete', '--force', id]);
    if (result.exitCode === 0 || isNotFound(result)) return;
    throw new RuntimeCommandFailedError(`${this.name} delete --force ${id}`, result.stderr.trim());
  }

  /** null when the runtime does not know the container. */
  async state(id: string): Promise<RuntimeContainer | null> {
    const result = await this.run(['state', id]);
    if (result.exitCode !== 0) {
      if (isNotFound(result)) return null;
      throw new RuntimeCommandFailedError(`${this.name} state ${id}`, result.stderr.trim());
    }
    return parseRuntimeContainer(JSON.parse(result.stdout));
  }

  async list(): Promise<RuntimeContainer[]> {
    const result = await this.run(['list', '--format=json']);
    if (result.exitCode !== 0) throw new RuntimeCommandFailedError(`${this.name} list`, result.stderr.trim());
    return parseRuntimeList(result.stdout);
  }

  private run(args: string[]): Promise<CommandResult> {
    return runCommand(this.binaryPath, [`--root=${this.stateRoot}`, ...args], { timeoutMs: commandTimeoutMs, outputBytesMax: commandOutputBytesMax });
  }
}

/** runc prints "null" for an empty list, crun "[]"; both give id/pid/status per entry. */
export function parseRuntimeList(stdout: string): RuntimeContainer[] {
  const text = stdout.trim();
  if (text === '' || text === 'null') return [];
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) return [];
  return parsed.map(parseRuntimeContainer).filter((entry): entry is RuntimeContainer => entry !== null);
}

function parseRuntimeContainer(value: unknown): RuntimeContainer | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  if (typeof record.id !== 'string' || typeof record.status !== 'string') return null;
  return { id: record.id, status: record.status, pid: typeof record.pid === 'number' ? record.pid : 0 };
}

function isNotFound(result: CommandResult): boolean {
  return /does not exist|not found|no such file/i.test(result.stderr);
}
