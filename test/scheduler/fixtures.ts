// Builders for scheduler inputs: a node, a service, a pending task and a
// placed task, with defaults that keep each test down to what it is about.
import { defaultServiceSpec, type ServiceSpec, type TaskRecord } from '../../runtime/store/services.js';
import type { NodeRecord } from '../../runtime/store/state.js';
import { schedulableNode, type Decision, type PendingTask, type PlacedTask, type SchedulableNode } from '../../runtime/scheduler/index.js';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export interface NodeOptions {
  hostname?: string;
  role?: NodeRecord['role'];
  labels?: Record<string, string>;
  availability?: NodeRecord['availability'];
  status?: NodeRecord['status'];
  arch?: string;
  os?: string;
  board?: string;
  allocatableMemoryBytes?: number;
}

export function node(id: string, options: NodeOptions = {}): SchedulableNode {
  const record: NodeRecord = {
    id,
    hostname: options.hostname ?? id,
    role: options.role ?? 'worker',
    raftId: 0,
    addr: `${id}:4242`,
    labels: options.labels ?? {},
    availability: options.availability ?? 'active',
    status: options.status ?? 'ready',
    statusMessage: '',
    statusChangedAtMs: 0,
    certSerials: [],
    platform: { os: options.os ?? 'linux', arch: options.arch ?? 'arm64' },
    board: options.board ?? 'pi4b',
    memoryBytes: 4 * GiB,
    allocatableBytes: options.allocatableMemoryBytes ?? 3 * GiB,
    cores: 4,
    joinedAtMs: 0,
  };
  return schedulableNode(record);
}

export function service(name: string, change: (spec: ServiceSpec) => void = () => {}): ServiceSpec {
  const spec = defaultServiceSpec(name, `registry.local/${name}:1`);
  change(spec);
  return spec;
}

export function task(id: string, serviceId: string, slot: number, nodeId = ''): TaskRecord {
  return {
    id, serviceId, slot, nodeId, specVersion: 1, generation: 1, desiredState: 'running', state: 'pending',
    message: '', error: '', exitCode: null, containerId: '', createdAtMs: 0, updatedAtMs: 0, restartCount: 0,
  };
}

/** `count` pending tasks of one service, ids `${serviceId}.1`…, sharing one spec object. */
export function replicas(serviceId: string, spec: ServiceSpec, count: number, firstSlot = 1): PendingTask[] {
  return Array.from({ length: count }, (_, i) => ({ task: task(`${serviceId}.${firstSlot + i}`, serviceId, firstSlot + i), service: spec }));
}

export function placed(taskId: string, serviceId: string, nodeId: string, options: Partial<PlacedTask> = {}): PlacedTask {
  return { taskId, serviceId, nodeId, slot: 1, memoryReservationBytes: 0, ports: [], ...options };
}

/** Node id → number of placed decisions on it, keys sorted. */
export function perNode(decisions: readonly Decision[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const decision of decisions) if (decision.kind === 'placed') counts[decision.nodeId] = (counts[decision.nodeId] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([left], [right]) => (left < right ? -1 : 1)));
}

export function reasonOf(decision: Decision | undefined): string {
  if (decision === undefined || decision.kind !== 'pending') throw new Error(`expected a pending decision, got ${JSON.stringify(decision)}`);
  return decision.reason;
}
