// Turns a validated spec into the OCI runtime config.json (runtime-spec
// 1.0.2, the version runc 1.1 and crun 1.8 both speak). Pure: the host facts
// it depends on (cgroup version, cgroup path) come in as arguments, so the
// v2 output is tested here on a v1 machine.
//
// The defaults follow Docker's, because that is what images are built to
// expect: the same 14 capabilities, masked and read-only /proc paths, a
// device allow-list, no-new-privileges.
import type { CgroupVersion } from './cgroups.js';
import type { NormalizedSpec } from './spec.js';

/** The capabilities Docker grants by default: enough for typical services, none that administer the host. */
export const defaultCapabilities: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** Kernel interfaces that leak host details or allow host-wide actions; hidden behind /dev/null or an empty tmpfs. */
export const maskedPaths: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

/** Visible but read-only: writing these would change the host kernel. */
export const readonlyPaths: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Character devices every container may use (type c, major, minor); everything else is denied. */
const allowedCharDevices: readonly [number, number][] = [
  [1, 3], // null
  [1, 5], // zero
  [1, 7], // full
  [1, 8], // random
  [1, 9], // urandom
  [5, 0], // tty
  [5, 2], // ptmx
];
const ptsMajor = 136;

const cpuPeriodUsDefault = 100_000;
const openFilesMaxDefault = 1024;
const openFilesHardMaxDefault = 4096;

export interface OciHostFacts {
  cgroupVersion: CgroupVersion;
  /** linux.cgroupsPath: the leaf the runtime creates (see cgroups.ts). */
  cgroupsPath: string;
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/** The subset of the runtime-spec this executor writes; see the spec for each field's meaning. */
export interface OciConfig {
  ociVersion: string;
  process: Record<string, unknown>;
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: Record<string, unknown>;
}

export function buildOciConfig(spec: NormalizedSpec, host: OciHostFacts): OciConfig {
  return {
    ociVersion: '1.0.2',
    process: buildProcess(spec),
    root: { path: spec.rootfsPath, readonly: spec.readOnlyRootfs },
    hostname: spec.hostname,
    mounts: buildMounts(spec, host),
    linux: {
      namespaces: buildNamespaces(spec, host),
      cgroupsPath: host.cgroupsPath,
      resources: buildResources(spec),
      maskedPaths: [...maskedPaths],
      readonlyPaths: [...readonlyPaths],
    },
  };
}

function buildProcess(spec: NormalizedSpec): Record<string, unknown> {
  const capabilities = [...defaultCapabilities];
  return {
    terminal: false,
    user: { uid: spec.user.uid, gid: spec.user.gid, ...(spec.user.additionalGids.length > 0 ? { additionalGids: spec.user.additionalGids } : {}) },
    args: spec.args,
    env: spec.env,
    cwd: spec.cwd,
    // Inheritable and ambient stay empty, as in Docker: a non-root user gets no capabilities by exec.
    capabilities: { bounding: capabilities, effective: capabilities, permitted: capabilities },
    rlimits: [{ type: 'RLIMIT_NOFILE', soft: openFilesMaxDefault, hard: openFilesHardMaxDefault }],
    noNewPrivileges: true,
  };
}

function buildMounts(spec: NormalizedSpec, host: OciHostFacts): OciMount[] {
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${spec.shmBytes}`] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  ];
  // v1 has no cgroup namespace here, so /sys/fs/cgroup would show the host tree;
  // on v2 the namespace makes it the container's own subtree.
  if (host.cgroupVersion === 2) {
    mounts.push({ destination: '/sys/fs/cgroup', type: 'cgroup2', source: 'cgroup2', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] });
  }
  for (const tmpfs of spec.tmpfs) {
    mounts.push({
      destination: tmpfs.target,
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'nodev', `mode=${tmpfs.mode.toString(8)}`, `size=${tmpfs.sizeBytes}`],
    });
  }
  for (const volume of spec.volumes) {
    mounts.push({ destination: volume.target, type: 'bind', source: volume.source, options: ['rbind', 'rprivate', volume.readOnly ? 'ro' : 'rw'] });
  }
  return mounts;
}

function buildNamespaces(spec: NormalizedSpec, host: OciHostFacts): { type: string }[] {
  const namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  // A new network namespace: runc and crun bring its loopback up and add nothing else.
  if (spec.network === 'isolated') namespaces.push({ type: 'network' });
  if (host.cgroupVersion === 2) namespaces.push({ type: 'cgroup' });
  return namespaces;
}

function buildResources(spec: NormalizedSpec): Record<string, unknown> {
  const limits = spec.resources;
  const devices: Record<string, unknown>[] = [{ allow: false, access: 'rwm' }];
  for (const [major, minor] of allowedCharDevices) devices.push({ allow: true, type: 'c', major, minor, access: 'rwm' });
  devices.push({ allow: true, type: 'c', major: ptsMajor, access: 'rwm' });
  const resources: Record<string, unknown> = { devices };
  if (limits.memoryBytesMax !== undefined) {
    // runtime-spec "swap" is memory+swap (v1 memsw); equal to the limit means no swap at all,
    // which keeps a leaking service from thrashing the SD card. runc and crun convert it for v2.
    resources.memory = { limit: limits.memoryBytesMax, swap: limits.memoryBytesMax };
  }
  const cpu: Record<string, number> = {};
  if (limits.cpuCoresMax !== undefined) {
    const period = limits.cpuPeriodUs ?? cpuPeriodUsDefault;
    cpu.period = period;
    cpu.quota = Math.max(1000, Math.round(limits.cpuCoresMax * period));
  }
  if (limits.cpuShares !== undefined) cpu.shares = limits.cpuShares;
  if (Object.keys(cpu).length > 0) resources.cpu = cpu;
  if (limits.pidsMax !== undefined) resources.pids = { limit: limits.pidsMax };
  return resources;
}
