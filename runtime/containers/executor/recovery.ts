// What a new executor does with what the previous agent left behind.
//
// Policy: adopt, do not clean up. A container still running under its shim
// keeps running and is watched again (restarting a service because the agent
// was upgraded would be a needless outage). One that ended meanwhile has its
// exit file read, so the orchestrator learns its exit code and OOM verdict.
// Only what cannot be supervised is killed: a container whose shim vanished
// (nobody would ever record its exit) and runtime containers in our state
// root without a container directory (a create that crashed halfway).
import { readdir, rm, rmdir } from 'node:fs/promises';
import { cgroupDirsToRemove, containerCgroups, type CgroupLayout } from './cgroups.js';
import { containerPaths, containersDir, readExit, readRecord, writeFileAtomic, type ContainerPaths, type ContainerRecord } from './container-dir.js';
import { RuntimeCommandFailedError } from './errors.js';
import type { OciRuntime } from './runtime.js';
import { isShimAlive } from './shim.js';
import { isValidContainerId } from './spec.js';
import type { RecoveryReport } from './types.js';

export interface RecoveryContext {
  dataDir: string;
  runtime: OciRuntime;
  layout: CgroupLayout;
  cgroupParent: string;
  /** A started container without a shim pid after this long never got its shim going. */
  startTimeoutMs: number;
  nowMs: () => number;
}

/** True while someone is still supervising the container (its shim is alive, or may just be starting). */
export async function isSupervised(paths: ContainerPaths, record: ContainerRecord, context: Pick<RecoveryContext, 'startTimeoutMs' | 'nowMs'>): Promise<boolean> {
  if (record.shimPid !== null) return isShimAlive(record.shimPid, paths.statusDir);
  return record.startedAtMs !== null && context.nowMs() - record.startedAtMs < context.startTimeoutMs;
}

/** Records that the exit can never be known, and kills what may still run unsupervised. */
export async function markLost(paths: ContainerPaths, id: string, runtime: OciRuntime): Promise<void> {
  await runtime.kill(id, 9).catch(() => undefined);
  await runtime.delete(id).catch(() => undefined);
  await writeFileAtomic(paths.lost, 'shim gone without an exit record\n');
}

const cgroupRemoveAttempts = 10;
const cgroupRemoveRetryMs = 50;

/**
 * rmdir of the container's cgroups, deepest first. EBUSY means the kernel
 * still counts a task in it (a SIGKILLed process not yet reaped); that clears
 * within milliseconds, so it is retried a bounded number of times.
 */
export async function removeCgroups(layout: CgroupLayout, cgroupParent: string, id: string): Promise<void> {
  for (const dir of cgroupDirsToRemove(layout, containerCgroups(cgroupParent, id))) {
    for (let attempt = 1; ; attempt++) {
      const code = await rmdir(dir).then(
        () => null,
        (error: NodeJS.ErrnoException) => error.code ?? 'EUNKNOWN',
      );
      if (code === null || code === 'ENOENT') break;
      if (code !== 'EBUSY' || attempt >= cgroupRemoveAttempts) {
        throw new RuntimeCommandFailedError(`rmdir ${dir}`, `${code}: the cgroup still holds processes; kill them and remove again`);
      }
      await new Promise((resolve) => setTimeout(resolve, cgroupRemoveRetryMs));
    }
  }
}

export async function listContainerIds(dataDir: string): Promise<string[]> {
  const entries = await readdir(containersDir(dataDir), { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory() && isValidContainerId(entry.name)).map((entry) => entry.name).sort();
}

export async function recoverContainers(context: RecoveryContext): Promise<RecoveryReport> {
  const report: RecoveryReport = { adopted: [], collected: [], lost: [], orphansRemoved: [] };
  const ids = await listContainerIds(context.dataDir);
  const known = new Set<string>();
  for (const id of ids) {
    const paths = containerPaths(context.dataDir, id);
    const record = await readRecord(paths);
    if (record === null) {
      // create() writes spec.json last: without it the create never finished.
      await rm(paths.dir, { recursive: true, force: true });
      continue;
    }
    known.add(id);
    if (record.startedAtMs === null) continue;
    if (record.exit !== null) {
      report.collected.push(id);
    } else if (await isSupervised(paths, record, context)) {
      report.adopted.push(id);
    } else if ((await readExit(paths)) !== null) {
      report.collected.push(id); // the shim finished between the two reads
    } else {
      await markLost(paths, id, context.runtime);
      report.lost.push(id);
    }
  }
  for (const container of await context.runtime.list()) {
    if (known.has(container.id)) continue;
    await context.runtime.kill(container.id, 9).catch(() => undefined);
    await context.runtime.delete(container.id);
    await removeCgroups(context.layout, context.cgroupParent, container.id).catch(() => undefined);
    report.orphansRemoved.push(container.id);
  }
  return report;
}
