// Test helper: reads a built image back with the host tools directly (sfdisk, debugfs, mtype, e2fsck),
// independent of the firmware command's own wrappers, so a bug there cannot hide itself.
import { execFileSync, spawnSync } from 'node:child_process';

export interface ReadPartition {
  start: number;
  size: number;
  type: string;
}

export function partitions(image: string): { label: string; partitions: ReadPartition[] } {
  const table = (JSON.parse(execFileSync('sfdisk', ['--json', image], { encoding: 'utf8' })) as { partitiontable: { label: string; partitions: ReadPartition[] } }).partitiontable;
  return { label: table.label, partitions: table.partitions.map(({ start, size, type }) => ({ start, size, type })) };
}

export function rootSpec(image: string, offset: number): string {
  return `${image}?offset=${offset}`;
}

/** File bytes from the ext4 root (debugfs cat). */
export function rootFile(image: string, offset: number, path: string): Buffer {
  const result = spawnSync('debugfs', ['-R', `cat ${path}`, rootSpec(image, offset)], { maxBuffer: 512 * 1024 * 1024 });
  const errors = result.stderr.toString().split('\n').filter((line) => line !== '' && !line.startsWith('debugfs '));
  if (errors.length > 0) throw new Error(`debugfs cat ${path}: ${errors.join('; ')}`);
  return result.stdout;
}

/** debugfs stat text (mode, owner, link target). */
export function rootStat(image: string, offset: number, path: string): string {
  const result = spawnSync('debugfs', ['-R', `stat ${path}`, rootSpec(image, offset)], { encoding: 'utf8' });
  if (/File not found/.test(result.stderr)) throw new Error(`${path} not found in the root file system`);
  return result.stdout;
}

export function rootExists(image: string, offset: number, path: string): boolean {
  return !/File not found/.test(spawnSync('debugfs', ['-R', `stat ${path}`, rootSpec(image, offset)], { encoding: 'utf8' }).stderr);
}

/** Mode bits and owner from debugfs stat. */
export function rootMode(image: string, offset: number, path: string): { mode: number; uid: number; gid: number; type: string } {
  const text = rootStat(image, offset, path);
  const mode = /Mode:\s+0?(\d+)/.exec(text);
  const owner = /User:\s+(\d+)\s+Group:\s+(\d+)/.exec(text);
  const type = /Type:\s+(\w+)/.exec(text);
  return { mode: parseInt(mode?.[1] ?? 'NaN', 8), uid: Number(owner?.[1]), gid: Number(owner?.[2]), type: type?.[1] ?? '?' };
}

export function symlinkTarget(image: string, offset: number, path: string): string | null {
  return /Fast link dest: "([^"]*)"/.exec(rootStat(image, offset, path))?.[1] ?? null;
}

/** A boot-partition file (mtype), or null when absent. */
export function bootFile(image: string, offset: number, name: string): string | null {
  const result = spawnSync('mtype', ['-i', `${image}@@${offset}`, `::/${name}`], { encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
  return result.status === 0 ? result.stdout : null;
}

export function fsckClean(image: string, offset: number): boolean {
  return spawnSync('e2fsck', ['-f', '-n', rootSpec(image, offset)], { stdio: 'ignore' }).status === 0;
}

/** Free bytes of the root file system (debugfs stats). */
export function rootFreeBytes(image: string, offset: number): number {
  const text = execFileSync('debugfs', ['-R', 'stats', rootSpec(image, offset)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return Number(/^Free blocks:\s+(\d+)/m.exec(text)?.[1]) * Number(/^Block size:\s+(\d+)/m.exec(text)?.[1]);
}
