// Where the kernel keeps a container's cgroup files, on cgroup v1 and v2, and
// how to read the few of them the executor needs (OOM kills, usage). The
// parsers take text, so test/containers/executor/fixtures/ can feed them the
// files of a board this machine is not (a v2 Raspberry Pi OS).
//
// Layout, chosen so an OOM kill stays countable after the runtime cleans up:
//   <parent>/<id>            ours: created implicitly by the runtime, removed by remove()
//   <parent>/<id>/container  the runtime's (config.json cgroupsPath); the limits live here
// On v2, memory.events of <parent>/<id> counts oom_kill for its descendants
// too, and outlives the leaf, which crun deletes the moment the container
// exits. On v1 the counters are per cgroup only, so the leaf must outlive the
// exit: runc is run with --keep and the leaf goes at remove().
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerStats } from './types.js';

export type CgroupVersion = 1 | 2;

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

export interface CgroupLayout {
  version: CgroupVersion;
  /** v2 only: where the unified hierarchy is mounted. */
  unifiedMount: string | null;
  /** v1 only: controller name → mount point ("cpu" and "cpuacct" may share one). */
  controllerMounts: ReadonlyMap<string, string>;
  /**
   * v1 only: every hierarchy the runtime makes a cgroup in: each v1 mount,
   * named ones (name=systemd) included, and on a hybrid host the cgroup2 at
   * /sys/fs/cgroup/unified, which runc joins too.
   */
  hierarchyMounts: readonly string[];
  /** Controllers the kernel offers ("memory", "pids", "cpu", ...). */
  controllers: ReadonlySet<string>;
}

export const cgroupRoot = '/sys/fs/cgroup';
const v1Controllers = new Set([
  'cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio', 'blkio', 'perf_event', 'hugetlb', 'pids', 'rdma', 'misc',
]);
/** v1 reports "no limit" as the largest page-aligned signed 64-bit value; anything this large means unlimited. */
const v1UnlimitedBytesMin = 2 ** 62;

/** Parses /proc/self/mountinfo (proc(5)); octal escapes such as \040 are decoded. */
export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const separator = line.indexOf(' - ');
    if (separator < 0) continue;
    const left = line.slice(0, separator).split(' ');
    const right = line.slice(separator + 3).split(' ');
    const mountPoint = left[4];
    const fsType = right[0];
    if (mountPoint === undefined || fsType === undefined) continue;
    entries.push({ mountPoint: unescapeMount(mountPoint), fsType, superOptions: (right[2] ?? '').split(',') });
  }
  return entries;
}

function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/**
 * v2 exactly when /sys/fs/cgroup itself is cgroup2, the test runc and crun
 * use too. A "hybrid" host (v1 controllers plus an empty cgroup2 at
 * /sys/fs/cgroup/unified, like this CI machine) is v1 to every runtime.
 * `unifiedControllers` is the text of cgroup.controllers on a v2 host.
 */
export function cgroupLayoutFromMountinfo(mountinfo: string, unifiedControllers = ''): CgroupLayout {
  const entries = parseMountinfo(mountinfo);
  const root = entries.filter((entry) => entry.mountPoint === cgroupRoot).at(-1);
  if (root?.fsType === 'cgroup2') {
    const controllers = new Set(unifiedControllers.split(/\s+/).filter((name) => name !== ''));
    return { version: 2, unifiedMount: cgroupRoot, controllerMounts: new Map(), hierarchyMounts: [], controllers };
  }
  const controllerMounts = new Map<string, string>();
  const hierarchyMounts: string[] = [];
  for (const entry of entries) {
    if (entry.fsType === 'cgroup2' && entry.mountPoint.startsWith(`${cgroupRoot}/`)) hierarchyMounts.push(entry.mountPoint);
    if (entry.fsType !== 'cgroup') continue;
    hierarchyMounts.push(entry.mountPoint);
    for (const option of entry.superOptions) {
      if (v1Controllers.has(option) && !controllerMounts.has(option)) controllerMounts.set(option, entry.mountPoint);
    }
  }
  return { version: 1, unifiedMount: null, controllerMounts, hierarchyMounts, controllers: new Set(controllerMounts.keys()) };
}

/** Reads this host's layout. */
export async function readCgroupLayout(): Promise<CgroupLayout> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const controllers = await readFile(join(cgroupRoot, 'cgroup.controllers'), 'utf8').catch(() => '');
  return cgroupLayoutFromMountinfo(mountinfo, controllers);
}

