// Applying service and task commands. The same rules as node commands:
// deterministic, bounded, and a command that does not fit changes nothing.
import type { ApplyResult } from './apply.js';
import type { Command } from './commands.js';
import { changeSpec, isTerminal, taskStateRank, type TaskRecord } from './services.js';
import { storeLimits, type ClusterState } from './state.js';

const ok = (value?: unknown): ApplyResult => ({ ok: true, value });
const refused = (code: string, message: string): ApplyResult => ({ ok: false, code, message });

type ServiceCommand = Extract<Command, { op: `service.${string}` | `task.${string}` }>;

function updateTask(state: ClusterState, command: Extract<Command, { op: 'task.update' }>): ApplyResult {
  const task = state.tasks[command.id];
  if (!task) return refused('EDGE_STORE_TASK_UNKNOWN', `no task ${command.id}`);
  const change = command.change;
  // Observed state only moves forward: a late report of an older state is ignored, not an error.
  if (change.state !== undefined && taskStateRank(change.state) < taskStateRank(task.state)) return ok({ ignored: true });
  if (change.state !== undefined && isTerminal(task.state) && change.state !== task.state) return ok({ ignored: true });
  // updatedAtMs means "observed since": only what the agent reports (state, health) moves it.
  const observed = (change.state !== undefined && change.state !== task.state) || (change.health !== undefined && change.health !== task.health);
  const next: TaskRecord = { ...task, ...change, updatedAtMs: observed ? command.atMs : task.updatedAtMs };
  state.tasks[command.id] = next;
  return ok();
}

export function applyServiceCommand(state: ClusterState, command: ServiceCommand): ApplyResult {
  switch (command.op) {
    case 'service.create': {
      const service = command.service;
      if (state.services[service.id]) return refused('EDGE_STORE_SERVICE_EXISTS', `service id ${service.id} exists`);
      if (Object.values(state.services).some((other) => other.spec.name === service.spec.name)) {
        return refused('EDGE_SERVICE_NAME_TAKEN', `a service named ${service.spec.name} exists already: update it (edgectl service update) or remove it first`);
      }
      if (Object.keys(state.services).length >= storeLimits.servicesMax) return refused('EDGE_STORE_FULL', `the cluster already has ${storeLimits.servicesMax} services`);
      state.services[service.id] = service;
      return ok({ id: service.id });
    }
    case 'service.update': {
      const service = state.services[command.id];
      if (!service) return refused('EDGE_SERVICE_NOT_FOUND', `no service ${command.id}`);
      if (command.spec.name !== service.spec.name) return refused('EDGE_SERVICE_RENAME', 'a service cannot be renamed: create a new one');
      // Absent `rolls` (older entries) means the tasks roll, as before the field existed.
      const next = changeSpec(service, { spec: command.spec, rollback: command.rollback, rolls: command.rolls ?? true, atMs: command.atMs });
      state.services[command.id] = next;
      const specVersion = next.specVersion;
      return ok({ specVersion });
    }
    case 'service.status': {
      const service = state.services[command.id];
      if (!service) return refused('EDGE_SERVICE_NOT_FOUND', `no service ${command.id}`);
      service.updateStatus = { ...command.status };
      return ok();
    }
    case 'service.remove': {
      if (!state.services[command.id]) return refused('EDGE_SERVICE_NOT_FOUND', `no service ${command.id}`);
      delete state.services[command.id];
      // Its tasks stay until their agents report them gone; the orchestrator shuts them down.
      for (const task of Object.values(state.tasks)) if (task.serviceId === command.id && task.desiredState === 'running') task.desiredState = 'shutdown';
      return ok();
    }
    case 'task.create': {
      if (state.tasks[command.task.id]) return refused('EDGE_STORE_TASK_EXISTS', `task ${command.task.id} exists`);
      if (!state.services[command.task.serviceId]) return refused('EDGE_SERVICE_NOT_FOUND', `no service ${command.task.serviceId}`);
      if (Object.keys(state.tasks).length >= storeLimits.tasksMax) return refused('EDGE_STORE_FULL', `the cluster already has ${storeLimits.tasksMax} tasks`);
      state.tasks[command.task.id] = command.task;
      return ok();
    }
    case 'task.update':
      return updateTask(state, command);
    case 'task.remove':
      delete state.tasks[command.id];
      return ok();
  }
}
