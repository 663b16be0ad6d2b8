// What a test needs from the host (root, a command, a kernel feature).
// In CI a missing need is a loud failure: CI installs everything the tests
// use, so a gap there is a bug in .ci/run, never a reason to go green.
import { execFileSync } from 'node:child_process';

export const inCI = process.env.CI === 'true' || process.env.CI === '1';

export class MissingHostFeature extends Error {
  constructor(what: string) {
    super(`this test needs ${what}; .ci/run must provide it (in CI a missing feature is a failure, not a skip)`);
    this.name = 'MissingHostFeature';
  }
}

/**
 * Returns true when the host has the feature. Locally, without it, prints why
 * the calling test does nothing and returns false; in CI it throws.
 */
export function hostHas(what: string, present: boolean): boolean {
  if (present) return true;
  if (inCI) throw new MissingHostFeature(what);
  console.warn(`NOT RUN here (needs ${what}); CI runs it as root with every package installed`);
  return false;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${JSON.stringify(name)}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function needsRoot(): boolean {
  return hostHas('root', isRoot());
}

export function needsCommands(...names: string[]): boolean {
  const missing = names.filter((name) => !hasCommand(name));
  return hostHas(`the command(s) ${missing.join(', ')}`, missing.length === 0);
}
