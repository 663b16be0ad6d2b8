// How the scheduler picks among the nodes that pass every filter, most
// important first:
//   1. spread: fewest tasks of this service in the node's group for each
//      spreadOver field, outermost first (zone before rack);
//   2. least memory reserved as a fraction of allocatable, counting this
//      task, so a roomier board wins when both are equally empty;
//   3. fewest tasks of this service on the node;
//   4. fewest tasks of any service on the node, so services that reserve no
//      memory do not all land on the first node by id;
//   5. node id, in code-unit order, so the answer never depends on input order.
import type { TaskDemand } from './filter.js';
import type { Ledger } from './ledger.js';
import type { SpreadCounts } from './spread.js';

export class Ranking {
  private readonly spread: SpreadCounts | null;
  private readonly serviceTasks: Int32Array;
  private readonly reservationBytes: number;

  constructor(private readonly ledger: Ledger, demand: TaskDemand) {
    const { spread, memoryReservationBytes } = demand.requirements;
    this.spread = spread.readers.length === 0 ? null : ledger.spreadCounts(demand.serviceId, spread);
    this.serviceTasks = ledger.serviceTasks(demand.serviceId);
    this.reservationBytes = memoryReservationBytes;
  }

  /** Memory reserved on the node once this task is there, over allocatable; a node with nothing allocatable counts as full. */
  reservedFraction(nodeIndex: number): number {
    const allocatable = this.ledger.allocatableMemoryBytes[nodeIndex]!;
    if (allocatable <= 0) return 1;
    return (this.ledger.reservedMemoryBytes[nodeIndex]! + this.reservationBytes) / allocatable;
  }

  /** -1, 0 or 1 as node `left`'s spread groups hold fewer, as many or more of the service's tasks than `right`'s (outermost level first). */
  compareSpread(left: number, right: number): number {
    const spread = this.spread;
    if (spread === null) return 0;
    for (let level = 0; level < spread.counts.length; level++) {
      const leftCount = spread.at(level, left);
      const rightCount = spread.at(level, right);
      if (leftCount !== rightCount) return leftCount < rightCount ? -1 : 1;
    }
    return 0;
  }

  /** Steps 2-5 only: the order among nodes whose spread groups are the same. */
  beforeInGroup(left: number, right: number): boolean {
    const leftFraction = this.reservedFraction(left);
    const rightFraction = this.reservedFraction(right);
    if (leftFraction !== rightFraction) return leftFraction < rightFraction;
    const serviceTasks = this.serviceTasks;
    if (serviceTasks[left] !== serviceTasks[right]) return serviceTasks[left]! < serviceTasks[right]!;
    const tasksTotal = this.ledger.tasksTotal;
    if (tasksTotal[left] !== tasksTotal[right]) return tasksTotal[left]! < tasksTotal[right]!;
    // Ledger indexes follow node-id order.
    return left < right;
  }

  /** True when node `left` is a better home for the task than node `right` (ledger indexes, distinct). */
  before(left: number, right: number): boolean {
    const spread = this.compareSpread(left, right);
    return spread !== 0 ? spread < 0 : this.beforeInGroup(left, right);
  }

  /** The group of the innermost spread level a node is in (all nodes share group 0 without spread). */
  innermostGroup(nodeIndex: number): number {
    const spread = this.spread;
    if (spread === null) return 0;
    return spread.index.groupOf[spread.counts.length - 1]![nodeIndex]!;
  }

  /** Groups at the innermost spread level (1 without spread). */
  get innermostGroups(): number {
    const spread = this.spread;
    return spread === null ? 1 : spread.index.groupsPerLevel[spread.counts.length - 1]!;
  }
}
