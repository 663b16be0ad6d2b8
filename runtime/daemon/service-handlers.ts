// The services control API (runtime/wire/messages/services.ts). Specs are
// checked for meaning here (runtime/spec) before the leader stores them;
// reads are linearizable unless `stale` is asked for.
import { EdgeError } from '../common/errors.js';
import { diffSpecs, planStackDeploy, validateServiceSpec } from '../spec/index.js';
import { validatePlacement } from '../scheduler/index.js';
import { runsDifferently } from '../orchestrator/index.js';
import { isTerminal, type ServiceRecord, type ServiceSpec, type TaskRecord } from '../store/services.js';
import type { ClusterState } from '../store/state.js';
import type { Router } from '../transport/link.js';
import type { ServiceView, TaskView } from '../wire/messages/services.js';
import type { Daemon } from './daemon.js';
import { newNodeId, type ManagerRuntime } from './manager.js';

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

/** The wire has no null: an absent health check arrives as a missing field. */
function fromWire(spec: ServiceSpec): ServiceSpec {
  return { ...spec, healthCheck: spec.healthCheck ?? null };
}

function toWire(spec: ServiceSpec): Omit<ServiceSpec, 'healthCheck'> & { healthCheck?: ServiceSpec['healthCheck'] } {
  const { healthCheck, ...rest } = spec;
  return healthCheck ? { ...rest, healthCheck } : rest;
}

function checkSpec(spec: ServiceSpec): void {
  const problems = validateServiceSpec(spec);
  if (problems.length > 0) throw new EdgeError('EDGE_SPEC_INVALID', `the service spec is not valid: ${problems.slice(0, 10).join('; ')}`);
  validatePlacement(spec);
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
    specVersion: task.specVersion,
    updatedAtMs: Math.floor(task.updatedAtMs),
  };
}

/** Changes that run on the leader; every manager registers them so followers can forward. */
const serviceOperations: Record<string, (manager: ManagerRuntime, body: any) => Promise<unknown>> = {
  'service.create': async (manager, request: { spec: ServiceSpec }) => {
    request = { spec: fromWire(request.spec) };
    checkSpec(request.spec);
    const nowMs = Math.floor(manager.context.time.nowMs());
    const id = newNodeId();
    await manager.write({
      op: 'service.create',
      service: { id, spec: request.spec, previousSpec: null, specVersion: 1, createdAtMs: nowMs, updatedAtMs: nowMs, updateStatus: { state: 'none', message: '', startedAtMs: 0 } },
    });
    return { id, name: request.spec.name };
  },
  'service.update': async (manager, request: { ref: string; spec: ServiceSpec }) => {
    request = { ref: request.ref, spec: fromWire(request.spec) };
    const service = findService(manager.state, request.ref);
    checkSpec(request.spec);
    if (!diffSpecs(service.spec, request.spec).changed) return { id: service.id, specVersion: service.specVersion, changed: false };
    const rolls = runsDifferently(service.spec, request.spec);
    const { specVersion } = (await manager.write({ op: 'service.update', id: service.id, spec: request.spec, rollback: false, rolls, atMs: Math.floor(manager.context.time.nowMs()) })) as { specVersion: number };
    return { id: service.id, specVersion, changed: true };
  },
  'service.scale': async (manager, request: { ref: string; replicas: number }) => {
    const service = findService(manager.state, request.ref);
    if (service.spec.mode !== 'replicated' && service.spec.mode !== 'replicated-job') {
      throw new EdgeError('EDGE_SERVICE_NOT_SCALABLE', `${service.spec.name} runs in ${service.spec.mode} mode (one task per node); only replicated services scale`);
    }
    const spec = { ...service.spec, replicas: request.replicas };
    // Scaling adds or removes tasks; it does not restart the ones that run.
    const { specVersion } = (await manager.write({ op: 'service.update', id: service.id, spec, rollback: false, rolls: false, atMs: Math.floor(manager.context.time.nowMs()) })) as { specVersion: number };
    return { id: service.id, specVersion };
  },
  'service.rollback': async (manager, request: { ref: string }) => {
    const service = findService(manager.state, request.ref);
    if (!service.previousSpec) throw new EdgeError('EDGE_SERVICE_NO_PREVIOUS_SPEC', `${service.spec.name} has no previous spec to roll back to`);
    const rolls = runsDifferently(service.spec, service.previousSpec);
    const { specVersion } = (await manager.write({ op: 'service.update', id: service.id, spec: service.previousSpec, rollback: true, rolls, atMs: Math.floor(manager.context.time.nowMs()) })) as { specVersion: number };
    return { id: service.id, specVersion };
  },
  'service.rm': async (manager, request: { ref: string }) => {
    const service = findService(manager.state, request.ref);
    await manager.write({ op: 'service.remove', id: service.id });
    return { id: service.id };
  },
  'service.deploy': async (manager, request: { specs: ServiceSpec[]; prune: boolean; stack?: string }) => {
    request = { ...request, specs: request.specs.map(fromWire) };
    for (const spec of request.specs) checkSpec(spec);
    const existing = Object.values(manager.state.services).map((service) => service.spec);
    const plan = planStackDeploy(existing, { stackName: request.stack ?? null, services: request.specs, volumes: [] });
    for (const spec of plan.create) await serviceOperations['service.create']!(manager, { spec });
    for (const { spec } of plan.update) await serviceOperations['service.update']!(manager, { ref: spec.name, spec });
    const removed: string[] = [];
    if (request.prune) {
      for (const name of plan.absent) {
        await serviceOperations['service.rm']!(manager, { ref: name });
        removed.push(name);
      }
    }
    return { created: plan.create.map((spec) => spec.name), updated: plan.update.map(({ spec }) => spec.name), unchanged: plan.unchanged, removed };
  },
};

export function installServiceOperations(manager: ManagerRuntime): void {
  for (const [method, operation] of Object.entries(serviceOperations)) manager.registerForwardable(method, (body) => operation(manager, body));
}

export function registerServiceHandlers(router: Router, daemon: Daemon): void {
  for (const [method, operation] of Object.entries(serviceOperations)) {
    router.handle(method, async (body) => {
      const manager = requireManager(daemon);
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
