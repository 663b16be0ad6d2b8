// The service's placement constraints: a node must satisfy every one. The
// explanation names each constraint that turned nodes away and how many of
// the nodes it was tried on matched, which is what a person needs to decide
// between fixing the constraint and labelling a node.
import type { CompiledConstraint } from '../constraint.js';
import type { Filter, TaskDemand } from '../filter.js';
import type { Ledger } from '../ledger.js';

export class ConstraintsFilter implements Filter {
  readonly name = 'constraints';
  readonly dependsOnNodeOnly = true;
  private constraints: readonly CompiledConstraint[] = [];

  constructor(private readonly ledger: Ledger) {}

  setTask(demand: TaskDemand): boolean {
    this.constraints = demand.requirements.constraints;
    return this.constraints.length > 0;
  }

  check(nodeIndex: number): boolean {
    const node = this.ledger.node(nodeIndex);
    for (const constraint of this.constraints) if (!constraint.matches(node)) return false;
    return true;
  }

  explain(rejected: readonly number[], considered: number): string {
    const phrases: string[] = [];
    for (const constraint of this.constraints) {
      let unmatched = 0;
      for (const index of rejected) if (!constraint.matches(this.ledger.node(index))) unmatched++;
      // Nodes that passed this filter match every constraint, so only refused nodes can be unmatched.
      if (unmatched > 0) phrases.push(`constraint ${constraint.text} matched ${considered - unmatched} of ${considered} ${considered === 1 ? 'node' : 'nodes'}`);
    }
    return phrases.join(', ');
  }
}
