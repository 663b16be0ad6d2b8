// Reads the JSON lines lab-node.ts and lab-inject.ts print into a lab host's
// log file, and waits for one to appear.
import type { Lab } from '../lab/lab.js';

export interface LabEvent {
  event: string;
  sinceStartMs: number;
  [field: string]: unknown;
}

export const NODE_SCRIPT = 'test/discovery/lab-node.ts';

/** Arguments for lab.start(i, process.execPath, …) running one of our scripts through tsx. */
export function tsxArgs(script: string, args: string[]): string[] {
  return ['--import', 'tsx', script, ...args];
}

export function events(lab: Lab, index: number): LabEvent[] {
  return lab
    .logs(index)
    .split('\n')
    .flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as LabEvent];
      } catch {
        return [];
      }
    });
}

export async function waitForEvent(lab: Lab, index: number, predicate: (event: LabEvent) => boolean, timeoutMs: number, what: string): Promise<LabEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = events(lab, index).find(predicate);
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(`host ${index}: no ${what} within ${timeoutMs} ms; log:\n${lab.logs(index).split('\n').slice(-40).join('\n')}`);
    }
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function lastStats(lab: Lab, index: number): Record<string, unknown> | undefined {
  const stats = events(lab, index).filter((event) => event.event === 'stats');
  return stats.at(-1)?.stats as Record<string, unknown> | undefined;
}
