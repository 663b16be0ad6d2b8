/**
 * The rules that keep a layer inside its directory. Entry paths and hardlink
 * targets are relative to the layer root: absolute paths and ".." components
 * are refused outright (not cleaned up) because no honest image builder writes
 * them. Symlinks are never followed while unpacking; layer-unpack.ts checks
 * that no parent of an entry is a symlink.
 */
import { ImageError } from './errors.js';

/** Prefix of a whiteout entry: ".wh.name" deletes "name" from lower layers. */
export const whiteoutPrefix = '.wh.';
/** Marks its directory opaque: nothing from lower layers shows through it. */
export const opaqueMarker = '.wh..wh..opq';
/** AUFS bookkeeping names (".wh..wh.plnk", …) start with this; they are not whiteouts. */
const whiteoutMetaPrefix = '.wh..wh.';

export function unsafePath(path: string, why: string): ImageError {
  return new ImageError('EDGE_IMAGE_UNSAFE_PATH', `layer entry "${path}" ${why}; the layer was refused because it could write outside the image root. Rebuild the image with a trusted tool`);
}

/**
 * Splits an entry path into components, dropping "." and empty ones.
 * Returns [] for the layer root itself ("./", ".").
 */
export function entrySegments(path: string): string[] {
  if (path.startsWith('/')) throw unsafePath(path, 'is absolute');
  if (path.includes('\0')) throw unsafePath(path, 'contains a NUL byte');
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') throw unsafePath(path, 'climbs out with ".."');
    segments.push(segment);
  }
  return segments;
}

export type WhiteoutKind =
  | { kind: 'none' }
  | { kind: 'whiteout'; target: string[] }
  | { kind: 'opaque'; directory: string[] }
  | { kind: 'meta' };

/** Classifies an entry by its last component. */
export function classifyWhiteout(segments: readonly string[]): WhiteoutKind {
  const name = segments.at(-1);
  if (name === undefined || !name.startsWith(whiteoutPrefix)) return { kind: 'none' };
  const parent = segments.slice(0, -1);
  if (name === opaqueMarker) return { kind: 'opaque', directory: parent };
  if (name.startsWith(whiteoutMetaPrefix)) return { kind: 'meta' };
  const hidden = name.slice(whiteoutPrefix.length);
  if (hidden === '' || hidden === '.' || hidden === '..') return { kind: 'meta' };
  return { kind: 'whiteout', target: [...parent, hidden] };
}