/** The cgroup names of one container, relative to a hierarchy's root. */
export interface ContainerCgroups {
  /** Ours; holds the leaf. */
  containerDir: string;
  /** The runtime's: the value of linux.cgroupsPath in config.json. */
  leaf: string;
}

export function containerCgroups(parent: string, id: string): ContainerCgroups {
  const containerDir = `/${parent}/${id}`;
  return { containerDir, leaf: `${containerDir}/container` };
}

/** The file whose counter tells whether the OOM killer struck; the shim copies it after the exit. */
export function oomEvidencePath(layout: CgroupLayout, cgroups: ContainerCgroups): string | null {
  if (layout.version === 2) return join(layout.unifiedMount ?? cgroupRoot, cgroups.containerDir, 'memory.events');
  const memory = layout.controllerMounts.get('memory');
  return memory === undefined ? null : join(memory, cgroups.leaf, 'memory.oom_control');
}

/** Directories to rmdir at remove(), deepest first, in every hierarchy. */
export function cgroupDirsToRemove(layout: CgroupLayout, cgroups: ContainerCgroups): string[] {
  const mounts = layout.version === 2 ? [layout.unifiedMount ?? cgroupRoot] : layout.hierarchyMounts;
  return mounts.flatMap((mount) => [join(mount, cgroups.leaf), join(mount, cgroups.containerDir)]);
}

/** "key value" lines (memory.events, memory.oom_control, cpu.stat) to a map. */
export function parseFlatKeyed(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key === undefined || key === '' || value === undefined) continue;
    const number = Number(value);
    if (Number.isFinite(number)) values.set(key, number);
  }
  return values;
}

/**
 * True when the copied evidence shows an OOM kill. v2 memory.events and v1
 * memory.oom_control (kernel 4.13+) both carry an `oom_kill` counter; older
 * v1 kernels only say `under_oom 1`, which a process stuck at the limit shows.
 */
export function parseOomKilled(evidence: string): boolean {
  const values = parseFlatKeyed(evidence);
  const kills = values.get('oom_kill');
  if (kills !== undefined) return kills > 0;
  return (values.get('under_oom') ?? 0) > 0;
}

/** The files stats() reads, with their parsers, for one layout. */
export function statsFiles(layout: CgroupLayout, cgroups: ContainerCgroups): Record<'memory' | 'memoryMax' | 'cpu' | 'pids', string | null> {
  if (layout.version === 2) {
    const dir = join(layout.unifiedMount ?? cgroupRoot, cgroups.leaf);
    return { memory: join(dir, 'memory.current'), memoryMax: join(dir, 'memory.max'), cpu: join(dir, 'cpu.stat'), pids: join(dir, 'pids.current') };
  }
  const under = (controller: string, file: string): string | null => {
    const mount = layout.controllerMounts.get(controller);
    return mount === undefined ? null : join(mount, cgroups.leaf, file);
  };
  return {
    memory: under('memory', 'memory.usage_in_bytes'),
    memoryMax: under('memory', 'memory.limit_in_bytes'),
    cpu: under('cpuacct', 'cpuacct.usage'),
    pids: under('pids', 'pids.current'),
  };
}

/** Turns the raw text of the four stats files into numbers; absent files read as "". */
export function parseStats(version: CgroupVersion, raw: Record<'memory' | 'memoryMax' | 'cpu' | 'pids', string>): ContainerStats {
  const number = (text: string): number => {
    const value = Number(text.trim());
    return Number.isFinite(value) ? value : 0;
  };
  const memoryMaxText = raw.memoryMax.trim();
  let memoryBytesMax: number | null = null;
  if (memoryMaxText !== '' && memoryMaxText !== 'max') {
    const value = Number(memoryMaxText);
    memoryBytesMax = version === 1 && value >= v1UnlimitedBytesMin ? null : value;
  }
  // v1 cpuacct.usage is nanoseconds; v2 cpu.stat says usage_usec.
  const cpuUsageUs = version === 2 ? parseFlatKeyed(raw.cpu).get('usage_usec') ?? 0 : Math.floor(number(raw.cpu) / 1000);
  return { memoryBytes: number(raw.memory), memoryBytesMax, cpuUsageUs, pidsCurrent: number(raw.pids) };
}
