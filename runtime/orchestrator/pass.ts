// One reconcile pass: a working copy of the cluster that each stage reads
// and writes through emit(). An emitted action is recorded *and* applied to
// the copy at once, so the next stage (and the next round) sees its effect
// exactly as the store will after applying the same actions.
import { assert } from '../common/assert.js';
import type { ServiceRecord, TaskRecord } from '../store/services.js';
import type { NodeRecord } from '../store/state.js';
import type { Action, UpdateState } from './action.js';
import { applyAction, type ServiceTaskMaps } from './apply.js';
import type { OrchestratorConfig } from './config.js';
import type { Placer } from './placer.js';
import { desiredRunState, groupSlots, isLive, slotKeyOf, type Slot } from './slots.js';

export interface ReconcileInput {
  readonly services: readonly ServiceRecord[];
  readonly tasks: readonly TaskRecord[];
  readonly nodes: readonly NodeRecord[];
  /** The leader's clock, ms. The only time the orchestrator knows. */
  readonly nowMs: number;
}

export interface ReconcileOptions {
  readonly config: OrchestratorConfig;
  readonly placer: Placer;
  /** Returns a fresh, never used task id at each call (the daemon's id generator; a counter in tests). */
  readonly newTaskId: () => string;
  /** Bytes task reservations may take on a node, for the placer's rebalance (from the node's board profile). */
  readonly allocatableMemoryBytes: (node: NodeRecord) => number;
}

/** How a new task comes to be: which slot, which node (global, or a rebalance target), why. */
export interface TaskOrigin {
  readonly slot: number;
  /** '' to let the scheduler choose. */
  readonly nodeId: string;
  readonly restartCount: number;
  /** Becomes the new task's first message. */
  readonly reason: string;
}

export class Pass {
  readonly nowMs: number;
  readonly config: OrchestratorConfig;
  readonly placer: Placer;
  readonly allocatableMemoryBytes: (node: NodeRecord) => number;
  readonly actions: Action[] = [];
  private readonly maps: ServiceTaskMaps;
  private readonly nodeMap: Map<string, NodeRecord>;
  private readonly newTaskId: () => string;
  private readonly taskIdsByService = new Map<string, Set<string>>();
  private readonly slotCache = new Map<string, Slot[]>();
  private readonly generationMax = new Map<string, number>();
  private wake: number | null = null;

  constructor(input: ReconcileInput, options: ReconcileOptions) {
    this.nowMs = input.nowMs;
    this.config = options.config;
    this.placer = options.placer;
    this.allocatableMemoryBytes = options.allocatableMemoryBytes;
    this.newTaskId = options.newTaskId;
    this.maps = {
      services: new Map(input.services.map((service) => [service.id, service])),
      tasks: new Map(input.tasks.map((task) => [task.id, task])),
    };
    assert(this.maps.tasks.size === input.tasks.length, 'task ids are unique');
    this.nodeMap = new Map(input.nodes.map((node) => [node.id, node]));
    for (const task of input.tasks) this.indexTask(task);
  }

  /** The earliest future time at which something becomes due (a restart delay, a monitor period), or null. */
  get wakeAtMs(): number | null {
    return this.wake;
  }

  /** Asks to be called again at `atMs`; times not in the future are ignored. */
  wakeAt(atMs: number): void {
    if (atMs > this.nowMs && (this.wake === null || atMs < this.wake)) this.wake = atMs;
  }

  /** Forgets wake-ups asked for so far (a later round recomputes them on the final state). */
  clearWake(): void {
    this.wake = null;
  }

  emit(action: Action): void {
    const serviceId = this.serviceIdOf(action);
    const applied = applyAction(this.maps, action);
    // A no-op action would come back on the next pass, breaking idempotence: a stage that emits one has a bug.
    assert(applied, `action ${action.kind} changed nothing: ${JSON.stringify(action)}`);
    if (action.kind === 'createTask') this.indexTask(action.task);
    if (action.kind === 'removeTask') this.taskIdsByService.get(serviceId)?.delete(action.taskId);
    this.slotCache.delete(serviceId);
    this.actions.push(action);
  }

  services(): ServiceRecord[] {
    return [...this.maps.services.values()];
  }

  service(id: string): ServiceRecord | undefined {
    return this.maps.services.get(id);
  }

