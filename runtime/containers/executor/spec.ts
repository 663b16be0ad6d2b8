// Validation of a ContainerSpec from outside (the agent got it over the wire),
// and its normalised form with every default filled in. Pure: checks shape and
// bounds only; whether the rootfs or a volume source exists is checked at
// create() time, where the disk is.
import { ContainerSpecInvalidError } from './errors.js';
import type { ContainerSpec, HealthCheckSpec, NetworkMode, ResourceLimits, TmpfsMount, VolumeMount } from './types.js';

const MiB = 1024 * 1024;

/** Docker refuses less than 6 MiB too: the runtime's own setup does not fit below it. */
export const memoryBytesMin = 6 * MiB;
export const argsCountMax = 4096;
export const envCountMax = 4096;
export const mountsCountMax = 64;
export const defaultPath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const shmBytesDefault = 64 * MiB;
export const tmpfsBytesDefault = 16 * MiB;
const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const envPattern = /^[A-Za-z_][A-Za-z0-9_]*=/;
const hostnamePattern = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** A spec with defaults filled in; what oci-config.ts consumes. */
export interface NormalizedSpec {
  id: string;
  rootfsPath: string;
  args: string[];
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  hostname: string;
  network: NetworkMode;
  readOnlyRootfs: boolean;
  tmpfs: Required<TmpfsMount>[];
  volumes: VolumeMount[];
  resources: ResourceLimits;
  shmBytes: number;
  healthCheck: HealthCheckSpec | null;
}

export function isValidContainerId(id: unknown): id is string {
  return typeof id === 'string' && idPattern.test(id);
}

