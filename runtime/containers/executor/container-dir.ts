// One container's files under the data dir, and how its state is derived
// from them. The disk is the record: any agent reading these files reaches
// the same state, which is what makes adoption after a restart work.
//
//   <dataDir>/containers/<id>/spec.json          validated spec + createdAtMs   (agent, at create)
//   <dataDir>/containers/<id>/bundle/config.json OCI config                     (agent, at create)
//   <dataDir>/containers/<id>/logs/              stdout.log, stderr.log, rotated generations, runtime.log
//   <dataDir>/containers/<id>/status/started     startedAtMs                    (agent, before the shim)
//   <dataDir>/containers/<id>/status/shim.pid    the shim's pid                 (shim, first thing)
//   <dataDir>/containers/<id>/status/pid         the first process's host pid   (runtime, once it runs)
//   <dataDir>/containers/<id>/status/stop-requested                             (agent, before SIGTERM)
//   <dataDir>/containers/<id>/status/oom         copy of the cgroup OOM counter (shim, after the exit)
//   <dataDir>/containers/<id>/status/exit        exit status                    (shim, last thing)
//   <dataDir>/containers/<id>/status/lost        the shim vanished without an exit (agent, on discovery)
// status/ holds nothing that changes often, so watching it (inotify) wakes a
// waiter for the exit and not for every log write.
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseOomKilled } from './cgroups.js';
import type { NormalizedSpec } from './spec.js';
import type { ContainerState, ExitStatus } from './types.js';

export interface ContainerPaths {
  dir: string;
  specFile: string;
  bundleDir: string;
  configFile: string;
  logsDir: string;
  runtimeLog: string;
  statusDir: string;
  started: string;
  shimPid: string;
  pid: string;
  stopRequested: string;
  oom: string;
  exit: string;
  lost: string;
}

export function containersDir(dataDir: string): string {
  return join(dataDir, 'containers');
}

export function containerPaths(dataDir: string, id: string): ContainerPaths {
  const dir = join(containersDir(dataDir), id);
  const statusDir = join(dir, 'status');
  const logsDir = join(dir, 'logs');
  return {
    dir,
    specFile: join(dir, 'spec.json'),
    bundleDir: join(dir, 'bundle'),
    configFile: join(dir, 'bundle', 'config.json'),
    logsDir,
    runtimeLog: join(logsDir, 'runtime.log'),
    statusDir,
    started: join(statusDir, 'started'),
    shimPid: join(statusDir, 'shim.pid'),
    pid: join(statusDir, 'pid'),
    stopRequested: join(statusDir, 'stop-requested'),
    oom: join(statusDir, 'oom'),
    exit: join(statusDir, 'exit'),
    lost: join(statusDir, 'lost'),
  };
}

export function logPath(paths: ContainerPaths, stream: 'stdout' | 'stderr'): string {
  return join(paths.logsDir, `${stream}.log`);
}

export interface StoredSpec {
  spec: NormalizedSpec;
  createdAtMs: number;
}

/** Everything the status of one container is derived from, read in one go. */
export interface ContainerRecord {
  stored: StoredSpec;
  startedAtMs: number | null;
  shimPid: number | null;
  pid: number | null;
  exit: ExitStatus | null;
}

export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await writeFile(`${path}.tmp`, content);
  await rename(`${path}.tmp`, path);
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function parseWholeNumber(text: string | null): number | null {
  if (text === null) return null;
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : null;
}

export async function readStoredSpec(paths: ContainerPaths): Promise<StoredSpec | null> {
  const text = await readText(paths.specFile);
  return text === null ? null : (JSON.parse(text) as StoredSpec);
}

/** The exit status if the container has ended (exit or lost recorded), else null. */
export async function readExit(paths: ContainerPaths): Promise<ExitStatus | null> {
  let exitText = await readText(paths.exit);
  let endedPath = paths.exit;
  if (exitText === null) {
    exitText = await readText(paths.lost);
    endedPath = paths.lost;
    if (exitText === null) return null;
    exitText = '';
  }
  const finished = await stat(endedPath).catch(() => null);
  const oomText = await readText(paths.oom);
  const stopRequested = (await readText(paths.stopRequested)) !== null;
  return {
    exitCode: parseWholeNumber(exitText),
    oomKilled: oomText !== null && parseOomKilled(oomText),
    stopRequested,
    finishedAtMs: finished === null ? 0 : Math.round(finished.mtimeMs),
  };
}

export async function readRecord(paths: ContainerPaths): Promise<ContainerRecord | null> {
  const stored = await readStoredSpec(paths);
  if (stored === null) return null;
  return {
    stored,
    startedAtMs: parseWholeNumber(await readText(paths.started)),
    shimPid: parseWholeNumber(await readText(paths.shimPid)),
    pid: parseWholeNumber(await readText(paths.pid)),
    exit: await readExit(paths),
  };
}

/** The state machine's position, from what is on disk. */
export function stateOf(record: Pick<ContainerRecord, 'startedAtMs' | 'exit'>): ContainerState {
  if (record.exit !== null) return record.exit.stopRequested ? 'stopped' : 'exited';
  return record.startedAtMs === null ? 'created' : 'running';
}
