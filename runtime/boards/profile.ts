/**
 * The board profile: what edged must know about a kind of board to size
 * itself, and what the firmware command must know to make an image for it.
 * One JSON file per board lives in boards/; boards/README.md documents each
 * field. validateProfile() is the schema: everything from a file passes
 * through it before anyone reads a field.
 */
import { BoardProfileInvalidError } from './errors.js';

export const PROFILE_SCHEMA_VERSION = 1;

/** Values of process.arch that edged supports. */
export const SUPPORTED_ARCHES = ['arm64', 'x64'] as const;
export type BoardArch = (typeof SUPPORTED_ARCHES)[number];

export const STORAGE_KINDS = ['sd', 'emmc', 'nvme'] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];

/**
 * Memory V8 and Node use outside the heap caps (code space, stacks, native
 * buffers, the binary itself): a bare `node` is about 39 MiB RSS with a tiny
 * heap, so heap caps must leave at least this much of the agent budget.
 */
export const AGENT_NATIVE_OVERHEAD_MIB = 32;

/** V8 sizes its young generation at three semi-spaces (two plus the new large object space). */
const YOUNG_GENERATION_SEMI_SPACES = 3;

export interface BoardProfile {
  schemaVersion: 1;
  /** Stable id, also the file name (`pi4b` ↔ boards/pi4b.json) and the `board` node label. */
  id: string;
  /** Marketing name, for people. */
  name: string;
  /** Regular expressions tested against /proc/device-tree/model; each starts with `^`. Empty for fallbacks. */
  modelPatterns: readonly string[];
  /** Real model strings of this board; validation checks each matches this profile and no other. */
  modelExamples: readonly string[];
  arch: BoardArch;
  /** RAM variants sold, ascending, MiB. Empty: any size (fallback profiles). */
  ramSizesMiB: readonly number[];
  /** CPU cores of the board; null when it varies (fallbacks) and /proc/cpuinfo decides. */
  cores: number | null;
  /** Storage the board boots from, most common first. */
  storage: readonly StorageKind[];
  /** Memory the OS userland keeps out of MemTotal (systemd, journald, sshd, page cache floor), MiB. */
  osReservedMiB: number;
  /** Memory budget of edged itself (RSS ceiling it is sized for), MiB. */
  agentBudgetMiB: number;
  /** Flags for `node` that hold edged inside agentBudgetMiB; must cap --max-old-space-size. */
  v8Flags: readonly string[];
  /** Kernel command-line parameters the board needs for container memory limits. */
  cgroupBootParams: readonly string[];
  /** Kernel command-line file on the boot partition, null when the bootloader keeps it elsewhere. */
  cmdlineFile: string | null;
  /** Where the boot partition is mounted on a running system (edgectl.yaml lives there). */
  bootPartitionPath: string;
  /** True for the one profile per arch used when no model pattern matches. */
  fallbackForArch: boolean;
}

const KNOWN_FIELDS = new Set([
  'schemaVersion', 'id', 'name', 'modelPatterns', 'modelExamples', 'arch', 'ramSizesMiB', 'cores', 'storage',
  'osReservedMiB', 'agentBudgetMiB', 'v8Flags', 'cgroupBootParams', 'cmdlineFile', 'bootPartitionPath', 'fallbackForArch',
]);

/** Bounds that catch typos (4069 for 4096 passes, 40960000 does not). */
const RAM_MIB_MIN = 256;
const RAM_MIB_MAX = 1024 * 1024;
const CORES_MAX = 256;
const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const V8_FLAG_PATTERN = /^--[a-z0-9-]+(=[0-9]+)?$/;
const KERNEL_PARAM_PATTERN = /^[a-z0-9_.]+(=[A-Za-z0-9_.,:-]+)?$/;

type Fields = Record<string, unknown>;

