// How services and their tasks look: the `service ls` and `service ps`
// tables, `service inspect --pretty`, the JSON forms scripts read, and the
// spec's two shapes (the store's, with healthCheck null, and the wire's,
// where an absent health check is a missing field).
import type { HealthCheck, ServiceSpec } from '../store/services.js';
import { formatBytes, formatConstraint, formatDuration, formatPort } from '../spec/index.js';
import type { ServiceView, TaskView } from '../wire/messages/services.js';
import type { ControlRequest, ControlResponse } from './control-client.js';
import { shortIdChars } from './node-format.js';
import { ago, capitalized, fields, table, type FieldRow } from './output.js';

export type WireSpec = ControlRequest<'service.create'>['spec'];
export type ServiceInspection = ControlResponse<'service.inspect'>;

/** The wire leaves healthCheck out when there is none; the store and runtime/spec say null. */
export function specFromWire(spec: WireSpec): ServiceSpec {
  // The wire's types are readonly; a deep copy is the spec's own to change, which is what ServiceSpec says.
  const copy = structuredClone(spec) as unknown as Omit<ServiceSpec, 'healthCheck'> & { healthCheck?: HealthCheck };
  return { ...copy, healthCheck: copy.healthCheck ?? null };
}

export function specToWire(spec: ServiceSpec): WireSpec {
  const { healthCheck, ...rest } = spec;
  return healthCheck === null ? rest : { ...rest, healthCheck };
}

/** Sorted by name, as `docker service ls` sorts. */
export function sortedServices(services: readonly ServiceView[]): ServiceView[] {
  return [...services].sort((left, right) => left.name.localeCompare(right.name) || left.id.localeCompare(right.id));
}

export function serviceTable(services: readonly ServiceView[]): string {
  const rows = services.map((service) => [
    service.id.slice(0, shortIdChars),
    service.name,
    service.mode,
    `${service.running}/${service.desired}`,
    service.image,
    service.ports,
  ]);
  return table(['ID', 'NAME', 'MODE', 'REPLICAS', 'IMAGE', 'PORTS'], rows);
}

/** "web.3" for a replica, "web.<node id>" for a global task (slot 0, one per node), as docker names them. */
export function taskName(task: TaskView): string {
  if (task.slot > 0) return `${task.service}.${task.slot}`;
  return `${task.service}.${(task.nodeId || task.id).slice(0, shortIdChars)}`;
}

/** What a task's slot is called in tables and progress: replicas by number, global tasks by node. */
function slotKey(task: TaskView): string {
  return `${task.serviceId}/${task.slot > 0 ? String(task.slot).padStart(6, '0') : `node:${task.nodeId || task.id}`}`;
}

/** The task that stands for its slot now: the one still wanted, then the newest spec, then the latest change. */
export function compareCurrentFirst(left: TaskView, right: TaskView): number {
  const wanted = (task: TaskView): number => (task.desiredState === 'shutdown' ? 1 : 0);
  return wanted(left) - wanted(right) || right.specVersion - left.specVersion || right.updatedAtMs - left.updatedAtMs;
}

/** Tasks grouped by slot (in slot order), each group current task first. */
export function tasksBySlot(tasks: readonly TaskView[]): TaskView[][] {
  const groups = new Map<string, TaskView[]>();
  for (const task of tasks) {
    const key = slotKey(task);
    const group = groups.get(key);
    if (group) group.push(task);
    else groups.set(key, [task]);
  }
  return [...groups.entries()].sort(([left], [right]) => left.localeCompare(right)).map(([, group]) => group.sort(compareCurrentFirst));
}

/** Why a task is not running, for the ERROR column and progress lines: its error, else the scheduler's or agent's message. */
export function taskReason(task: TaskView): string {
  if (task.error !== '') return task.error;
  return task.state === 'running' || task.state === 'complete' ? '' : task.message;
}

/** Longest ERROR cell without --no-trunc; the full text is in --json and --no-trunc. */
const errorCellCharsMax = 60;

export interface TaskTableOptions {
  /** Image a task runs (the task view carries none: the caller knows the specs). */
  imageOf: (task: TaskView) => string;
  noTrunc: boolean;
  nowMs: number;
}

/** `service ps`: one group per slot, older tasks of the slot under the current one with "\_", as docker shows history. */
export function taskTable(tasks: readonly TaskView[], options: TaskTableOptions): string {
  const cut = (text: string, chars: number): string => (options.noTrunc || text.length <= chars ? text : `${text.slice(0, chars - 1)}…`);
  const rows = tasksBySlot(tasks).flatMap((group) =>
    group.map((task, index) => [
      options.noTrunc ? task.id : task.id.slice(0, shortIdChars),
      `${index === 0 ? '' : ' \\_ '}${taskName(task)}`,
      options.imageOf(task),
      task.node || (task.nodeId === '' ? '' : task.nodeId.slice(0, shortIdChars)),
      capitalized(task.desiredState),
      `${capitalized(task.state)}${task.state === 'running' && task.health !== undefined ? ` (${task.health})` : ''} ${ago(task.updatedAtMs, options.nowMs)}`,
      cut(taskReason(task), errorCellCharsMax),
    ]),
  );
  return table(['ID', 'NAME', 'IMAGE', 'NODE', 'DESIRED STATE', 'CURRENT STATE', 'ERROR'], rows);
}

/** A task for scripts: every field of the view, its docker-style name, and exitCode null until it exits. */
export function taskJson(task: TaskView): Omit<TaskView, 'exitCode'> & { name: string; exitCode: number | null } {
  return { ...task, name: taskName(task), exitCode: task.exitCode ?? null };
}

