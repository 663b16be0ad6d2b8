// What must hold in the simulated cluster, written independently of the
// orchestrator's own code so a bug there cannot hide itself here.
import { isTerminal, taskStateRank, type ServiceRecord, type TaskRecord } from '../../runtime/store/services.js';
import type { NodeRecord } from '../../runtime/store/state.js';
import type { Action } from '../../runtime/orchestrator/index.js';
import { matchesConstraints } from './fixtures.js';

export interface SimView {
  readonly services: ServiceRecord[];
  readonly tasks: TaskRecord[];
  readonly nodes: NodeRecord[];
  readonly nowMs: number;
  readonly options: { readonly config: { readonly taskHistoryPerSlotMax: number } };
}

const desiredOrder = ['running', 'complete', 'shutdown'];

function slotOf(task: TaskRecord): string {
  return `${task.serviceId}/${task.slot > 0 ? task.slot : `node:${task.nodeId}`}`;
}

function fail(message: string): never {
  throw new Error(`invariant: ${message}`);
}

export class InvariantChecker {
  private readonly seen = new Map<string, { state: number; desired: number }>();

  constructor(private readonly view: SimView) {}

  /** The control plane itself moved this task back (a revived stale task); start tracking it afresh. */
  forget(taskId: string): void {
    this.seen.delete(taskId);
  }

  /** New tasks: preset nodes take tasks, and each new task is the newest generation of its slot. */
  checkActions(actions: readonly Action[]): void {
    const generations = new Map<string, number>();
    for (const task of this.view.tasks) generations.set(slotOf(task), Math.max(generations.get(slotOf(task)) ?? 0, task.generation));
    // A rollback earlier in the same pass changes the spec later tasks are judged by.
    const specs = new Map(this.view.services.map((service) => [service.id, service.spec]));
    for (const action of actions) {
      if (action.kind === 'rollbackService') {
        const previous = this.view.services.find((service) => service.id === action.serviceId)?.previousSpec;
        if (previous) specs.set(action.serviceId, previous);
      }
      if (action.kind !== 'createTask') continue;
      const task = action.task;
      const slot = slotOf(task);
      if (task.generation <= (generations.get(slot) ?? 0)) fail(`task ${task.id} in ${slot} has generation ${task.generation}, not above ${generations.get(slot)}`);
      generations.set(slot, task.generation);
      if (task.nodeId !== '') this.checkTakesTasks(task, task.nodeId, `created (${task.message}) on`, specs.get(task.serviceId));
    }
  }

  /** The scheduler stage only assigns to nodes that are ready, active and match. */
  checkAssignments(actions: readonly Action[]): void {
    for (const action of actions) {
      if (action.kind !== 'assignTask') continue;
      const task = this.view.tasks.find((candidate) => candidate.id === action.taskId);
      if (task !== undefined) this.checkTakesTasks(task, action.nodeId, 'assigned to');
    }
  }

  private checkTakesTasks(task: TaskRecord, nodeId: string, verb: string, spec = this.view.services.find((candidate) => candidate.id === task.serviceId)?.spec): void {
    const node = this.view.nodes.find((candidate) => candidate.id === nodeId);
    if (node === undefined || node.status !== 'ready' || node.availability !== 'active') fail(`task ${task.id} ${verb} ${nodeId}, which is ${node === undefined ? 'gone' : `${node.status}/${node.availability}`}`);
    if (spec !== undefined && !matchesConstraints(spec, node)) fail(`task ${task.id} ${verb} ${nodeId}, which does not match its constraints`);
  }

  /** Live tasks per slot before a pass, for checkWeak. */
  liveCounts(): Map<string, number> {
    return new Map([...this.liveBySlot()].map(([slot, live]) => [slot, live.length]));
  }

  /** After any prefix of a pass: no slot got worse than it was, and none holds more than two live tasks unless it already did. */
  checkWeak(before: Map<string, number>): void {
    for (const [slot, live] of this.liveBySlot()) {
      if (live.length > Math.max(2, before.get(slot) ?? 0)) fail(`slot ${slot} has ${live.length} live tasks after part of a pass: ${live.map((task) => task.id).join(', ')}`);
    }
  }

