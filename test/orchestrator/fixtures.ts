// Builders and a small cluster harness for orchestrator tests: records with
// defaults, a stand-in placer (fewest tasks first, preset nodes honoured, a
// max→min rebalance), counter ids, and a Cluster that applies reconcile's
// actions, runs the scheduler stage and plays the agents' part on request.
import { changeSpec, defaultServiceSpec, isTerminal, taskStateRank, type ServiceRecord, type ServiceSpec, type TaskRecord, type TaskState } from '../../runtime/store/services.js';
import type { NodeRecord } from '../../runtime/store/state.js';
import {
  applyActions, defaultOrchestratorConfig, plan, schedulingActions,
  type Action, type Decision, type Move, type OrchestratorConfig, type Placer, type Plan, type ReconcileOptions,
} from '../../runtime/orchestrator/index.js';
import { Pass } from '../../runtime/orchestrator/pass.js';

export const GiB = 1024 * 1024 * 1024;

export function makeNode(id: string, patch: Partial<NodeRecord> = {}): NodeRecord {
  // The store is growing an allocatable-memory field; spread from a variable so this builds with or without it.
  const allocatable = { allocatableBytes: 2 * GiB };
  return {
    ...allocatable,
    id,
    hostname: id,
    role: 'worker',
    raftId: 0,
    addr: `${id}:4242`,
    labels: {},
    availability: 'active',
    status: 'ready',
    statusMessage: '',
    statusChangedAtMs: 0,
    certSerials: [],
    platform: { os: 'linux', arch: 'arm64' },
    board: 'pi4b',
    memoryBytes: 4 * GiB,
    cores: 4,
    joinedAtMs: 0,
    ...patch,
  };
}

export function makeSpec(patch: Partial<ServiceSpec> = {}): ServiceSpec {
  const base = defaultServiceSpec('web', 'registry.local/web:1');
  return { ...base, restartPolicy: { ...base.restartPolicy, delayMs: 0 }, update: { ...base.update, monitorMs: 0 }, rollback: { ...base.rollback, monitorMs: 0 }, ...patch };
}

export function makeService(id: string, spec: Partial<ServiceSpec> = {}, patch: Partial<ServiceRecord> = {}): ServiceRecord {
  return {
    id,
    spec: makeSpec({ name: id, ...spec }),
    previousSpec: null,
    specVersion: 1,
    createdAtMs: 0,
    updatedAtMs: 0,
    updateStatus: { state: 'none', message: '', startedAtMs: 0 },
    ...patch,
  };
}

export function makeTask(id: string, patch: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id,
    serviceId: 'web',
    slot: 1,
    nodeId: '',
    specVersion: 1,
    generation: 1,
    desiredState: 'running',
    state: 'new',
    message: '',
    error: '',
    exitCode: null,
    containerId: '',
    createdAtMs: 0,
    updatedAtMs: 0,
    restartCount: 0,
    ...patch,
  };
}

function fieldOf(node: NodeRecord, field: string): string | undefined {
  if (field === 'node.id') return node.id;
  if (field === 'node.hostname') return node.hostname;
  if (field === 'node.role') return node.role;
  if (field.startsWith('node.labels.')) return node.labels[field.slice('node.labels.'.length)];
  return undefined;
}

export function matchesConstraints(spec: ServiceSpec, node: NodeRecord): boolean {
  return spec.placement.constraints.every((constraint) => (fieldOf(node, constraint.field) === constraint.value) === (constraint.operator === '=='));
}