/** Checks one parsed profile file; throws BoardProfileInvalidError naming `source` and the field. */
export function validateProfile(raw: unknown, source: string): BoardProfile {
  const fail = (field: string, problem: string): never => {
    throw new BoardProfileInvalidError(source, field, problem);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('(root)', 'must be a JSON object');
  const fields = raw as Fields;
  for (const key of Object.keys(fields)) {
    if (!KNOWN_FIELDS.has(key)) fail(key, 'is not a profile field (a typo?)');
  }
  if (fields.schemaVersion !== PROFILE_SCHEMA_VERSION) fail('schemaVersion', `must be ${PROFILE_SCHEMA_VERSION}`);
  const id = text(fields, 'id', fail);
  if (!ID_PATTERN.test(id)) fail('id', 'must be lower-case letters, digits, "-" or "_", at most 32 characters');
  const profile: BoardProfile = {
    schemaVersion: 1,
    id,
    name: text(fields, 'name', fail),
    modelPatterns: stringList(fields, 'modelPatterns', fail),
    modelExamples: stringList(fields, 'modelExamples', fail),
    arch: oneOf(fields, 'arch', SUPPORTED_ARCHES, fail),
    ramSizesMiB: ramSizes(fields, fail),
    cores: fields.cores === null ? null : integer(fields, 'cores', 1, CORES_MAX, fail),
    storage: storageKinds(fields, fail),
    osReservedMiB: integer(fields, 'osReservedMiB', 16, RAM_MIB_MAX, fail),
    agentBudgetMiB: integer(fields, 'agentBudgetMiB', 40, RAM_MIB_MAX, fail),
    v8Flags: stringList(fields, 'v8Flags', fail),
    cgroupBootParams: stringList(fields, 'cgroupBootParams', fail),
    cmdlineFile: fields.cmdlineFile === null ? null : text(fields, 'cmdlineFile', fail),
    bootPartitionPath: text(fields, 'bootPartitionPath', fail),
    fallbackForArch: boolean(fields, 'fallbackForArch', fail),
  };
  checkPatterns(profile, fail);
  checkMemory(profile, fail);
  checkFlags(profile, fail);
  if (profile.cmdlineFile !== null && !/^[A-Za-z0-9_.-]+$/.test(profile.cmdlineFile)) {
    fail('cmdlineFile', 'must be a plain file name in the root of the boot partition, like "cmdline.txt"');
  }
  if (!/^\/[A-Za-z0-9_./-]*$/.test(profile.bootPartitionPath) || profile.bootPartitionPath.includes('..')) {
    fail('bootPartitionPath', 'must be an absolute path without ".."');
  }
  return Object.freeze(profile);
}

function checkPatterns(profile: BoardProfile, fail: (field: string, problem: string) => never): void {
  if (profile.fallbackForArch) {
    if (profile.modelPatterns.length > 0) fail('modelPatterns', 'must be empty for a fallback profile (it matches by arch)');
    if (profile.cores !== null) fail('cores', 'must be null for a fallback profile (/proc/cpuinfo counts them)');
    return;
  }
  if (profile.modelPatterns.length === 0) fail('modelPatterns', 'must list at least one pattern (or set fallbackForArch)');
  if (profile.modelExamples.length === 0) fail('modelExamples', 'must list at least one real model string');
  if (profile.cores === null) fail('cores', 'must be a number for a specific board');
  profile.modelPatterns.forEach((pattern, index) => {
    if (!pattern.startsWith('^')) fail(`modelPatterns[${index}]`, 'must start with "^" so it cannot match inside another model name');
    try {
      new RegExp(pattern);
    } catch (error) {
      fail(`modelPatterns[${index}]`, `is not a valid regular expression (${(error as Error).message})`);
    }
  });
  profile.modelExamples.forEach((example, index) => {
    if (!profileMatchesModel(profile, example)) fail(`modelExamples[${index}]`, `"${example}" is not matched by modelPatterns`);
  });
}

function checkMemory(profile: BoardProfile, fail: (field: string, problem: string) => never): void {
  const smallest = profile.ramSizesMiB[0];
  if (smallest === undefined) {
    if (!profile.fallbackForArch) fail('ramSizesMiB', 'must list the RAM variants of a specific board');
    return;
  }
  // The OS and the agent must leave room for at least one small container on the smallest variant.
  if (profile.osReservedMiB + profile.agentBudgetMiB >= smallest / 2) {
    fail('osReservedMiB', `plus agentBudgetMiB must stay below half the smallest RAM size (${smallest} MiB)`);
  }
}

/** Reads `--name=value` (MiB) from a flag list; undefined when absent. */
export function v8FlagMiB(flags: readonly string[], name: string): number | undefined {
  const prefix = `--${name}=`;
  const flag = flags.find((candidate) => candidate.startsWith(prefix));
  return flag === undefined ? undefined : Number(flag.slice(prefix.length));
}

function checkFlags(profile: BoardProfile, fail: (field: string, problem: string) => never): void {
  profile.v8Flags.forEach((flag, index) => {
    if (!V8_FLAG_PATTERN.test(flag)) fail(`v8Flags[${index}]`, `"${flag}" must look like --name or --name=<integer>`);
  });
  const oldSpaceMiB = v8FlagMiB(profile.v8Flags, 'max-old-space-size');
  if (oldSpaceMiB === undefined) fail('v8Flags', 'must include --max-old-space-size=<MiB>, or the heap grows past agentBudgetMiB');
  const semiSpaceMiB = v8FlagMiB(profile.v8Flags, 'max-semi-space-size') ?? 16;
  const heapMiB = oldSpaceMiB! + YOUNG_GENERATION_SEMI_SPACES * semiSpaceMiB;
  if (heapMiB + AGENT_NATIVE_OVERHEAD_MIB > profile.agentBudgetMiB) {
    fail(
      'v8Flags',
      `heap caps (${oldSpaceMiB} old + ${YOUNG_GENERATION_SEMI_SPACES}×${semiSpaceMiB} young = ${heapMiB} MiB) plus ` +
        `${AGENT_NATIVE_OVERHEAD_MIB} MiB native overhead exceed agentBudgetMiB (${profile.agentBudgetMiB})`,
    );
  }
  profile.cgroupBootParams.forEach((param, index) => {
    if (!KERNEL_PARAM_PATTERN.test(param)) fail(`cgroupBootParams[${index}]`, `"${param}" is not a kernel parameter (name or name=value, no spaces)`);
  });
}

/** True when the device-tree model string matches one of the profile's patterns. */
export function profileMatchesModel(profile: BoardProfile, model: string): boolean {
  return profile.modelPatterns.some((pattern) => new RegExp(pattern).test(model));
}

function text(fields: Fields, field: string, fail: (field: string, problem: string) => never): string {
  const value = fields[field];
  if (typeof value !== 'string' || value.trim() === '') fail(field, 'must be a non-empty string');
  return value as string;
}

function boolean(fields: Fields, field: string, fail: (field: string, problem: string) => never): boolean {
  const value = fields[field];
  if (typeof value !== 'boolean') fail(field, 'must be true or false');
  return value as boolean;
}

function integer(fields: Fields, field: string, min: number, max: number, fail: (field: string, problem: string) => never): number {
  const value = fields[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(field, `must be a whole number from ${min} to ${max}`);
  }
  return value as number;
}

function stringList(fields: Fields, field: string, fail: (field: string, problem: string) => never): readonly string[] {
  const value = fields[field];
  if (!Array.isArray(value)) fail(field, 'must be a list of strings');
  (value as unknown[]).forEach((item, index) => {
    if (typeof item !== 'string' || item === '') fail(`${field}[${index}]`, 'must be a non-empty string');
  });
  return Object.freeze([...(value as string[])]);
}

function oneOf<T extends string>(fields: Fields, field: string, allowed: readonly T[], fail: (field: string, problem: string) => never): T {
  const value = fields[field];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) fail(field, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

function ramSizes(fields: Fields, fail: (field: string, problem: string) => never): readonly number[] {
  const value = fields.ramSizesMiB;
  if (!Array.isArray(value)) fail('ramSizesMiB', 'must be a list of MiB sizes');
  const sizes = value as unknown[];
  sizes.forEach((size, index) => {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < RAM_MIB_MIN || size > RAM_MIB_MAX) {
      fail(`ramSizesMiB[${index}]`, `must be a whole number of MiB from ${RAM_MIB_MIN} to ${RAM_MIB_MAX}`);
    }
    const previous = sizes[index - 1];
    if (typeof previous === 'number' && (size as number) <= previous) fail(`ramSizesMiB[${index}]`, 'must be larger than the size before it (ascending, no repeats)');
  });
  return Object.freeze([...(sizes as number[])]);
}

function storageKinds(fields: Fields, fail: (field: string, problem: string) => never): readonly StorageKind[] {
  const value = fields.storage;
  if (!Array.isArray(value) || value.length === 0) fail('storage', `must be a non-empty list of ${STORAGE_KINDS.join(', ')}`);
  (value as unknown[]).forEach((kind, index) => {
    if (!(STORAGE_KINDS as readonly unknown[]).includes(kind)) fail(`storage[${index}]`, `must be one of ${STORAGE_KINDS.join(', ')}`);
  });
  return Object.freeze([...(value as StorageKind[])]);
}
