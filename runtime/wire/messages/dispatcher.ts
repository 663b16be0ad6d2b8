// Between a worker's agent and the leader's dispatcher, over the worker's
// session link: the manager pushes the full set of tasks assigned to the node
// (desired state), the agent reports what actually happens (observed state).
import { defineTopic, definePart } from '../definitions.js';
import { array, bool, float, int, object, oneOf, optional, record, string, uint, type Infer } from '../schema.js';

const id = string({ minBytes: 1, maxBytes: 64 });
const shortText = string({ maxBytes: 1024 });

export const runSpec = object({
  image: string({ minBytes: 1, maxBytes: 512 }),
  command: array(string({ maxBytes: 4096 }), { maxItems: 256 }),
  env: record(string({ maxBytes: 32 * 1024 }), { maxEntries: 256, keyMaxBytes: 128 }),
  memoryLimitBytes: uint(),
  cpuLimit: float(),
  pidsLimit: uint(),
  ports: array(object({ published: uint({ max: 65535 }), target: uint({ max: 65535 }), protocol: oneOf('tcp', 'udp') }), { maxItems: 64 }),
  mounts: array(object({ type: oneOf('bind', 'volume'), source: string({ maxBytes: 4096 }), target: string({ maxBytes: 4096 }), readOnly: bool() }), { maxItems: 64 }),
  healthCheck: optional(object({ command: array(string({ maxBytes: 4096 }), { maxItems: 64 }), intervalMs: uint(), timeoutMs: uint(), retries: uint({ max: 100 }), startPeriodMs: uint() })),
  restartPolicy: object({ condition: oneOf('none', 'on-failure', 'any'), delayMs: uint(), maxAttempts: uint(), windowMs: uint() }),
});
export type RunSpec = Infer<typeof runSpec>;

export const assignment = object({
  taskId: id,
  serviceId: id,
  serviceName: string({ maxBytes: 128 }),
  slot: uint(),
  generation: uint(),
  specVersion: uint(),
  desiredState: oneOf('running', 'shutdown', 'complete'),
  spec: runSpec,
});
export type Assignment = Infer<typeof assignment>;

/** Manager → agent: every task this node should know about; anything not listed is to be stopped and removed. */
export const assignTopic = defineTopic({
  topic: 'dispatcher.assign',
  body: object({ version: uint(), tasks: array(assignment, { maxItems: 1000 }) }),
});

export const taskStatus = object({
  taskId: id,
  state: oneOf('accepted', 'preparing', 'starting', 'running', 'complete', 'shutdown', 'failed', 'rejected'),
  message: shortText,
  error: shortText,
  exitCode: optional(int()),
  containerId: string({ maxBytes: 128 }),
  health: optional(oneOf('starting', 'healthy', 'unhealthy')),
  atMs: uint(),
});
export type TaskStatus = Infer<typeof taskStatus>;

/** Agent → manager: state changes, batched. */
export const statusTopic = defineTopic({
  topic: 'dispatcher.status',
  body: object({ updates: array(taskStatus, { maxItems: 1000 }) }),
});

/** Agent → manager on every new session: send me my tasks. */
export const helloTopic = defineTopic({ topic: 'dispatcher.hello', body: object({ nodeId: id, knownVersion: uint() }) });

/** Image pull progress, for `service create` without --detach. */
export const progressTopic = defineTopic({
  topic: 'dispatcher.progress',
  body: object({ taskId: id, phase: string({ maxBytes: 32 }), bytesDone: uint(), bytesTotal: uint() }),
});

export const dispatcher = definePart({ owner: 'dispatcher', topics: [assignTopic, statusTopic, helloTopic, progressTopic] });
