// Test helper: runs the firmware command's command line in this process (buildImageCli) or, where the
// real process matters, as `node --import tsx firmware-scripts/build-image.ts` (buildImageProcess).
import { spawnSync } from 'node:child_process';
import { runBuildImageCli } from '../../firmware-scripts/lib/cli.js';

const repo = new URL('../../', import.meta.url).pathname;

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
  /** The EDGE_* code printed on failure, if any. */
  code: string | null;
}

function withCode(status: number, stdout: string, stderr: string): CliResult {
  return { status, stdout, stderr, code: /\b(EDGE_[A-Z_]+)\b/.exec(stderr)?.[1] ?? null };
}

export function buildImageCli(args: readonly string[]): CliResult {
  const out: string[] = [];
  const err: string[] = [];
  const status = runBuildImageCli(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return withCode(status, out.join('\n'), err.join('\n'));
}

export function buildImageProcess(args: readonly string[]): CliResult {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'firmware-scripts/build-image.ts', ...args], { cwd: repo, encoding: 'utf8' });
  return withCode(result.status ?? -1, result.stdout, result.stderr);
}
