// The service changes that run on the leader. Loaded only once the node is a
// manager: spec checks, the scheduler's placement check and the
// orchestrator's "does this change what runs" are not needed before.
import { EdgeError } from '../common/errors.js';
import { runsDifferently } from '../orchestrator/index.js';
import { validatePlacement } from '../scheduler/index.js';
import { diffSpecs, planStackDeploy, validateServiceSpec } from '../spec/index.js';
import type { ServiceSpec } from '../store/services.js';
import { newId as newNodeId } from './ids.js';
import type { ManagerRuntime } from './manager.js';
import { findService } from './service-handlers.js';

/** The wire has no null: an absent health check arrives as a missing field. */
function fromWire(spec: ServiceSpec): ServiceSpec {
  return { ...spec, healthCheck: spec.healthCheck ?? null };
}

function checkSpec(spec: ServiceSpec): void {
  const problems = validateServiceSpec(spec);
  if (problems.length > 0) throw new EdgeError('EDGE_SPEC_INVALID', `the service spec is not valid: ${problems.slice(0, 10).join('; ')}`);
  validatePlacement(spec);
}

/** Changes that run on the leader; every manager registers them so followers can forward. */
export const serviceOperations: Record<string, (manager: ManagerRuntime, body: any) => Promise<unknown>> = {
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

