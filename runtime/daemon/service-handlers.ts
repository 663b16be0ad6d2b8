// The services control API (runtime/wire/messages/services.ts). Specs are
// checked for meaning here (runtime/spec) before the leader stores them;
// reads are linearizable unless `stale` is asked for.
import { EdgeError } from '../common/errors.js';
import { isTerminal, type ServiceRecord, type ServiceSpec, type TaskRecord } from '../store/services.js';
import type { ClusterState } from '../store/state.js';
import type { Router } from '../transport/link.js';
import type { ServiceView, TaskView } from '../wire/messages/services.js';
import type { Daemon } from './daemon.js';
import type { ManagerRuntime } from './manager.js';

const logsAnswerBytesMax = 3 * 1024 * 1024;

function requireManager(daemon: Daemon): ManagerRuntime {
  if (daemon.manager) return daemon.manager;
  throw new EdgeError(daemon.worker ? 'EDGE_NOT_A_MANAGER' : 'EDGE_SWARM_NOT_MEMBER', daemon.worker ? 'this node is a worker; run this on a manager (or pass --host with a manager\'s control socket)' : 'this node is not part of a cluster: run `edgectl swarm init` or `edgectl swarm join` first');
}

export function findService(state: Readonly<ClusterState>, reference: string): ServiceRecord {
  const services = Object.values(state.services);
  const found = state.services[reference] ?? services.find((service) => service.spec.name === reference);
  if (found) return found;
  const byPrefix = services.filter((service) => service.id.startsWith(reference));
  if (byPrefix.length === 1) return byPrefix[0]!;
  throw new EdgeError('EDGE_SERVICE_NOT_FOUND', `no service "${reference}" (or the id prefix matches several): see edgectl service ls`);
}

function toWire(spec: ServiceSpec): Omit<ServiceSpec, 'healthCheck'> & { healthCheck?: ServiceSpec['healthCheck'] } {
  const { healthCheck, ...rest } = spec;
  return healthCheck ? { ...rest, healthCheck } : rest;
}

function portsText(spec: ServiceSpec): string {
  return spec.ports.map((port) => `*:${port.published}->${port.target}/${port.protocol}`).join(', ');
}

/** Tasks that count for a service now: the latest of each slot (or node for global services). */
function liveTasks(state: Readonly<ClusterState>, serviceId: string): TaskRecord[] {
  return Object.values(state.tasks).filter((task) => task.serviceId === serviceId && task.desiredState !== 'shutdown');
}

export function serviceView(state: Readonly<ClusterState>, service: ServiceRecord): ServiceView {
  const tasks = liveTasks(state, service.id);
  const running = tasks.filter((task) => task.state === 'running' && task.specVersion === service.specVersion).length;
  const isGlobal = service.spec.mode === 'global' || service.spec.mode === 'global-job';
  const desired = isGlobal ? tasks.length : service.spec.replicas;
  return {
    id: service.id,
    name: service.spec.name,
    image: service.spec.image,
    mode: service.spec.mode,
    desired,
    running: service.spec.mode.endsWith('job') ? tasks.filter((task) => task.state === 'complete').length : running,
    specVersion: service.specVersion,
    ports: portsText(service.spec),
    updateState: service.updateStatus.state,
    updateMessage: service.updateStatus.message.slice(0, 1000),
    createdAtMs: Math.floor(service.createdAtMs),
    updatedAtMs: Math.floor(service.updatedAtMs),
  };
}

export function taskView(state: Readonly<ClusterState>, task: TaskRecord): TaskView {
  const service = state.services[task.serviceId];
  const node = state.nodes[task.nodeId];
  return {
    id: task.id,
    service: service?.spec.name ?? task.serviceId,
    serviceId: task.serviceId,
    slot: task.slot,
    node: node?.hostname ?? '',
    nodeId: task.nodeId,
    desiredState: task.desiredState,
    state: task.state,
    message: task.message.slice(0, 1000),
    error: task.error.slice(0, 1000),
    ...(task.exitCode === null ? {} : { exitCode: task.exitCode }),
    ...(task.health === undefined ? {} : { health: task.health }),
    specVersion: task.specVersion,
    updatedAtMs: Math.floor(task.updatedAtMs),
  };
}

const changeMethods = ['service.create', 'service.update', 'service.scale', 'service.rollback', 'service.rm', 'service.deploy'] as const;

/** Every manager registers the changes, so a follower can forward any of them to the leader. */
export async function installServiceOperations(manager: ManagerRuntime): Promise<void> {
  const { serviceOperations } = await import('./service-operations.js');
  for (const [method, operation] of Object.entries(serviceOperations)) manager.registerForwardable(method, (body) => operation(manager, body));
}

export function registerServiceHandlers(router: Router, daemon: Daemon): void {
  for (const method of changeMethods) {
    router.handle(method, async (body) => {
      const manager = requireManager(daemon);
      const { serviceOperations } = await import('./service-operations.js');
      const operation = serviceOperations[method]!;
      return manager.onLeader(method, body, () => operation(manager, body));
    });
  }
  router.handle('service.ls', async (body) => {
    const manager = requireManager(daemon);
    const state = await manager.read((body as { stale?: boolean }).stale ?? false);
    const services = Object.values(state.services).sort((a, b) => a.spec.name.localeCompare(b.spec.name));
    return { services: services.map((service) => serviceView(state, service)) };
  });
  router.handle('service.inspect', async (body) => {
    const request = body as { ref: string; stale?: boolean };
    const manager = requireManager(daemon);
    const state = await manager.read(request.stale ?? false);
    const service = findService(state, request.ref);
    return { id: service.id, spec: toWire(service.spec), ...(service.previousSpec ? { previousSpec: toWire(service.previousSpec) } : {}), specVersion: service.specVersion, view: serviceView(state, service) };
  });
  router.handle('service.logs', async (body) => {
    const request = body as { ref: string; tailLines?: number };
    const manager = requireManager(daemon);
    const state = await manager.read(false);
    const service = findService(state, request.ref);
    const tasks = Object.values(state.tasks).filter((task) => task.serviceId === service.id && task.nodeId !== '');
    const lines = await manager.taskLogs(tasks, Math.min(request.tailLines ?? 1000, 10_000));
    const byTask = new Map(tasks.map((task) => [task.id, task]));
    // One answer is one frame: keep the newest lines that fit well under the frame limit.
    let bytes = 0;
    let first = lines.length;
    while (first > 0 && bytes + lines[first - 1]!.text.length + 128 < logsAnswerBytesMax) bytes += lines[--first]!.text.length + 128;
    return {
      lines: lines.slice(first).map((line) => {
        const task = byTask.get(line.task)!;
        return { task: line.task, slot: task.slot, node: state.nodes[task.nodeId]?.hostname ?? task.nodeId, stream: line.stream, text: line.text };
      }),
    };
  });
  router.handle('service.ps', async (body) => {
    const request = body as { ref: string; all?: boolean; stale?: boolean };
    const manager = requireManager(daemon);
    const state = await manager.read(request.stale ?? false);
    const service = findService(state, request.ref);
    const tasks = Object.values(state.tasks)
      .filter((task) => task.serviceId === service.id && (request.all || !isTerminal(task.state) || task.desiredState === 'running'))
      .sort((a, b) => a.slot - b.slot || a.createdAtMs - b.createdAtMs);
    return { tasks: tasks.map((task) => taskView(state, task)) };
  });
}
