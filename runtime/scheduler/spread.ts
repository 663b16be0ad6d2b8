// Spreading a service over the values of node fields ("node.labels.zone",
// then "node.labels.rack"): nodes are grouped by the values along the path
// (zone, then zone+rack), and the scheduler prefers the node whose groups
// hold the fewest tasks of the service, comparing the outermost level first.
// As in Swarm, every value counts as one group whatever its number of nodes,
// and nodes missing the field form one more group of their own.
import type { NodeRecord } from '../store/state.js';
import type { SpreadFields } from './requirements.js';

/** Stands for "no value" in a group path; cannot collide with a label value (control characters are not allowed in constraints, and a path joins values with \u0000). */
const absentValue = '\u0001';

/** Which group each node belongs to at each level. Built once per call and per list of fields. */
export class SpreadIndex {
  /** groupOf[level][nodeIndex]: a group id, unique among the groups of that level. */
  readonly groupOf: readonly Int32Array[];
  readonly groupsPerLevel: readonly number[];
  /** The value each group stands for, per level, for explanations and tests ("" when absent). */
  readonly valueOf: readonly (readonly string[])[];

  constructor(fields: SpreadFields, nodes: readonly NodeRecord[]) {
    const groupOf: Int32Array[] = [];
    const groupsPerLevel: number[] = [];
    const valueOf: string[][] = [];
    const paths: string[] = nodes.map(() => '');
    for (const reader of fields.readers) {
      const ids = new Map<string, number>();
      const level = new Int32Array(nodes.length);
      const values: string[] = [];
      for (const [index, node] of nodes.entries()) {
        const value = reader(node);
        const path = `${paths[index]!}\u0000${value ?? absentValue}`;
        paths[index] = path;
        let id = ids.get(path);
        if (id === undefined) {
          id = ids.size;
          ids.set(path, id);
          values.push(value ?? '');
        }
        level[index] = id;
      }
      groupOf.push(level);
      groupsPerLevel.push(ids.size);
      valueOf.push(values);
    }
    this.groupOf = groupOf;
    this.groupsPerLevel = groupsPerLevel;
    this.valueOf = valueOf;
  }

  get levels(): number {
    return this.groupOf.length;
  }
}

/** Tasks of one service in each group of one SpreadIndex, kept current as the call places tasks. */
export class SpreadCounts {
  readonly index: SpreadIndex;
  /** counts[level][groupId] */
  readonly counts: readonly Int32Array[];

  constructor(index: SpreadIndex, tasksPerNode: Int32Array) {
    this.index = index;
    this.counts = index.groupsPerLevel.map((groups) => new Int32Array(groups));
    for (let node = 0; node < tasksPerNode.length; node++) {
      const tasks = tasksPerNode[node]!;
      if (tasks !== 0) this.add(node, tasks);
    }
  }

  add(nodeIndex: number, delta: number): void {
    for (let level = 0; level < this.counts.length; level++) {
      this.counts[level]![this.index.groupOf[level]![nodeIndex]!]! += delta;
    }
  }

  /** Tasks of the service in the node's group at `level`. */
  at(level: number, nodeIndex: number): number {
    return this.counts[level]![this.index.groupOf[level]![nodeIndex]!]!;
  }
}
