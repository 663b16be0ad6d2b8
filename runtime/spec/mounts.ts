/**
 * Mounts: bind mounts of a node's directory and named volumes. Sources are
 * read on the node that runs the task, so a bind source must be an absolute
 * path there; a path relative to the stack file would mean whatever directory
 * the deploying laptop happened to be in.
 */
import { SpecError } from './errors.js';
import { pathCharsMax, volumeNameCharsMax } from './limits.js';
import type { MountSpec } from '../store/services.js';

export const volumeNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** An absolute container or host path without ".." (the executor refuses those too). */
export function checkAbsolutePath(path: string, what: 'source' | 'target'): string {
  if (!path.startsWith('/')) throw new SpecError('EDGE_SPEC_BAD_MOUNT', `the ${what} "${clip(path)}" is not an absolute path (start it with /)`);
  if (path.length > pathCharsMax || path.includes('\0')) throw new SpecError('EDGE_SPEC_BAD_MOUNT', `the ${what} path is longer than ${pathCharsMax} characters or has a NUL byte`);
  if (path.split('/').includes('..')) throw new SpecError('EDGE_SPEC_BAD_MOUNT', `the ${what} "${clip(path)}" has a ".." component; write the path without it`);
  if (what === 'target' && path.replace(/\/+$/, '') === '') throw new SpecError('EDGE_SPEC_BAD_MOUNT', 'the target cannot be "/" (that is the root filesystem)');
  return path;
}

export function checkVolumeName(name: string): string {
  if (name.length > volumeNameCharsMax || !volumeNamePattern.test(name)) {
    throw new SpecError('EDGE_SPEC_BAD_MOUNT', `"${clip(name)}" is not a volume name: up to ${volumeNameCharsMax} letters, digits, "_", "." or "-", starting with a letter or digit`);
  }
  return name;
}

/** Bind when the source is a path, named volume otherwise. */
export function mountSource(source: string): { type: 'bind' | 'volume'; source: string } {
  if (source.startsWith('/')) return { type: 'bind', source: checkAbsolutePath(source, 'source') };
  if (source.startsWith('.') || source.startsWith('~')) {
    throw new SpecError('EDGE_SPEC_UNSUPPORTED_VALUE', `the source "${clip(source)}" is relative to the machine that deploys; bind sources are paths on the node, so write an absolute path`);
  }
  return { type: 'volume', source: checkVolumeName(source) };
}

/** The short form "SOURCE:TARGET[:ro|rw]". */
export function parseShortVolume(text: string): MountSpec {
  const parts = text.split(':');
  if (parts.length === 1) {
    throw new SpecError('EDGE_SPEC_UNSUPPORTED_VALUE', `"${clip(text)}" is an anonymous volume, which edgectl does not create; name it (NAME:${clip(text)}) and declare NAME under the top-level volumes`);
  }
  if (parts.length > 3) throw new SpecError('EDGE_SPEC_BAD_MOUNT', `"${clip(text)}" has too many ":"; write SOURCE:TARGET[:ro]`);
  const { type, source } = mountSource(parts[0] ?? '');
  const target = checkAbsolutePath(parts[1] ?? '', 'target');
  return { type, source, target, readOnly: parseAccessMode(parts[2]) };
}

function parseAccessMode(mode: string | undefined): boolean {
  if (mode === undefined || mode === 'rw') return false;
  if (mode === 'ro') return true;
  const known = mode.split(',').some((option) => ['z', 'Z', 'nocopy', 'cached', 'delegated', 'consistent', 'shared', 'slave', 'private', 'rshared', 'rslave', 'rprivate'].includes(option));
  if (known) throw new SpecError('EDGE_SPEC_UNSUPPORTED_VALUE', `mount option "${clip(mode)}" is not supported; the options are ro and rw`);
  throw new SpecError('EDGE_SPEC_BAD_MOUNT', `"${clip(mode)}" is not a mount option; the options are ro and rw`);
}

/**
 * The --mount flag: "type=bind,source=/srv,target=/data[,readonly]".
 * type defaults to volume, as in Docker.
 */
export function parseMountFlag(text: string): MountSpec {
  let type = 'volume';
  let source: string | null = null;
  let target: string | null = null;
  let readOnly = false;
  for (const field of text.split(',')) {
    const equals = field.indexOf('=');
    const key = (equals >= 0 ? field.slice(0, equals) : field).trim();
    const value = equals >= 0 ? field.slice(equals + 1) : null;
    if (key === 'type') type = value ?? '';
    else if (key === 'source' || key === 'src') source = value ?? '';
    else if (key === 'target' || key === 'destination' || key === 'dst') target = value ?? '';
    else if (key === 'readonly' || key === 'ro') readOnly = parseFlagBoolean(key, value);
    else if (key.startsWith('volume-') || key.startsWith('bind-') || key.startsWith('tmpfs-') || key === 'consistency') {
      throw new SpecError('EDGE_SPEC_UNSUPPORTED_VALUE', `mount option "${clip(key)}" is not supported; edgectl mounts take type, source, target and readonly`);
    } else throw new SpecError('EDGE_SPEC_BAD_MOUNT', `"${clip(key)}" is not a mount field; the fields are type, source, target and readonly`);
  }
  if (type !== 'bind' && type !== 'volume') {
    const unsupported = ['tmpfs', 'npipe', 'cluster', 'image'].includes(type);
    throw new SpecError(unsupported ? 'EDGE_SPEC_UNSUPPORTED_VALUE' : 'EDGE_SPEC_BAD_MOUNT', `mount type "${clip(type)}" is not supported; use bind or volume`);
  }
  if (target === null) throw new SpecError('EDGE_SPEC_BAD_MOUNT', `"${clip(text)}" has no target=PATH (where it appears in the container)`);
  if (source === null || source === '') throw new SpecError('EDGE_SPEC_BAD_MOUNT', `"${clip(text)}" has no source=…; edgectl does not create anonymous volumes`);
  const checkedSource = type === 'bind' ? checkAbsolutePath(source, 'source') : checkVolumeName(source);
  return { type, source: checkedSource, target: checkAbsolutePath(target, 'target'), readOnly };
}

function parseFlagBoolean(key: string, value: string | null): boolean {
  if (value === null || value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new SpecError('EDGE_SPEC_BAD_MOUNT', `${key}=${clip(value)} is not true or false`);
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
