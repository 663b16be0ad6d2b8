// Memory: the task's reservation must fit in what the node can allocate
// minus what tasks already reserve there (including tasks placed earlier in
// the same call). Reservations are the only resource the scheduler books:
// on a 1 GiB board, memory is what runs out first.
import type { Filter, TaskDemand } from '../filter.js';
import { nodeCount } from '../filter.js';
import type { Ledger } from '../ledger.js';
import { formatMemory } from '../memory-units.js';

export class MemoryFilter implements Filter {
  readonly name = 'memory';
  readonly dependsOnNodeOnly = false;
  private reservationBytes = 0;

  constructor(private readonly ledger: Ledger) {}

  setTask(demand: TaskDemand): boolean {
    this.reservationBytes = demand.requirements.memoryReservationBytes;
    return this.reservationBytes > 0;
  }

  check(nodeIndex: number): boolean {
    return this.ledger.allocatableMemoryBytes[nodeIndex]! - this.ledger.reservedMemoryBytes[nodeIndex]! >= this.reservationBytes;
  }

  explain(rejected: readonly number[]): string {
    // The roomiest refused node tells the person how far off the request is.
    let roomiest = rejected[0]!;
    for (const index of rejected) if (this.ledger.freeMemoryBytes(index) > this.ledger.freeMemoryBytes(roomiest)) roomiest = index;
    const free = formatMemory(Math.max(0, this.ledger.freeMemoryBytes(roomiest)), 'down');
    return `insufficient memory on ${nodeCount(rejected.length)}: needs ${formatMemory(this.reservationBytes, 'up')}, most free ${free} on ${this.ledger.node(roomiest).hostname}`;
  }
}
