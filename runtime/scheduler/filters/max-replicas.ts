// placement.maxReplicasPerNode: at most that many tasks of the service on one
// node (0 = no limit), counting tasks placed earlier in the same call.
import type { Filter, TaskDemand } from '../filter.js';
import { nodeCount } from '../filter.js';
import type { Ledger } from '../ledger.js';

export class MaxReplicasFilter implements Filter {
  readonly name = 'max-replicas';
  readonly dependsOnNodeOnly = false;
  private replicasPerNodeMax = 0;
  /** The ledger's live counts for the bound service. */
  private serviceTasks: Int32Array = new Int32Array(0);

  constructor(private readonly ledger: Ledger) {}

  setTask(demand: TaskDemand): boolean {
    this.replicasPerNodeMax = demand.requirements.replicasPerNodeMax;
    if (this.replicasPerNodeMax === 0) return false;
    this.serviceTasks = this.ledger.serviceTasks(demand.serviceId);
    return true;
  }

  check(nodeIndex: number): boolean {
    return this.serviceTasks[nodeIndex]! < this.replicasPerNodeMax;
  }

  explain(rejected: readonly number[]): string {
    const limit = this.replicasPerNodeMax;
    return `max ${limit} ${limit === 1 ? 'replica' : 'replicas'} per node reached on ${nodeCount(rejected.length)}`;
  }
}