  allTasks(): TaskRecord[] {
    return [...this.maps.tasks.values()];
  }

  task(id: string): TaskRecord | undefined {
    return this.maps.tasks.get(id);
  }

  tasksOf(serviceId: string): TaskRecord[] {
    const ids = this.taskIdsByService.get(serviceId);
    if (ids === undefined) return [];
    return [...ids].map((id) => this.maps.tasks.get(id)!);
  }

  nodes(): NodeRecord[] {
    return [...this.nodeMap.values()];
  }

  node(id: string): NodeRecord | undefined {
    return this.nodeMap.get(id);
  }

  /** The service's slots as the working copy has them now. */
  slotsOf(serviceId: string): readonly Slot[] {
    let slots = this.slotCache.get(serviceId);
    if (slots === undefined) {
      slots = groupSlots(this.tasksOf(serviceId));
      this.slotCache.set(serviceId, slots);
    }
    return slots;
  }

  slotOf(task: TaskRecord): Slot | undefined {
    const key = slotKeyOf(task);
    return this.slotsOf(task.serviceId).find((slot) => slot.key === key);
  }

  /** Sets desired shutdown on a live task; does nothing for one already shutting down. */
  shutDown(task: TaskRecord, reason: string): void {
    const current = this.maps.tasks.get(task.id);
    if (current !== undefined && isLive(current)) this.emit({ kind: 'setDesiredState', taskId: task.id, desiredState: 'shutdown', reason });
  }

  /** Sets the service's update status unless it already reads exactly so. */
  setUpdateStatus(service: ServiceRecord, state: UpdateState, message: string, startedAtMs: number): void {
    const current = service.updateStatus;
    if (current.state === state && current.message === message && current.startedAtMs === startedAtMs) return;
    this.emit({ kind: 'setUpdateStatus', serviceId: service.id, state, message, startedAtMs });
  }

  /** A new task of the service's current spec in the given slot, with the next generation. */
  createTask(service: ServiceRecord, origin: TaskOrigin): TaskRecord {
    const id = this.newTaskId();
    assert(id.length > 0 && !this.maps.tasks.has(id), `newTaskId returned an empty or used id "${id}"`);
    const task: TaskRecord = {
      id,
      serviceId: service.id,
      slot: origin.slot,
      nodeId: origin.nodeId,
      specVersion: service.specVersion,
      generation: this.nextGeneration(service.id),
      desiredState: desiredRunState(service.spec.mode),
      state: 'new',
      message: origin.reason,
      error: '',
      exitCode: null,
      containerId: '',
      createdAtMs: this.nowMs,
      updatedAtMs: this.nowMs,
      restartCount: origin.restartCount,
    };
    this.emit({ kind: 'createTask', task });
    return task;
  }

  /**
   * Replaces `old` by a new task in its slot. The old task is shut down
   * first (so a leader that stops after any prefix of the actions never
   * leaves two live tasks in a slot), unless `keepOld` asks for a
   * start-first handover.
   */
  replaceTask(service: ServiceRecord, old: TaskRecord, origin: Omit<TaskOrigin, 'slot'> & { keepOld: boolean }): TaskRecord {
    if (!origin.keepOld) this.shutDown(old, origin.reason);
    return this.createTask(service, { ...origin, slot: old.slot, reason: `replaces ${old.id}: ${origin.reason}` });
  }

  private nextGeneration(serviceId: string): number {
    let max = this.generationMax.get(serviceId);
    if (max === undefined) max = this.tasksOf(serviceId).reduce((highest, task) => Math.max(highest, task.generation), 0);
    this.generationMax.set(serviceId, max + 1);
    return max + 1;
  }

  private indexTask(task: TaskRecord): void {
    let ids = this.taskIdsByService.get(task.serviceId);
    if (ids === undefined) this.taskIdsByService.set(task.serviceId, (ids = new Set()));
    ids.add(task.id);
    const max = this.generationMax.get(task.serviceId);
    if (max !== undefined && task.generation > max) this.generationMax.set(task.serviceId, task.generation);
  }

  private serviceIdOf(action: Action): string {
    switch (action.kind) {
      case 'createTask':
        return action.task.serviceId;
      case 'setUpdateStatus':
      case 'rollbackService':
        return action.serviceId;
      default:
        return this.maps.tasks.get(action.taskId)?.serviceId ?? '';
    }
  }
}