/** Throws ContainerSpecInvalidError naming the first bad field; returns the normalised spec. */
export function validateSpec(spec: ContainerSpec): NormalizedSpec {
  if (typeof spec !== 'object' || spec === null) throw new ContainerSpecInvalidError('spec', 'must be an object');
  if (!isValidContainerId(spec.id)) {
    throw new ContainerSpecInvalidError('id', 'must be 1-64 characters of letters, digits, "_", "." or "-", starting with a letter or digit');
  }
  requireAbsolute('rootfsPath', spec.rootfsPath);
  const args = requireStrings('args', spec.args, argsCountMax);
  if (args.length === 0) throw new ContainerSpecInvalidError('args', 'must name the program to run (it is empty)');
  const env = requireStrings('env', spec.env ?? [], envCountMax);
  env.forEach((entry, index) => {
    if (!envPattern.test(entry)) throw new ContainerSpecInvalidError(`env[${index}]`, 'must look like NAME=value');
  });
  if (!env.some((entry) => entry.startsWith('PATH='))) env.unshift(defaultPath);
  const cwd = spec.cwd ?? '/';
  requireAbsolute('cwd', cwd);
  const hostname = spec.hostname ?? spec.id.slice(0, 63).replace(/[^A-Za-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  if (!hostnamePattern.test(hostname)) throw new ContainerSpecInvalidError('hostname', 'must be a DNS label: letters, digits and inner "-", at most 63');
  const network = spec.network ?? 'isolated';
  if (network !== 'isolated' && network !== 'host') throw new ContainerSpecInvalidError('network', 'must be "isolated" or "host"');
  const shmBytes = spec.shmBytes ?? shmBytesDefault;
  requirePositiveInteger('shmBytes', shmBytes);
  return {
    id: spec.id,
    rootfsPath: spec.rootfsPath,
    args,
    env,
    cwd,
    user: validateUser(spec.user),
    hostname,
    network,
    readOnlyRootfs: requireBoolean('readOnlyRootfs', spec.readOnlyRootfs ?? false),
    tmpfs: validateTmpfs(spec.tmpfs ?? []),
    volumes: validateVolumes(spec.volumes ?? []),
    resources: validateResources(spec.resources ?? {}),
    shmBytes,
    healthCheck: spec.healthCheck === undefined ? null : validateHealthCheck(spec.healthCheck),
  };
}

function validateUser(user: ContainerSpec['user']): NormalizedSpec['user'] {
  if (user === undefined) return { uid: 0, gid: 0, additionalGids: [] };
  requireId('user.uid', user.uid);
  requireId('user.gid', user.gid);
  const additionalGids = user.additionalGids ?? [];
  if (!Array.isArray(additionalGids)) throw new ContainerSpecInvalidError('user.additionalGids', 'must be an array of gids');
  additionalGids.forEach((gid, index) => requireId(`user.additionalGids[${index}]`, gid));
  return { uid: user.uid, gid: user.gid, additionalGids: [...additionalGids] };
}

function validateTmpfs(mounts: TmpfsMount[]): Required<TmpfsMount>[] {
  requireArray('tmpfs', mounts, mountsCountMax);
  return mounts.map((mount, index) => {
    requireAbsolute(`tmpfs[${index}].target`, mount.target);
    const sizeBytes = mount.sizeBytes ?? tmpfsBytesDefault;
    requirePositiveInteger(`tmpfs[${index}].sizeBytes`, sizeBytes);
    const mode = mount.mode ?? 0o1777;
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
      throw new ContainerSpecInvalidError(`tmpfs[${index}].mode`, 'must be permission bits between 0 and 0o7777');
    }
    return { target: mount.target, sizeBytes, mode };
  });
}

function validateVolumes(volumes: VolumeMount[]): VolumeMount[] {
  requireArray('volumes', volumes, mountsCountMax);
  return volumes.map((volume, index) => {
    requireAbsolute(`volumes[${index}].source`, volume.source);
    requireAbsolute(`volumes[${index}].target`, volume.target);
    if (volume.target === '/') throw new ContainerSpecInvalidError(`volumes[${index}].target`, 'cannot be "/" (that is the rootfs)');
    requireBoolean(`volumes[${index}].readOnly`, volume.readOnly);
    return { source: volume.source, target: volume.target, readOnly: volume.readOnly };
  });
}

function validateResources(resources: ResourceLimits): ResourceLimits {
  const result: ResourceLimits = {};
  if (resources.memoryBytesMax !== undefined) {
    requirePositiveInteger('resources.memoryBytesMax', resources.memoryBytesMax);
    if (resources.memoryBytesMax < memoryBytesMin) {
      throw new ContainerSpecInvalidError('resources.memoryBytesMax', `must be at least ${memoryBytesMin} bytes (6 MiB)`);
    }
    result.memoryBytesMax = resources.memoryBytesMax;
  }
  if (resources.cpuCoresMax !== undefined) {
    const cores = resources.cpuCoresMax;
    if (typeof cores !== 'number' || !Number.isFinite(cores) || cores < 0.01 || cores > 1024) {
      throw new ContainerSpecInvalidError('resources.cpuCoresMax', 'must be a number of cores between 0.01 and 1024, e.g. 0.5');
    }
    result.cpuCoresMax = cores;
  }
  if (resources.cpuPeriodUs !== undefined) {
    const period = resources.cpuPeriodUs;
    if (!Number.isInteger(period) || period < 1000 || period > 1_000_000) {
      throw new ContainerSpecInvalidError('resources.cpuPeriodUs', 'must be whole microseconds between 1000 and 1000000');
    }
    result.cpuPeriodUs = period;
  }
  if (resources.cpuShares !== undefined) {
    const shares = resources.cpuShares;
    if (!Number.isInteger(shares) || shares < 2 || shares > 262_144) {
      throw new ContainerSpecInvalidError('resources.cpuShares', 'must be a whole number between 2 and 262144 (1024 is the default weight)');
    }
    result.cpuShares = shares;
  }
  if (resources.pidsMax !== undefined) {
    requirePositiveInteger('resources.pidsMax', resources.pidsMax);
    result.pidsMax = resources.pidsMax;
  }
  return result;
}

export function validateHealthCheck(check: HealthCheckSpec): HealthCheckSpec {
  const command = requireStrings('healthCheck.command', check.command, argsCountMax);
  if (command.length === 0) throw new ContainerSpecInvalidError('healthCheck.command', 'must name the program to run');
  requirePositiveInteger('healthCheck.intervalMs', check.intervalMs);
  requirePositiveInteger('healthCheck.timeoutMs', check.timeoutMs);
  requirePositiveInteger('healthCheck.retries', check.retries);
  if (!Number.isInteger(check.startPeriodMs) || check.startPeriodMs < 0) {
    throw new ContainerSpecInvalidError('healthCheck.startPeriodMs', 'must be a whole number of milliseconds, 0 or more');
  }
  return { command, intervalMs: check.intervalMs, timeoutMs: check.timeoutMs, retries: check.retries, startPeriodMs: check.startPeriodMs };
}

function requireAbsolute(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.includes('\0')) {
    throw new ContainerSpecInvalidError(field, 'must be an absolute path (starting with "/")');
  }
  if (value.split('/').includes('..')) throw new ContainerSpecInvalidError(field, 'must not contain ".." components');
}

function requireArray(field: string, value: unknown, countMax: number): asserts value is unknown[] {
  if (!Array.isArray(value)) throw new ContainerSpecInvalidError(field, 'must be an array');
  if (value.length > countMax) throw new ContainerSpecInvalidError(field, `has ${value.length} entries; at most ${countMax} are allowed`);
}

function requireStrings(field: string, value: unknown, countMax: number): string[] {
  requireArray(field, value, countMax);
  value.forEach((entry, index) => {
    if (typeof entry !== 'string' || entry.includes('\0')) throw new ContainerSpecInvalidError(`${field}[${index}]`, 'must be a string without NUL bytes');
  });
  return [...(value as string[])];
}

function requirePositiveInteger(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ContainerSpecInvalidError(field, 'must be a whole number greater than 0');
  }
}

function requireId(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff_fffe) {
    throw new ContainerSpecInvalidError(field, 'must be a numeric id between 0 and 4294967294');
  }
}

function requireBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ContainerSpecInvalidError(field, 'must be true or false');
  return value;
}