type SpecJson = Omit<WireSpec, 'healthCheck'> & { healthCheck: WireSpec['healthCheck'] | null };

function specJson(spec: WireSpec): SpecJson {
  return { ...spec, healthCheck: spec.healthCheck ?? null };
}

/** `service inspect`: the spec as stored (health check and previous spec explicit null when absent) and the live view. */
export function inspectionJson(inspection: ServiceInspection): { id: string; specVersion: number; spec: SpecJson; previousSpec: SpecJson | null; view: ServiceView } {
  return {
    id: inspection.id,
    specVersion: inspection.specVersion,
    spec: specJson(inspection.spec),
    previousSpec: inspection.previousSpec ? specJson(inspection.previousSpec) : null,
    view: inspection.view,
  };
}

function mapRows(label: string, entries: Record<string, string>): FieldRow[] {
  const keys = Object.keys(entries).sort();
  if (keys.length === 0) return [];
  return [[label], ...keys.map((key) => ` - ${key}=${entries[key] ?? ''}`)];
}

function rolloutRows(label: string, config: WireSpec['update']): FieldRow[] {
  return [
    [label],
    [' Parallelism', config.parallelism === 0 ? '0 (all at once)' : String(config.parallelism)],
    [' Delay', formatDuration(config.delayMs)],
    [' On failure', config.failureAction],
    [' Monitoring Period', formatDuration(config.monitorMs)],
    [' Max failure ratio', String(config.maxFailureRatio)],
    [' Order', config.order],
  ];
}

function containerRows(spec: WireSpec): FieldRow[] {
  const rows: FieldRow[] = [['ContainerSpec'], [' Image', spec.image]];
  if (spec.command.length > 0) rows.push([' Command', spec.command.join(' ')]);
  const env = Object.keys(spec.env).sort();
  if (env.length > 0) rows.push([' Env'], ...env.map((key) => `  ${key}=${spec.env[key] ?? ''}`));
  if (spec.healthCheck) {
    const check = spec.healthCheck;
    rows.push(['Healthcheck'], [' Command', check.command.join(' ')], [' Interval', formatDuration(check.intervalMs)], [' Timeout', formatDuration(check.timeoutMs)], [' Retries', String(check.retries)], [' Start Period', formatDuration(check.startPeriodMs)]);
  }
  return rows;
}

function resourceRows(resources: WireSpec['resources']): FieldRow[] {
  const rows: FieldRow[] = [];
  if (resources.memoryReservationBytes > 0) rows.push([' Reservations Memory', formatBytes(resources.memoryReservationBytes)]);
  if (resources.memoryLimitBytes > 0) rows.push([' Limits Memory', formatBytes(resources.memoryLimitBytes)]);
  if (resources.cpuLimit > 0) rows.push([' Limits CPU', String(resources.cpuLimit)]);
  if (resources.pidsLimit > 0) rows.push([' Limits Pids', String(resources.pidsLimit)]);
  return rows.length === 0 ? [] : [['Resources'], ...rows];
}

/** `service inspect --pretty`: what a person checks, grouped the way `docker service inspect --pretty` groups it. */
export function inspectionPretty(inspection: ServiceInspection, nowMs: number): string {
  const { spec, view } = inspection;
  const rows: FieldRow[] = [['ID', inspection.id], ['Name', spec.name], ...mapRows('Labels', spec.labels), ['Service Mode', spec.mode]];
  if (spec.mode === 'replicated' || spec.mode === 'replicated-job') rows.push([' Replicas', String(spec.replicas)]);
  rows.push(['Tasks', `${view.running}/${view.desired} running`], ['Spec Version', String(inspection.specVersion)], ['Updated', ago(view.updatedAtMs, nowMs)]);
  if (view.updateState !== '' && view.updateState !== 'none') {
    rows.push(['UpdateStatus'], [' State', view.updateState]);
    if (view.updateMessage !== '') rows.push([' Message', view.updateMessage]);
  }
  const placement = spec.placement;
  if (placement.constraints.length > 0 || placement.spreadOver.length > 0 || placement.maxReplicasPerNode > 0) {
    rows.push(['Placement']);
    if (placement.constraints.length > 0) rows.push([' Constraints', placement.constraints.map(formatConstraint).join(', ')]);
    if (placement.spreadOver.length > 0) rows.push([' Spread over', placement.spreadOver.join(', ')]);
    if (placement.maxReplicasPerNode > 0) rows.push([' Max replicas per node', String(placement.maxReplicasPerNode)]);
  }
  const restart = spec.restartPolicy;
  rows.push(['Restart Policy'], [' Condition', restart.condition], [' Delay', formatDuration(restart.delayMs)], [' Max attempts', restart.maxAttempts === 0 ? 'unlimited' : String(restart.maxAttempts)]);
  rows.push(...rolloutRows('UpdateConfig', spec.update), ...rolloutRows('RollbackConfig', spec.rollback), ...containerRows(spec), ...resourceRows(spec.resources));
  if (spec.mounts.length > 0) {
    rows.push(['Mounts'], ...spec.mounts.map((mount) => `  ${mount.type} ${mount.source} -> ${mount.target}${mount.readOnly ? ' (read-only)' : ''}`));
  }
  if (spec.ports.length > 0) rows.push(['Ports'], ...spec.ports.map((port) => `  ${formatPort(port)} (host mode)`));
  return fields(rows);
}