  /** After a whole pass is applied. */
  checkAfterReconcile(): void {
    for (const [slot, live] of this.liveBySlot()) this.checkSlot(slot, live);
    const history = new Map<string, number>();
    for (const task of this.view.tasks) {
      const service = this.view.services.find((candidate) => candidate.id === task.serviceId);
      const live = task.desiredState !== 'shutdown';
      if (service === undefined && live) fail(`task ${task.id} of removed service ${task.serviceId} is still wanted`);
      if (live && !isTerminal(task.state) && task.nodeId !== '') {
        const node = this.view.nodes.find((candidate) => candidate.id === task.nodeId);
        if (node === undefined || node.status === 'down' || node.availability === 'drain') fail(`live task ${task.id} sits on ${task.nodeId} (${node === undefined ? 'gone' : `${node.status}/${node.availability}`})`);
      }
      if (!live && isTerminal(task.state)) history.set(slotOf(task), (history.get(slotOf(task)) ?? 0) + 1);
    }
    for (const [slot, count] of history) {
      const service = this.view.services.find((candidate) => slot.startsWith(`${candidate.id}/`));
      const bound = this.view.options.config.taskHistoryPerSlotMax + (service?.spec.restartPolicy.maxAttempts ?? 0);
      if (count > bound) fail(`slot ${slot} keeps ${count} ended tasks, more than ${bound}`);
    }
  }

  /** One live task per slot, or two during a start-first handover that has not finished. */
  private checkSlot(slot: string, live: TaskRecord[]): void {
    if (live.length <= 1) return;
    if (live.length > 2) fail(`slot ${slot} has ${live.length} live tasks: ${live.map((task) => task.id).join(', ')}`);
    const [older, newer] = live.sort((left, right) => left.generation - right.generation) as [TaskRecord, TaskRecord];
    const node = this.view.nodes.find((candidate) => candidate.id === older.nodeId);
    const service = this.view.services.find((candidate) => candidate.id === newer.serviceId);
    const label = `slot ${slot} keeps ${older.id} (g${older.generation}) beside ${newer.id} (g${newer.generation})`;
    if (isTerminal(older.state)) fail(`${label} although ${older.id} has ended`);
    if (node === undefined || node.status !== 'ready' || node.availability === 'drain') fail(`${label} although its node is ${node === undefined ? 'gone' : `${node.status}/${node.availability}`}`);
    if (node.statusChangedAtMs > newer.createdAtMs) fail(`${label} although its node came back after ${newer.id} was created`);
    if (service === undefined) return;
    const config = service.updateStatus.state === 'rolling-back' ? service.spec.rollback : service.spec.update;
    const healthy = service.spec.healthCheck === null || newer.health === 'healthy';
    if (newer.state === 'running' && healthy && this.view.nowMs - newer.updatedAtMs >= config.monitorMs) fail(`${label} although ${newer.id} is stable`);
  }

  /** Observed and desired states never move backwards. */
  checkMonotonic(): void {
    for (const task of this.view.tasks) {
      const now = { state: taskStateRank(task.state), desired: desiredOrder.indexOf(task.desiredState) };
      const before = this.seen.get(task.id);
      if (before !== undefined && (now.state < before.state || now.desired < before.desired)) fail(`task ${task.id} moved backwards to ${task.state}/${task.desiredState}`);
      this.seen.set(task.id, now);
    }
  }

  private liveBySlot(): Map<string, TaskRecord[]> {
    const bySlot = new Map<string, TaskRecord[]>();
    for (const task of this.view.tasks) {
      if (task.desiredState === 'shutdown') continue;
      const list = bySlot.get(slotOf(task)) ?? [];
      list.push(task);
      bySlot.set(slotOf(task), list);
    }
    return bySlot;
  }
}
