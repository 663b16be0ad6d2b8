// A deliberately naive scheduler written from the README's rules, for
// model-based tests: plain objects, every node scanned for every task, no
// caches, no heaps. The real schedule() must agree with it on every placement.
import type { PendingTask, PlacedTask, SchedulableNode } from '../../runtime/scheduler/index.js';
import { normalizeArch } from '../../runtime/scheduler/index.js';
import type { NodeRecord } from '../../runtime/store/state.js';

interface ModelNode {
  record: NodeRecord;
  allocatable: number;
  reserved: number;
  ports: string[];
  /** serviceId per task on the node. */
  services: string[];
}

function field(record: NodeRecord, name: string): string | undefined {
  if (name.startsWith('node.labels.')) return record.labels[name.slice('node.labels.'.length)];
  const fixed: Record<string, string> = {
    'node.id': record.id, 'node.hostname': record.hostname, 'node.role': record.role,
    'node.platform.arch': normalizeArch(record.platform.arch), 'node.platform.os': record.platform.os, 'node.board': record.board,
  };
  return fixed[name];
}

function fits(node: ModelNode, pending: PendingTask): boolean {
  const { record } = node;
  const spec = pending.service;
  if (record.status !== 'ready' || record.availability !== 'active') return false;
  if (pending.imageArchs?.length && !pending.imageArchs.map(normalizeArch).includes(normalizeArch(record.platform.arch))) return false;
  for (const constraint of spec.placement.constraints) {
    const actual = field(record, constraint.field);
    const wanted = constraint.field === 'node.platform.arch' ? normalizeArch(constraint.value) : constraint.value.toLowerCase();
    const equal = actual !== undefined && actual.toLowerCase() === wanted;
    if (equal !== (constraint.operator === '==')) return false;
  }
  if (spec.ports.some((port) => port.published !== 0 && node.ports.includes(`${port.published}/${port.protocol}`))) return false;
  const mine = node.services.filter((id) => id === pending.task.serviceId).length;
  if (spec.placement.maxReplicasPerNode > 0 && mine >= spec.placement.maxReplicasPerNode) return false;
  // A task that reserves nothing is not checked: it cannot make an over-committed node worse.
  const reservation = spec.resources.memoryReservationBytes;
  return reservation === 0 || node.allocatable - node.reserved >= reservation;
}

/** The ranking tuple: spread counts per level, reserved fraction with the task, service tasks, all tasks. */
function score(node: ModelNode, all: readonly ModelNode[], pending: PendingTask): number[] {
  const serviceId = pending.task.serviceId;
  const spread = pending.service.placement.spreadOver;
  const counts = spread.map((_, level) => {
    const path = (record: NodeRecord) => spread.slice(0, level + 1).map((name) => field(record, name) ?? '\u0001').join('\u0000');
    const mine = path(node.record);
    return all.filter((other) => path(other.record) === mine).reduce((sum, other) => sum + other.services.filter((id) => id === serviceId).length, 0);
  });
  const reservation = pending.service.resources.memoryReservationBytes;
  const fraction = node.allocatable <= 0 ? 1 : (node.reserved + reservation) / node.allocatable;
  return [...counts, fraction, node.services.filter((id) => id === serviceId).length, node.services.length];
}

function less(left: number[], right: number[]): number {
  for (let i = 0; i < left.length; i++) if (left[i] !== right[i]) return left[i]! < right[i]! ? -1 : 1;
  return 0;
}

/** Node id per pending task, or null when the model finds no node. */
export function modelSchedule(nodes: readonly SchedulableNode[], placed: readonly PlacedTask[], pending: readonly PendingTask[]): Array<string | null> {
  const model: ModelNode[] = nodes.map((entry) => ({ record: entry.node, allocatable: entry.allocatableMemoryBytes, reserved: 0, ports: [], services: [] }));
  const book = (node: ModelNode, serviceId: string, memory: number, ports: readonly { published: number; protocol: string }[]): void => {
    node.reserved += memory;
    node.services.push(serviceId);
    for (const port of ports) if (port.published !== 0) node.ports.push(`${port.published}/${port.protocol}`);
  };
  for (const task of placed) {
    const node = model.find((candidate) => candidate.record.id === task.nodeId);
    if (node) book(node, task.serviceId, task.memoryReservationBytes, task.ports);
  }
  return pending.map((entry) => {
    const pinned = entry.task.nodeId;
    const candidates = model.filter((node) => (pinned === '' || node.record.id === pinned) && fits(node, entry));
    let best: { node: ModelNode; score: number[] } | null = null;
    for (const node of candidates) {
      const candidate = { node, score: score(node, model, entry) };
      const order = best === null ? -1 : less(candidate.score, best.score);
      if (best === null || order < 0 || (order === 0 && node.record.id < best.node.record.id)) best = candidate;
    }
    if (best === null) return null;
    book(best.node, entry.task.serviceId, entry.service.resources.memoryReservationBytes, entry.service.ports);
    return best.node.record.id;
  });
}
