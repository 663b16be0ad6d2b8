/**
 * Files Node cannot make by itself: overlayfs whiteouts (character device 0/0)
 * and FIFOs. Node has no mknod binding and a native add-on is off the table,
 * so these go through coreutils/busybox `mknod`, present on every board OS.
 * Layers create few of them, so a process per file costs little.
 */
import { lazyBuiltin } from '../../common/builtin.js';

const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');
import type { Stats } from 'node:fs';
import { ImageError } from './errors.js';

function run(args: string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    childProcess().execFile('mknod', args, (error, _stdout, stderr) => {
      if (error === null) return resolve();
      reject(new ImageError('EDGE_IMAGE_ROOTFS_FAILED', `could not create ${what} with mknod (${stderr.trim() || error.message}); unpacking layers needs root and the mknod command`, { cause: error }));
    });
  });
}

export function makeWhiteout(path: string): Promise<void> {
  return run([path, 'c', '0', '0'], `a whiteout at ${path}`);
}

export function makeFifo(path: string, mode: number): Promise<void> {
  return run(['-m', (mode & 0o777).toString(8), path, 'p'], `a FIFO at ${path}`);
}

/** overlayfs marks a deleted lower entry with a 0/0 character device. */
export function isWhiteout(stats: Stats): boolean {
  return stats.isCharacterDevice() && stats.rdev === 0;
}
