/**
 * Runs host tools (sfdisk, mtools, e2fsprogs, xz, apt-get, npm) with
 * arguments as arrays, never through a shell, so no path or token is ever
 * interpreted by one. Failures become FirmwareErrors naming the command.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { FirmwareError } from './errors.js';

/** Which Debian package brings each tool, so "missing" errors say what to install. */
const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  sfdisk: 'fdisk',
  mcopy: 'mtools',
  mtype: 'mtools',
  mdir: 'mtools',
  debugfs: 'e2fsprogs',
  e2fsck: 'e2fsprogs',
  resize2fs: 'e2fsprogs',
  xz: 'xz-utils',
  patchelf: 'patchelf',
  'dpkg-deb': 'dpkg',
  'apt-get': 'apt',
  tar: 'tar',
  npm: 'npm (comes with Node.js)',
};

/** Output beyond this is a tool gone wrong (or a huge listing); stop rather than eat memory. */
const TOOL_OUTPUT_BYTES_MAX = 64 * 1024 * 1024;
/** Longest a single tool may run: xz on a multi-GB image takes minutes, not hours. */
const TOOL_TIMEOUT_MS = 30 * 60 * 1000;

export interface RunOptions {
  input?: string | Buffer;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Exit codes that count as success (default [0]). e2fsck uses 1 for "fixed something". */
  okExitCodes?: readonly number[];
  /** Used in error messages instead of the raw argument list (e.g. to hide a path or to say why). */
  purpose?: string;
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): RunResult {
  const result = spawnSync(command, args, {
    input: options.input,
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: TOOL_OUTPUT_BYTES_MAX,
    timeout: TOOL_TIMEOUT_MS,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (result.error !== undefined) {
    if ((result.error as NodeJS.ErrnoException).code === 'ENOENT') throw toolMissing(command);
    throw new FirmwareError('EDGE_FIRMWARE_TOOL_FAILED', `${command} could not run (${result.error.message})`, { cause: result.error });
  }
  const status = result.status ?? -1;
  const ok = options.okExitCodes ?? [0];
  if (!ok.includes(status)) {
    const detail = `${result.stderr}${result.stdout}`.trim().split('\n').slice(-6).join('\n  ');
    const what = options.purpose ?? `${command} ${args.join(' ')}`;
    throw new FirmwareError('EDGE_FIRMWARE_TOOL_FAILED', `${what}: ${command} exited with ${result.signal ?? status}:\n  ${detail}`);
  }
  return { status, stdout: result.stdout, stderr: result.stderr };
}

export function toolMissing(command: string): FirmwareError {
  const pkg = TOOL_PACKAGES[command] ?? command;
  return new FirmwareError('EDGE_FIRMWARE_TOOL_MISSING', `${command} is not installed; install it with \`apt-get install -y ${pkg}\``);
}

/** Fails early, before any work, when a tool the build will need is absent. */
export function requireTools(commands: readonly string[]): void {
  for (const command of commands) {
    const found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' });
    if (found.status !== 0) throw toolMissing(command);
  }
}

/** Runs a tool whose stdout is large (xz -dc of a GB image) straight into a file. */
export function runToFile(command: string, args: readonly string[], outputPath: string, purpose: string): void {
  const fd = openSync(outputPath, 'w', 0o644);
  try {
    const result = spawnSync(command, args, { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', timeout: TOOL_TIMEOUT_MS });
    if (result.error !== undefined) {
      if ((result.error as NodeJS.ErrnoException).code === 'ENOENT') throw toolMissing(command);
      throw new FirmwareError('EDGE_FIRMWARE_TOOL_FAILED', `${purpose}: ${command} could not run (${result.error.message})`);
    }
    if (result.status !== 0) {
      throw new FirmwareError('EDGE_FIRMWARE_TOOL_FAILED', `${purpose}: ${command} exited with ${result.signal ?? result.status}: ${result.stderr.trim()}`);
    }
  } finally {
    closeSync(fd);
  }
}