/** Stand-in for the scheduler: enough to drive the orchestrator, nothing clever. */
export const testPlacer: Placer = {
  matches: matchesConstraints,
  place(input): Decision[] {
    const load = new Map<string, number>();
    const memory = new Map<string, number>();
    for (const entry of input.nodes) memory.set(entry.node.id, entry.allocatableMemoryBytes);
    for (const task of input.placed) {
      load.set(task.nodeId, (load.get(task.nodeId) ?? 0) + 1);
      memory.set(task.nodeId, (memory.get(task.nodeId) ?? 0) - task.memoryReservationBytes);
    }
    return input.pending.map(({ task, service }): Decision => {
      const need = service.resources.memoryReservationBytes;
      const candidates = input.nodes
        .map((entry) => entry.node)
        .filter((node) => node.status === 'ready' && node.availability === 'active' && matchesConstraints(service, node))
        .filter((node) => (task.nodeId === '' || task.nodeId === node.id) && (memory.get(node.id) ?? 0) >= need)
        .sort((left, right) => (load.get(left.id) ?? 0) - (load.get(right.id) ?? 0) || (left.id < right.id ? -1 : 1));
      const chosen = candidates[0];
      if (chosen === undefined) return { kind: 'pending', taskId: task.id, reason: 'no suitable node' };
      load.set(chosen.id, (load.get(chosen.id) ?? 0) + 1);
      memory.set(chosen.id, (memory.get(chosen.id) ?? 0) - need);
      return { kind: 'placed', taskId: task.id, nodeId: chosen.id };
    });
  },
  rebalance(input): Move[] {
    const eligible = input.nodes
      .map((entry) => entry.node)
      .filter((node) => node.status === 'ready' && node.availability === 'active' && matchesConstraints(input.service.spec, node));
    if (eligible.length < 2) return [];
    const byNode = new Map<string, string[]>(eligible.map((node) => [node.id, []]));
    for (const task of input.placed) if (task.serviceId === input.service.serviceId) byNode.get(task.nodeId)?.push(task.taskId);
    const moves: Move[] = [];
    while (moves.length < input.movesMax) {
      const sorted = [...byNode].sort((left, right) => left[1].length - right[1].length || (left[0] < right[0] ? -1 : 1));
      const [targetId, target] = sorted[0]!;
      const [sourceId, source] = sorted[sorted.length - 1]!;
      if (source.length - target.length < 2) break;
      const taskId = source.sort().pop()!;
      target.push(taskId);
      moves.push({ taskId, sourceNodeId: sourceId, targetNodeId: targetId });
    }
    return moves;
  },
};

export function counterIds(prefix = 't'): () => string {
  let next = 0;
  return () => `${prefix}${++next}`;
}

export function testOptions(config: Partial<OrchestratorConfig> = {}, placer: Placer = testPlacer): ReconcileOptions {
  return { config: { ...defaultOrchestratorConfig(), ...config }, placer, newTaskId: counterIds(), allocatableMemoryBytes: () => 2 * GiB };
}

/** The agent's part: one forward state change, as a status report would make it. */
export function reported(task: TaskRecord, state: TaskState, nowMs: number, extra: Partial<TaskRecord> = {}): TaskRecord {
  if (taskStateRank(state) < taskStateRank(task.state)) return task;
  return { ...task, state, updatedAtMs: nowMs, ...extra };
}

export class Cluster {
  services: ServiceRecord[];
  tasks: TaskRecord[] = [];
  nodes: NodeRecord[];
  nowMs: number;
  readonly options: ReconcileOptions;

  constructor(setup: { nodes: NodeRecord[]; services: ServiceRecord[]; nowMs?: number; config?: Partial<OrchestratorConfig>; placer?: Placer }) {
    this.nodes = setup.nodes;
    this.services = setup.services;
    this.nowMs = setup.nowMs ?? 1_000;
    this.options = testOptions({ rebalanceEnabled: false, ...setup.config }, setup.placer);
  }

  input(): { services: ServiceRecord[]; tasks: TaskRecord[]; nodes: NodeRecord[]; nowMs: number } {
    return { services: this.services, tasks: this.tasks, nodes: this.nodes, nowMs: this.nowMs };
  }

  plan(): Plan {
    return plan(this.input(), this.options);
  }

  apply(actions: readonly Action[]): void {
    const next = applyActions(this, actions);
    this.services = next.services;
    this.tasks = next.tasks;
  }

  /** reconcile and apply; returns what it did. */
  reconcile(): Action[] {
    const { actions } = this.plan();
    this.apply(actions);
    return actions;
  }

  schedule(): Action[] {
    const actions = schedulingActions(this.input(), { placer: this.options.placer, allocatableMemoryBytes: this.options.allocatableMemoryBytes, predecessorStopWaitMs: this.options.config.predecessorStopWaitMs });
    this.apply(actions);
    return actions;
  }

