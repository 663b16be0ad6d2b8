/**
 * The fallback when overlayfs cannot be mounted (old kernel, nested
 * container, unusual filesystem): apply each layer's diff, bottom first, to
 * one plain directory. Whiteouts delete, directories merge, everything else
 * replaces. Costs a full copy per container; copy-on-write filesystems get
 * reflinks through COPYFILE_FICLONE.
 */
import { constants } from 'node:fs';
import { chmod, copyFile, lchown, link, lstat, lutimes, mkdir, readdir, readlink, rm, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { isWhiteout, makeFifo } from './special-files.js';

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch {
    return undefined;
  }
}

/** Copies `diffDirs` (bottom layer first) onto `target`, which must exist. */
export async function assembleByCopy(diffDirs: readonly string[], target: string): Promise<void> {
  for (const diff of diffDirs) {
    // Hardlinks inside one layer stay hardlinks: the first copy of an inode is linked to afterwards.
    const copiedInodes = new Map<string, string>();
    await applyDirectory(diff, target, copiedInodes);
  }
}

async function applyDirectory(source: string, target: string, copiedInodes: Map<string, string>): Promise<void> {
  for (const name of await readdir(source)) {
    const from = join(source, name);
    const to = join(target, name);
    const stats = await lstat(from);
    const existing = await lstatOrUndefined(to);
    if (isWhiteout(stats)) {
      await rm(to, { recursive: true, force: true });
      continue;
    }
    if (stats.isDirectory()) {
      if (existing !== undefined && !existing.isDirectory()) await rm(to, { recursive: true, force: true });
      if (existing === undefined || !existing.isDirectory()) await mkdir(to);
      await applyDirectory(from, to, copiedInodes);
      await lchown(to, stats.uid, stats.gid);
      await chmod(to, stats.mode & 0o7777);
      await utimes(to, stats.atime, stats.mtime);
      continue;
    }
    if (existing !== undefined) await rm(to, { recursive: true, force: true });
    const inodeKey = `${stats.dev}:${stats.ino}`;
    const linkedTo = stats.nlink > 1 ? copiedInodes.get(inodeKey) : undefined;
    if (linkedTo !== undefined) {
      await link(linkedTo, to);
      continue;
    }
    if (stats.isSymbolicLink()) {
      await symlink(await readlink(from), to);
      await lchown(to, stats.uid, stats.gid);
      await lutimes(to, stats.atime, stats.mtime);
      continue;
    }
    if (stats.isFIFO()) await makeFifo(to, stats.mode);
    else if (stats.isFile()) await copyFile(from, to, constants.COPYFILE_FICLONE);
    else continue; // sockets and devices are never created by the unpacker
    await lchown(to, stats.uid, stats.gid);
    await chmod(to, stats.mode & 0o7777);
    await utimes(to, stats.atime, stats.mtime);
    if (stats.nlink > 1) copiedInodes.set(inodeKey, to);
  }
}
