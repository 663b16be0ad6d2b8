// The control API for services (edgectl service …). A spec crosses the wire
// whole and is checked here for shape and bounds; the manager then checks its
// meaning (runtime/spec validateServiceSpec) before storing it.
import { defineMethod, definePart } from '../definitions.js';
import { array, bool, float, int, object, oneOf, optional, record, string, uint, type Infer } from '../schema.js';

const text = (maxBytes: number) => string({ maxBytes });
const stringMap = record(text(32 * 1024), { maxEntries: 256, keyMaxBytes: 128 });
const updateConfig = object({
  parallelism: uint(),
  delayMs: uint(),
  monitorMs: uint(),
  failureAction: oneOf('pause', 'continue', 'rollback'),
  maxFailureRatio: float(),
  order: oneOf('stop-first', 'start-first'),
});

export const serviceSpecSchema = object({
  name: string({ minBytes: 1, maxBytes: 63 }),
  image: string({ minBytes: 1, maxBytes: 512 }),
  command: array(text(4096), { maxItems: 256 }),
  env: stringMap,
  mode: oneOf('replicated', 'global', 'replicated-job', 'global-job'),
  replicas: uint({ max: 10_000 }),
  placement: object({
    constraints: array(object({ field: text(256), operator: oneOf('==', '!='), value: text(256) }), { maxItems: 64 }),
    spreadOver: array(text(256), { maxItems: 8 }),
    maxReplicasPerNode: uint(),
  }),
  resources: object({ memoryReservationBytes: uint(), memoryLimitBytes: uint(), cpuLimit: float(), pidsLimit: uint() }),
  restartPolicy: object({ condition: oneOf('none', 'on-failure', 'any'), delayMs: uint(), maxAttempts: uint(), windowMs: uint() }),
  update: updateConfig,
  rollback: updateConfig,
  healthCheck: optional(object({ command: array(text(4096), { maxItems: 64 }), intervalMs: uint(), timeoutMs: uint(), retries: uint({ max: 100 }), startPeriodMs: uint() })),
  ports: array(object({ published: uint({ max: 65535 }), target: uint({ max: 65535 }), protocol: oneOf('tcp', 'udp') }), { maxItems: 64 }),
  mounts: array(object({ type: oneOf('bind', 'volume'), source: text(4096), target: text(4096), readOnly: bool() }), { maxItems: 64 }),
  labels: stringMap,
});

export const serviceView = object({
  id: text(64),
  name: text(63),
  image: text(512),
  mode: oneOf('replicated', 'global', 'replicated-job', 'global-job'),
  /** Replicated: the wanted count; global: eligible nodes. */
  desired: uint(),
  running: uint(),
  specVersion: uint(),
  ports: text(1024),
  updateState: text(32),
  updateMessage: text(1024),
  createdAtMs: uint(),
  updatedAtMs: uint(),
});
export type ServiceView = Infer<typeof serviceView>;

export const taskView = object({
  id: text(64),
  service: text(63),
  serviceId: text(64),
  slot: uint(),
  node: text(253),
  nodeId: text(64),
  desiredState: oneOf('running', 'shutdown', 'complete'),
  state: text(32),
  message: text(1024),
  error: text(1024),
  exitCode: optional(int()),
  /** The health check's last verdict as the agent reported it; absent without a health check or before the first report. */
  health: optional(oneOf('starting', 'healthy', 'unhealthy')),
  specVersion: uint(),
  updatedAtMs: uint(),
});
export type TaskView = Infer<typeof taskView>;

const ref = string({ minBytes: 1, maxBytes: 128 });

export const serviceMethods = [
  defineMethod({ method: 'service.create', request: object({ spec: serviceSpecSchema }), response: object({ id: text(64), name: text(63) }) }),
  defineMethod({ method: 'service.ls', request: object({ stale: optional(bool()) }), response: object({ services: array(serviceView, { maxItems: 1000 }) }) }),
  defineMethod({
    method: 'service.ps',
    request: object({ ref, all: optional(bool()), stale: optional(bool()) }),
    response: object({ tasks: array(taskView, { maxItems: 20_000 }) }),
  }),
  defineMethod({
    method: 'service.inspect',
    request: object({ ref, stale: optional(bool()) }),
    response: object({ id: text(64), spec: serviceSpecSchema, previousSpec: optional(serviceSpecSchema), specVersion: uint(), view: serviceView }),
  }),
  defineMethod({ method: 'service.update', request: object({ ref, spec: serviceSpecSchema }), response: object({ id: text(64), specVersion: uint(), changed: bool() }) }),
  defineMethod({ method: 'service.scale', request: object({ ref, replicas: uint({ max: 10_000 }) }), response: object({ id: text(64), specVersion: uint() }) }),
  defineMethod({ method: 'service.rollback', request: object({ ref }), response: object({ id: text(64), specVersion: uint() }) }),
  defineMethod({ method: 'service.rm', request: object({ ref }), response: object({ id: text(64) }) }),
  defineMethod({
    method: 'service.deploy',
    request: object({ specs: array(serviceSpecSchema, { maxItems: 200 }), prune: bool(), stack: optional(text(63)) }),
    response: object({ created: array(text(63), { maxItems: 200 }), updated: array(text(63), { maxItems: 200 }), unchanged: array(text(63), { maxItems: 200 }), removed: array(text(63), { maxItems: 1000 }) }),
  }),
  defineMethod({
    method: 'service.logs',
    request: object({ ref, tailLines: optional(uint({ max: 100_000 })) }),
    response: object({ lines: array(object({ task: text(64), slot: uint(), node: text(253), stream: oneOf('stdout', 'stderr'), text: text(64 * 1024) }), { maxItems: 100_000 }) }),
  }),
] as const;

export const services = definePart({ owner: 'services API', methods: [...serviceMethods] });
