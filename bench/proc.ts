// What the benchmarks read about processes from /proc, in one place.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A `Field: N` line of /proc/PID/status (kB for the Vm* fields) or /proc/PID/io (bytes). */
export function procNumber(pid: number, file: 'status' | 'io', field: string): number {
  const text = readFileSync(`/proc/${pid}/${file}`, 'utf8');
  const match = new RegExp(`${field}:\\s+(\\d+)`).exec(text);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/${file}`);
  return Number(match[1]);
}

export function rssKiB(pid: number): number {
  return procNumber(pid, 'status', 'VmRSS');
}

/** RSS of an idle bare `node` after 1.5 s: what the lab's ratios divide by, measured in the same run. */
export async function bareNodeRssKiB(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const rss = rssKiB(child.pid!);
  child.kill('SIGKILL');
  return rss;
}
