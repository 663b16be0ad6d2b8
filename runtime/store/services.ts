// Services and tasks, as the store keeps them. The manager writes desired
// state (services, task desiredState, node assignment); the agent on a node
// writes observed state (task status). Plain data, CBOR-friendly.

export type ServiceMode = 'replicated' | 'global' | 'replicated-job' | 'global-job';
export type RestartCondition = 'none' | 'on-failure' | 'any';
export type FailureAction = 'pause' | 'continue' | 'rollback';
export type UpdateOrder = 'stop-first' | 'start-first';

export interface PlacementConstraint {
  /** e.g. "node.role", "node.hostname", "node.labels.zone", "node.platform.arch", "node.board". */
  field: string;
  operator: '==' | '!=';
  value: string;
}

export interface UpdateConfig {
  /** Tasks updated at once; 0 = all at once. Default 1. */
  parallelism: number;
  /** Pause between batches, ms. Default 0. */
  delayMs: number;
  /** How long an updated task must run (and be healthy) before it counts, ms. Default 5000. */
  monitorMs: number;
  failureAction: FailureAction;
  /** Fraction of tasks allowed to fail during an update before failureAction. Default 0. */
  maxFailureRatio: number;
  order: UpdateOrder;
}

export interface HealthCheck {
  /** argv run inside the container; exit 0 = healthy. */
  command: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

export interface PortPublish {
  /** Port on the node's address (host mode). */
  published: number;
  /** Port inside the container. */
  target: number;
  protocol: 'tcp' | 'udp';
}

export interface MountSpec {
  type: 'bind' | 'volume';
  /** Host path for bind; volume name for volume. */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ServiceSpec {
  name: string;
  image: string;
  /** Overrides the image's entrypoint+cmd when non-empty. */
  command: string[];
  env: Record<string, string>;
  mode: ServiceMode;
  /** For replicated modes; ignored for global modes. */
  replicas: number;
  placement: {
    constraints: PlacementConstraint[];
    /** Spread tasks evenly over the values of these node labels, in order ("node.labels.zone"). */
    spreadOver: string[];
    /** 0 = unlimited. */
    maxReplicasPerNode: number;
  };
  resources: {
    /** Bytes the scheduler reserves on a node for each task; 0 = none. */
    memoryReservationBytes: number;
    /** cgroup memory limit, bytes; 0 = none. */
    memoryLimitBytes: number;
    /** CPUs (1.5 = one and a half cores); 0 = none. */
    cpuLimit: number;
    /** 0 = none. */
    pidsLimit: number;
  };
  restartPolicy: { condition: RestartCondition; delayMs: number; maxAttempts: number; windowMs: number };
  update: UpdateConfig;
  rollback: UpdateConfig;
  healthCheck: HealthCheck | null;
  ports: PortPublish[];
  mounts: MountSpec[];
  labels: Record<string, string>;
}

export interface ServiceRecord {
  id: string;
  spec: ServiceSpec;
  /** The spec before the last update, for `service rollback`. */
  previousSpec: ServiceSpec | null;
  /**
   * Names the spec the tasks run: a change that rolls the tasks takes a new
   * number, a rollback takes back the number of the spec it restores (see
   * changeSpec). Tasks carry the version they were made from.
   */
  specVersion: number;
  /** The version previousSpec had. Absent with no previous spec, and in records written before it existed. */
  previousSpecVersion?: number;
  /** The highest version this service ever had, so a number never names two specs. Absent in records written before it existed (then: specVersion). */
  specVersionMax?: number;
  createdAtMs: number;
  updatedAtMs: number;
  updateStatus: { state: 'none' | 'updating' | 'paused' | 'completed' | 'rolling-back' | 'rolled-back'; message: string; startedAtMs: number };
}

export interface SpecChange {
  spec: ServiceSpec;
  /** Restoring previousSpec (`service rollback`, or an update's failure action). */
  rollback: boolean;
  /** What the tasks run changed (or a forced update): they must be replaced. */
  rolls: boolean;
  atMs: number;
}

/**
 * A service after `service update`, `scale` or `rollback`: what the store's
 * service.update applies, and what the orchestrator's rollbackService means.
 * A change that rolls takes a version never used before; a rollback takes
 * back the version of the spec it restores, so tasks still running that
 * spec (the ones the update never reached) are current again and stay, as
 * swarmkit does with PreviousSpecVersion. A rollback is not itself rolled
 * back: it leaves no previous spec.
 */
export function changeSpec(service: ServiceRecord, change: SpecChange): ServiceRecord {
  const highest = Math.max(service.specVersion, service.specVersionMax ?? 0);
  let specVersion = service.specVersion;
  if (change.rolls) specVersion = change.rollback && service.previousSpecVersion !== undefined ? service.previousSpecVersion : highest + 1;
  // Rebuilt without previousSpecVersion: a snapshot is CBOR, which must not carry an undefined field.
  const { previousSpecVersion: _replaced, ...unchanged } = service;
  return {
    ...unchanged,
    spec: change.spec,
    previousSpec: change.rollback ? null : service.spec,
    ...(change.rollback ? {} : { previousSpecVersion: service.specVersion }),
    specVersion,
    specVersionMax: Math.max(highest, specVersion),
    updatedAtMs: change.atMs,
    updateStatus: change.rolls ? { state: change.rollback ? 'rolling-back' : 'updating', message: '', startedAtMs: change.atMs } : service.updateStatus,
  };
}

/** States only move forward, in this order (swarmkit's task model). */
export const taskStates = [
  'new', 'pending', 'assigned', 'accepted', 'preparing', 'starting', 'running',
  'complete', 'shutdown', 'failed', 'rejected', 'orphaned',
] as const;
export type TaskState = (typeof taskStates)[number];
export type DesiredTaskState = 'running' | 'shutdown' | 'complete';

export interface TaskRecord {
  id: string;
  serviceId: string;
  /** Replica slot (1..N) for replicated modes; 0 for global tasks (one per node). */
  slot: number;
  /** Node the task runs on; '' until the scheduler assigns it. For global tasks, set at creation. */
  nodeId: string;
  specVersion: number;
  /** Fencing: increases each time a slot gets a new task, so a stale task of an old generation is never kept. */
  generation: number;
  desiredState: DesiredTaskState;
  state: TaskState;
  /** Why the task is where it is: scheduler's explanation when pending, runtime error when failed. */
  message: string;
  error: string;
  exitCode: number | null;
  containerId: string;
  createdAtMs: number;
  updatedAtMs: number;
  /** Restart bookkeeping for the restart policy. */
  restartCount: number;
  /** Last health the agent reported, when the service has a health check. */
  health?: 'starting' | 'healthy' | 'unhealthy';
}

export function taskStateRank(state: TaskState): number {
  return taskStates.indexOf(state);
}

/** A terminal state: the task will not run again (a new task replaces it). */
export function isTerminal(state: TaskState): boolean {
  return taskStateRank(state) >= taskStateRank('complete');
}

export function defaultUpdateConfig(): UpdateConfig {
  return { parallelism: 1, delayMs: 0, monitorMs: 5000, failureAction: 'pause', maxFailureRatio: 0, order: 'stop-first' };
}

export function defaultServiceSpec(name: string, image: string): ServiceSpec {
  return {
    name,
    image,
    command: [],
    env: {},
    mode: 'replicated',
    replicas: 1,
    placement: { constraints: [], spreadOver: [], maxReplicasPerNode: 0 },
    resources: { memoryReservationBytes: 0, memoryLimitBytes: 0, cpuLimit: 0, pidsLimit: 0 },
    restartPolicy: { condition: 'any', delayMs: 5000, maxAttempts: 0, windowMs: 0 },
    update: defaultUpdateConfig(),
    rollback: { ...defaultUpdateConfig(), failureAction: 'pause' },
    healthCheck: null,
    ports: [],
    mounts: [],
    labels: {},
  };
}
