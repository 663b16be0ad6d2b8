// The node fields placement can talk about (constraints and spreadOver), and
// how each is read from a NodeRecord. One table, so a constraint and a spread
// descriptor can never disagree on what "node.platform.arch" means.
import type { NodeRecord } from '../store/state.js';

/** Reads one field of a node; undefined when the node has no such value (a missing label). */
export type NodeFieldReader = (node: NodeRecord) => string | undefined;

export const labelFieldPrefix = 'node.labels.';

/** Same rule as the store applies to label keys, so any key a node can carry can be named here. */
const labelKeyPattern = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
export const labelKeyCharsMax = 63;

const fixedFields: Record<string, NodeFieldReader> = {
  'node.id': (node) => node.id,
  'node.hostname': (node) => node.hostname,
  'node.role': (node) => node.role,
  'node.platform.arch': (node) => normalizeArch(node.platform.arch),
  'node.platform.os': (node) => node.platform.os,
  'node.board': (node) => node.board,
};

/** Field names a person may use, for error messages. */
export const knownFieldNames: readonly string[] = [...Object.keys(fixedFields), `${labelFieldPrefix}<key>`];

/**
 * The reader for `field`, or a sentence saying why there is none. Readers
 * are made once per spec, not once per node.
 */
export function nodeFieldReader(field: string): NodeFieldReader | string {
  const fixed = fixedFields[field];
  if (fixed !== undefined) return fixed;
  if (field.startsWith(labelFieldPrefix)) {
    const key = field.slice(labelFieldPrefix.length);
    if (key.length === 0) return `"${field}" names no label: write ${labelFieldPrefix}<key>, e.g. node.labels.zone`;
    if (key.length > labelKeyCharsMax || !labelKeyPattern.test(key)) {
      return `label key "${key}" must start with a letter or digit, use only letters, digits, . _ - / and be at most ${labelKeyCharsMax} characters`;
    }
    return (node) => (Object.hasOwn(node.labels, key) ? node.labels[key] : undefined);
  }
  return `unknown field "${field}": use one of ${knownFieldNames.join(', ')}`;
}

/**
 * Folds the spellings of one architecture into the OCI image name: nodes
 * report process.arch ("x64", "arm64") or uname ("aarch64", "armv7l") while
 * image indexes say "amd64", "arm64", "arm". Variants (arm v6/v7) are not
 * told apart: nodes do not report one.
 */
export function normalizeArch(arch: string): string {
  const lower = arch.toLowerCase();
  switch (lower) {
    case 'aarch64':
    case 'arm64/v8':
      return 'arm64';
    case 'x64':
    case 'x86_64':
    case 'x86-64':
      return 'amd64';
    case 'armhf':
    case 'armel':
    case 'armv6l':
    case 'armv7l':
    case 'arm/v6':
    case 'arm/v7':
      return 'arm';
    case 'ia32':
    case 'i386':
    case 'i686':
      return '386';
    default:
      return lower;
  }
}
