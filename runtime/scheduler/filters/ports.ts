// Host-mode published ports: one node has one port 80/tcp, so two tasks that
// publish it cannot share a node. Tasks placed earlier in the same call are
// in the ledger, so a service with a published port gets at most one task per
// node without anyone setting maxReplicasPerNode.
import type { Filter, TaskDemand } from '../filter.js';
import { nodeCount } from '../filter.js';
import type { Ledger } from '../ledger.js';

export class PortsFilter implements Filter {
  readonly name = 'ports';
  readonly dependsOnNodeOnly = false;
  private portKeys: readonly string[] = [];

  constructor(private readonly ledger: Ledger) {}

  setTask(demand: TaskDemand): boolean {
    this.portKeys = demand.requirements.portKeys;
    return this.portKeys.length > 0;
  }

  check(nodeIndex: number): boolean {
    for (const key of this.portKeys) if (this.ledger.portTaken(nodeIndex, key)) return false;
    return true;
  }

  explain(rejected: readonly number[]): string {
    const phrases: string[] = [];
    for (const key of this.portKeys) {
      let taken = 0;
      for (const index of rejected) if (this.ledger.portTaken(index, key)) taken++;
      if (taken > 0) phrases.push(`host port ${key} already published on ${nodeCount(taken)}`);
    }
    return phrases.join(', ');
  }
}
