// What each node must run, kept current from the store's changes. The
// dispatcher used to rebuild every connected node's list from all tasks and
// compare it as JSON on every change: O(nodes × tasks) per committed entry.
// Here a task change touches at most two nodes (the one it left and the one
// it is on) and a service change touches the nodes running that service.
import { isTerminal, type ServiceRecord, type ServiceSpec, type TaskRecord } from '../store/services.js';
import type { Command } from '../store/commands.js';
import type { ClusterState } from '../store/state.js';
import type { Assignment, RunSpec } from '../wire/messages/dispatcher.js';

export function runSpecOf(spec: ServiceSpec): RunSpec {
  return {
    image: spec.image,
    command: spec.command,
    env: spec.env,
    memoryLimitBytes: spec.resources.memoryLimitBytes,
    cpuLimit: spec.resources.cpuLimit,
    pidsLimit: spec.resources.pidsLimit,
    ports: spec.ports,
    mounts: spec.mounts,
    ...(spec.healthCheck ? { healthCheck: spec.healthCheck } : {}),
    restartPolicy: spec.restartPolicy,
  };
}

/** A node is told about its tasks from assignment until they finish. */
function isAssigned(task: TaskRecord): boolean {
  return task.nodeId !== '' && !isTerminal(task.state) && task.state !== 'new' && task.state !== 'pending';
}

/** A task runs the spec it was made from: the previous one while an update has not reached it. */
function specOfVersion(service: ServiceRecord, task: TaskRecord): ServiceSpec {
  if (task.specVersion !== service.specVersion && service.previousSpec) return service.previousSpec;
  return service.spec;
}

function sameAssignment(left: Assignment, right: Assignment): boolean {
  return (
    left.serviceId === right.serviceId &&
    left.serviceName === right.serviceName &&
    left.slot === right.slot &&
    left.generation === right.generation &&
    left.specVersion === right.specVersion &&
    left.desiredState === right.desiredState &&
    // A new spec object (any service.update, a scale too) usually runs the same; compare its content only then.
    (left.spec === right.spec || JSON.stringify(left.spec) === JSON.stringify(right.spec))
  );
}

export class AssignmentIndex {
  private readonly byNode = new Map<string, Map<string, Assignment>>();
  /** Where each indexed task is listed, to find it again when it moves or ends. */
  private readonly nodeOfTask = new Map<string, string>();
  /** Indexed tasks per service, for the service changes that alter their assignments. */
  private readonly tasksOfService = new Map<string, Set<string>>();
  /** Nodes whose list changed since the last `takeChangedNodes()`. */
  private readonly changedNodes = new Set<string>();
  /** One RunSpec per spec object, shared by all its tasks. */
  private readonly runSpecs = new WeakMap<ServiceSpec, RunSpec>();

  constructor(state: Readonly<ClusterState>) {
    this.rebuild(state);
  }

  /** Follows one applied command; `undefined` (a restored snapshot) rebuilds everything. */
  follow(state: Readonly<ClusterState>, command: Command | undefined): void {
    if (command === undefined) {
      this.rebuild(state);
      return;
    }
    switch (command.op) {
      case 'batch':
        for (const inner of command.commands) this.follow(state, inner);
        return;
      case 'task.create':
        this.refreshTask(state, command.task.id);
        return;
      case 'task.update':
      case 'task.remove':
        this.refreshTask(state, command.id);
        return;
      case 'service.update':
      case 'service.remove':
        for (const taskId of [...(this.tasksOfService.get(command.id) ?? [])]) this.refreshTask(state, taskId);
        return;
      default:
        // Node, token and service-status commands change no assignment; a new service has no tasks yet.
        return;
    }
  }

  /** The node's assignments, sorted by task id (the order the agent has always received). */
  assignmentsOf(nodeId: string): Assignment[] {
    const listed = this.byNode.get(nodeId);
    if (listed === undefined) return [];
    return [...listed.values()].sort((a, b) => (a.taskId < b.taskId ? -1 : 1));
  }

  /** Nodes whose assignments changed since the last call; the set is emptied. */
  takeChangedNodes(): string[] {
    const changed = [...this.changedNodes];
    this.changedNodes.clear();
    return changed;
  }

  private rebuild(state: Readonly<ClusterState>): void {
    const before = [...this.byNode.keys()];
    this.byNode.clear();
    this.nodeOfTask.clear();
    this.tasksOfService.clear();
    for (const task of Object.values(state.tasks)) this.refreshTask(state, task.id);
    // Without knowing what a snapshot changed, every node that had or has tasks is told again.
    for (const nodeId of before) this.changedNodes.add(nodeId);
  }

  private assignmentOf(task: TaskRecord, service: ServiceRecord): Assignment {
    const spec = specOfVersion(service, task);
    let runSpec = this.runSpecs.get(spec);
    if (runSpec === undefined) {
      runSpec = runSpecOf(spec);
      this.runSpecs.set(spec, runSpec);
    }
    return {
      taskId: task.id,
      serviceId: task.serviceId,
      serviceName: service.spec.name,
      slot: task.slot,
      generation: task.generation,
      specVersion: task.specVersion,
      desiredState: task.desiredState,
      spec: runSpec,
    };
  }

  private refreshTask(state: Readonly<ClusterState>, taskId: string): void {
    const task = state.tasks[taskId];
    const service = task === undefined ? undefined : state.services[task.serviceId];
    const next = task !== undefined && service !== undefined && isAssigned(task) ? this.assignmentOf(task, service) : undefined;
    const previousNode = this.nodeOfTask.get(taskId);
    const previous = previousNode === undefined ? undefined : this.byNode.get(previousNode)?.get(taskId);
    if (next !== undefined && previous !== undefined && previousNode === task!.nodeId) {
      if (sameAssignment(previous, next)) return;
      this.byNode.get(previousNode)!.set(taskId, next);
      this.changedNodes.add(previousNode);
      return;
    }
    if (previousNode !== undefined) this.unlist(previousNode, taskId, previous?.serviceId);
    if (next !== undefined) this.list(task!.nodeId, next);
  }

  private list(nodeId: string, assignment: Assignment): void {
    let listed = this.byNode.get(nodeId);
    if (listed === undefined) this.byNode.set(nodeId, (listed = new Map()));
    listed.set(assignment.taskId, assignment);
    this.nodeOfTask.set(assignment.taskId, nodeId);
    let ofService = this.tasksOfService.get(assignment.serviceId);
    if (ofService === undefined) this.tasksOfService.set(assignment.serviceId, (ofService = new Set()));
    ofService.add(assignment.taskId);
    this.changedNodes.add(nodeId);
  }

  private unlist(nodeId: string, taskId: string, serviceId: string | undefined): void {
    const listed = this.byNode.get(nodeId);
    listed?.delete(taskId);
    if (listed?.size === 0) this.byNode.delete(nodeId);
    this.nodeOfTask.delete(taskId);
    if (serviceId !== undefined) {
      const ofService = this.tasksOfService.get(serviceId);
      ofService?.delete(taskId);
      if (ofService?.size === 0) this.tasksOfService.delete(serviceId);
    }
    this.changedNodes.add(nodeId);
  }
}
