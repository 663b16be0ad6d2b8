/**
 * Turns an opaque directory into explicit whiteouts. overlayfs marks opaque
 * directories with a trusted.* xattr, which Node cannot set without a native
 * add-on or the `attr` package. Instead, because each unpacked layer is keyed
 * by its chain (it always sits on the same lower layers), the unpacker can
 * list what the lower layers show in that directory and white each name out.
 * The result hides exactly what the opaque marker would, in overlay mode and
 * in copy mode alike.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isWhiteout, makeWhiteout } from './special-files.js';

type LowerState = { kind: 'hidden' } | { kind: 'other' } | { kind: 'directory' };

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/**
 * What the merged lower layers show inside `relative` (top layer first in
 * `lowerDirs`). A layer where the path is missing is skipped; one where it is
 * not a directory (or is whited out) hides everything beneath, so the walk stops.
 */
export async function mergedLowerEntries(lowerDirs: readonly string[], relative: string): Promise<Map<string, LowerState>> {
  const entries = new Map<string, LowerState>();
  for (const layer of lowerDirs) {
    const stats = await lstatOrUndefined(join(layer, relative));
    if (stats === undefined) continue;
    if (!stats.isDirectory()) break;
    for (const name of await readdir(join(layer, relative))) {
      if (entries.has(name)) continue;
      const child = await lstat(join(layer, relative, name));
      entries.set(name, isWhiteout(child) ? { kind: 'hidden' } : child.isDirectory() ? { kind: 'directory' } : { kind: 'other' });
    }
  }
  return entries;
}

/**
 * Whites out, inside `upperDir/relative`, every name the lower layers show
 * there; where both sides have a directory, recurses, since overlayfs would
 * otherwise merge the two. Returns the number of whiteouts made.
 */
export async function applyOpaque(upperDir: string, lowerDirs: readonly string[], relative: string): Promise<number> {
  let made = 0;
  const lower = await mergedLowerEntries(lowerDirs, relative);
  for (const [name, state] of lower) {
    if (state.kind === 'hidden') continue;
    const upperPath = join(upperDir, relative, name);
    const upper = await lstatOrUndefined(upperPath);
    if (upper === undefined) {
      await makeWhiteout(upperPath);
      made++;
    } else if (upper.isDirectory() && state.kind === 'directory') {
      made += await applyOpaque(upperDir, lowerDirs, join(relative, name));
    }
  }
  return made;
}