  task(id: string): TaskRecord {
    const task = this.tasks.find((candidate) => candidate.id === id);
    if (task === undefined) throw new Error(`no task ${id}`);
    return task;
  }

  service(id: string): ServiceRecord {
    const service = this.services.find((candidate) => candidate.id === id);
    if (service === undefined) throw new Error(`no service ${id}`);
    return service;
  }

  report(id: string, state: TaskState, extra: Partial<TaskRecord> = {}): void {
    this.tasks = this.tasks.map((task) => (task.id === id ? reported(task, state, this.nowMs, extra) : task));
  }

  /** Agents start every assigned task that is wanted, and stop every one that is not. */
  runAgents(extra: (task: TaskRecord) => Partial<TaskRecord> = () => ({})): void {
    this.tasks = this.tasks.map((task) => {
      if (isTerminal(task.state) || taskStateRank(task.state) < taskStateRank('assigned')) return task;
      const node = this.nodes.find((candidate) => candidate.id === task.nodeId);
      if (node === undefined || node.status !== 'ready') return task;
      if (task.desiredState === 'shutdown') return reported(task, 'shutdown', this.nowMs);
      return task.state === 'running' ? task : reported(task, 'running', this.nowMs, extra(task));
    });
  }

  /** reconcile, schedule and run agents until nothing changes (time does not move). */
  settle(roundsMax = 20): void {
    for (let round = 0; round < roundsMax; round++) {
      const before = JSON.stringify([this.services, this.tasks]);
      this.reconcile();
      this.schedule();
      this.runAgents();
      if (JSON.stringify([this.services, this.tasks]) === before) return;
    }
    throw new Error('cluster did not settle');
  }

  advance(ms: number): void {
    this.nowMs += ms;
  }

  setNode(id: string, patch: Partial<NodeRecord>): void {
    this.nodes = this.nodes.map((node) => (node.id === id ? { ...node, ...patch } : node));
  }

  setService(id: string, patch: Partial<ServiceRecord>): void {
    this.services = this.services.map((service) => (service.id === id ? { ...service, ...patch } : service));
  }

  /** `service update` as the control API should do it: a new version and a fresh update status. */
  updateSpec(id: string, patch: Partial<ServiceSpec>): void {
    const service = this.service(id);
    this.setService(id, changeSpec(service, { spec: { ...service.spec, ...patch }, rollback: false, rolls: true, atMs: this.nowMs }));
  }

  /** `service scale`: no new version, so no task restarts. */
  scale(id: string, replicas: number): void {
    const service = this.service(id);
    this.setService(id, { spec: { ...service.spec, replicas }, updatedAtMs: this.nowMs });
  }

  tasksOf(serviceId: string): TaskRecord[] {
    return this.tasks.filter((task) => task.serviceId === serviceId);
  }

  live(serviceId: string): TaskRecord[] {
    return this.tasksOf(serviceId).filter((task) => task.desiredState !== 'shutdown');
  }

  running(serviceId: string): TaskRecord[] {
    return this.live(serviceId).filter((task) => task.state === 'running');
  }
}

/** Runs one stage alone on the cluster (not applied), for tests of a single reconciler. */
export function runStage(stage: (pass: Pass) => void, cluster: Cluster): Action[] {
  const pass = new Pass(cluster.input(), cluster.options);
  stage(pass);
  return pass.actions;
}

/** Every task with desired state other than shutdown, grouped by slot (replica number or node). */
export function liveBySlot(tasks: readonly TaskRecord[], serviceId: string): Map<string, TaskRecord[]> {
  const bySlot = new Map<string, TaskRecord[]>();
  for (const task of tasks) {
    if (task.serviceId !== serviceId || task.desiredState === 'shutdown') continue;
    const key = task.slot > 0 ? String(task.slot) : task.nodeId;
    bySlot.set(key, [...(bySlot.get(key) ?? []), task]);
  }
  return bySlot;
}

export function created(actions: readonly Action[]): TaskRecord[] {
  return actions.flatMap((action) => (action.kind === 'createTask' ? [action.task] : []));
}

export function shutDownIds(actions: readonly Action[]): string[] {
  return actions.flatMap((action) => (action.kind === 'setDesiredState' && action.desiredState === 'shutdown' ? [action.taskId] : []));
}
