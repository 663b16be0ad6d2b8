// The running accounts of one scheduling call: per node, the memory already
// reserved, the host ports taken, and the tasks of each service. Every
// decision is recorded here before the next one is made, so two tasks of one
// call never take the same memory or the same port. Nodes are held in node-id
// order and addressed by their index in it: counters live in typed arrays,
// and the index doubles as the deterministic tie-break.
import { assert } from '../common/assert.js';
import type { PortPublish } from '../store/services.js';
import type { NodeRecord } from '../store/state.js';
import type { PlacedTask, SchedulableNode } from './types.js';
import type { SpreadFields } from './requirements.js';
import { SpreadCounts, SpreadIndex } from './spread.js';

/** "80/tcp" for each fixed host port; published 0 claims none. */
export function publishedPortKeys(ports: readonly PortPublish[]): string[] {
  return ports.filter((port) => port.published !== 0).map((port) => `${port.published}/${port.protocol}`);
}

/** Code-unit order, never locale collation: the same on every manager whatever its locale. */
function byId(left: SchedulableNode, right: SchedulableNode): number {
  return left.node.id < right.node.id ? -1 : left.node.id > right.node.id ? 1 : 0;
}

export class Ledger {
  /** Sorted by id; a node's position here is its index everywhere else. */
  readonly nodes: readonly NodeRecord[];
  readonly allocatableMemoryBytes: Float64Array;
  readonly reservedMemoryBytes: Float64Array;
  /** Tasks of every service on each node. */
  readonly tasksTotal: Int32Array;
  private readonly indexById = new Map<string, number>();
  /** Port key → how many tasks claim it (more than one only if the snapshot already had a conflict). */
  private readonly portsByNode: Array<Map<string, number> | undefined>;
  private readonly tasksByService = new Map<string, Int32Array>();
  private readonly spreadIndexes = new Map<string, SpreadIndex>();
  private readonly spreadByService = new Map<string, Map<string, SpreadCounts>>();

  constructor(nodes: readonly SchedulableNode[], placed: readonly PlacedTask[]) {
    const sorted = [...nodes].sort(byId);
    this.nodes = sorted.map((entry) => entry.node);
    this.allocatableMemoryBytes = Float64Array.from(sorted, (entry) => entry.allocatableMemoryBytes);
    this.reservedMemoryBytes = new Float64Array(sorted.length);
    this.tasksTotal = new Int32Array(sorted.length);
    this.portsByNode = new Array<Map<string, number> | undefined>(sorted.length).fill(undefined);
    for (const [index, node] of this.nodes.entries()) {
      assert(!this.indexById.has(node.id), `node ${node.id} is listed twice in the scheduler input`);
      const allocatable = this.allocatableMemoryBytes[index]!;
      assert(Number.isFinite(allocatable) && allocatable >= 0, `node ${node.id}: allocatable memory must be a finite number of bytes ≥ 0, got ${allocatable}`);
      this.indexById.set(node.id, index);
    }
    for (const task of placed) {
      const index = this.indexById.get(task.nodeId);
      // A task on a removed node holds nothing anywhere: the orchestrator replaces it.
      if (index === undefined) continue;
      this.record(index, task.serviceId, task.memoryReservationBytes, publishedPortKeys(task.ports));
    }
  }

  get size(): number {
    return this.nodes.length;
  }

  indexOf(nodeId: string): number | undefined {
    return this.indexById.get(nodeId);
  }

  node(index: number): NodeRecord {
    const node = this.nodes[index];
    assert(node !== undefined, `node index ${index} out of range`);
    return node;
  }

  /** Tasks of `serviceId` on each node, by index. Live: later records show through. */
  serviceTasks(serviceId: string): Int32Array {
    let counts = this.tasksByService.get(serviceId);
    if (counts === undefined) {
      counts = new Int32Array(this.nodes.length);
      this.tasksByService.set(serviceId, counts);
    }
    return counts;
  }

  portTaken(index: number, key: string): boolean {
    return (this.portsByNode[index]?.get(key) ?? 0) > 0;
  }

  /** Free memory on a node; negative when the snapshot was already over-committed. */
  freeMemoryBytes(index: number): number {
    return this.allocatableMemoryBytes[index]! - this.reservedMemoryBytes[index]!;
  }

  /** The service's task counts per spread group, kept current by record() and release(). */
  spreadCounts(serviceId: string, fields: SpreadFields): SpreadCounts {
    let byKey = this.spreadByService.get(serviceId);
    if (byKey === undefined) {
      byKey = new Map();
      this.spreadByService.set(serviceId, byKey);
    }
    let counts = byKey.get(fields.key);
    if (counts === undefined) {
      let index = this.spreadIndexes.get(fields.key);
      if (index === undefined) {
        index = new SpreadIndex(fields, this.nodes);
        this.spreadIndexes.set(fields.key, index);
      }
      counts = new SpreadCounts(index, this.serviceTasks(serviceId));
      byKey.set(fields.key, counts);
    }
    return counts;
  }

  /** Accounts one task on a node: its memory, its ports, its service's counts. */
  record(index: number, serviceId: string, memoryBytes: number, portKeys: readonly string[]): void {
    this.adjust(index, serviceId, memoryBytes, portKeys, 1);
  }

  /** Undoes record(): the task leaves the node (rebalance moves). */
  release(index: number, serviceId: string, memoryBytes: number, portKeys: readonly string[]): void {
    assert(this.serviceTasks(serviceId)[index]! > 0, `release of a ${serviceId} task the node does not hold`);
    this.adjust(index, serviceId, memoryBytes, portKeys, -1);
  }

  private adjust(index: number, serviceId: string, memoryBytes: number, portKeys: readonly string[], sign: 1 | -1): void {
    this.reservedMemoryBytes[index]! += sign * memoryBytes;
    this.tasksTotal[index]! += sign;
    this.serviceTasks(serviceId)[index]! += sign;
    if (portKeys.length > 0) {
      let ports = this.portsByNode[index];
      if (ports === undefined) {
        ports = new Map();
        this.portsByNode[index] = ports;
      }
      for (const key of portKeys) ports.set(key, (ports.get(key) ?? 0) + sign);
    }
    const spread = this.spreadByService.get(serviceId);
    if (spread !== undefined) for (const counts of spread.values()) counts.add(index, sign);
  }
}
