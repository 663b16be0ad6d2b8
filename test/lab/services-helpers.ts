// Shared steps of the services lab tests: a cluster of real edged processes
// with the lab registry, the task list as `service ps --json` prints it, and
// the containers each host's runc really runs (the ground truth `service ps`
// is checked against).
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsCommands, needsRoot } from '../common/env.js';
import { edgectlBundle, Fleet } from './fleet.js';
import { startLabRegistry } from './registry.js';

/** True when this machine can run a services lab (root, namespaces, runc, the registry). */
export function servicesLabReady(): boolean {
  return needsRoot() && needsCommands('ip', 'nsenter', 'runc', 'docker-registry');
}

export interface ServiceClusterOptions {
  /** Lab name (1-8 lowercase letters/digits), unique among labs running at the same time. */
  name: string;
  hosts: number;
  /** Extra edged flags for every host. */
  edgedFlags?: string[];
}

/** A fleet with the registry up, host1 the only manager and every other host joined as a worker. */
export async function startServiceCluster(options: ServiceClusterOptions): Promise<Fleet> {
  const fleet = Fleet.create({ name: options.name, hosts: options.hosts });
  try {
    await startLabRegistry(fleet.lab);
    for (let index = 1; index <= options.hosts; index++) fleet.start(index, options.edgedFlags ?? []);
    for (let index = 1; index <= options.hosts; index++) await fleet.ready(index);
    const init = JSON.parse(fleet.edgectl(1, ['swarm', 'init', '--json']));
    for (let index = 2; index <= options.hosts; index++) fleet.edgectl(index, ['swarm', 'join', '--token', init.workerToken, fleet.address(1)]);
    return fleet;
  } catch (error) {
    fleet.destroy();
    throw error;
  }
}

/** One row of `edgectl service ps --json`. */
export interface TaskRow {
  id: string;
  name: string;
  service: string;
  slot: number;
  node: string;
  nodeId: string;
  desiredState: string;
  state: string;
  message: string;
  error: string;
  exitCode: number | null;
  /** Present once the agent reported a health check verdict. */
  health?: 'starting' | 'healthy' | 'unhealthy';
  specVersion: number;
  /** When the agent last reported a change of state or health (the manager's clock, ms). */
  updatedAtMs: number;
}

/** `service ps --json` through host `via`'s edged; `all` includes finished tasks. */
export function serviceTasks(fleet: Fleet, service: string, options: { via?: number; all?: boolean } = {}): TaskRow[] {
  return JSON.parse(fleet.edgectl(options.via ?? 1, ['service', 'ps', service, '--json', ...(options.all ? ['--all'] : [])]));
}

/**
 * Fleet.edgectl without blocking the event loop, for a command that must run
 * while the test keeps sampling. Resolves to stdout; rejects with stderr.
 */
export function edgectlAsync(fleet: Fleet, index: number, args: string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [edgectlBundle, '--host', fleet.lab.host(index).controlSocket, ...args], { encoding: 'utf8', timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`edgectl ${args.join(' ')} on host ${index} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** The most tasks the manager shows running (wanted or on their way out) in any one slot. */
export function runningPerSlotMax(list: readonly TaskRow[]): number {
  const counts = new Map<number, number>();
  for (const task of list) if (task.state === 'running') counts.set(task.slot, (counts.get(task.slot) ?? 0) + 1);
  return Math.max(0, ...counts.values());
}

/** Running tasks that are meant to run, per node hostname. */
export function runningPerNode(list: readonly TaskRow[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const task of list) if (task.state === 'running' && task.desiredState === 'running') counts.set(task.node, (counts.get(task.node) ?? 0) + 1);
  return counts;
}

export function runningCount(list: readonly TaskRow[]): number {
  return [...runningPerNode(list).values()].reduce((sum, count) => sum + count, 0);
}

/** Counts per node in host order ("host1", "host2", …), 0 for a host without any: [3, 3, 0]. */
export function spreadOver(fleet: Fleet, counts: ReadonlyMap<string, number>): number[] {
  return fleet.lab.hosts.map((host) => counts.get(`host${host.index}`) ?? 0);
}

/**
 * Ids of the containers host i's runc reports as running (container id = task
 * id). Read from the host's own runc state root, so it is what really runs
 * there, whatever any manager believes.
 */
export function runningContainers(fleet: Fleet, index: number): string[] {
  const root = join(fleet.lab.host(index).runcRoot, 'runtime');
  let listed: string;
  try {
    listed = execFileSync('runc', ['--root', root, 'list', '--format', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return []; // no root yet: the host never ran a container
  }
  const containers = (JSON.parse(listed.trim() || 'null') ?? []) as { id: string; status: string }[];
  return containers.filter((container) => container.status === 'running').map((container) => container.id);
}

/** The environment host i's container `id` was created with (its OCI config.json, as the agent wrote it). */
export function containerEnv(fleet: Fleet, index: number, id: string): string[] {
  // The executor's data dir is <data>/containers, and each container's files are under its containers/<id>.
  const config = join(fleet.lab.host(index).dataDir, 'containers', 'containers', id, 'bundle', 'config.json');
  return (JSON.parse(readFileSync(config, 'utf8')) as { process: { env: string[] } }).process.env;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
