// Only a node that is up and active takes new tasks: `pause` keeps what it
// runs but takes nothing new, `drain` is being emptied, and a node that is
// down or not yet heard from since a manager took over cannot start anything.
import type { Filter } from '../filter.js';
import { nodeCount } from '../filter.js';
import type { Ledger } from '../ledger.js';
import type { NodeRecord } from '../../store/state.js';

/** The causes, in the order explanations list them. */
const causes = ['down', 'not reporting yet', 'draining', 'paused'] as const;
type Cause = (typeof causes)[number];

function causeOf(node: NodeRecord): Cause | null {
  if (node.status === 'down') return 'down';
  if (node.status !== 'ready') return 'not reporting yet';
  if (node.availability === 'drain') return 'draining';
  if (node.availability === 'pause') return 'paused';
  return null;
}

export class ReadyFilter implements Filter {
  readonly name = 'ready';
  readonly dependsOnNodeOnly = true;

  constructor(private readonly ledger: Ledger) {}

  setTask(): boolean {
    return true;
  }

  check(nodeIndex: number): boolean {
    return causeOf(this.ledger.node(nodeIndex)) === null;
  }

  explain(rejected: readonly number[]): string {
    const counts = new Map<Cause, number>();
    for (const index of rejected) {
      const cause = causeOf(this.ledger.node(index));
      if (cause !== null) counts.set(cause, (counts.get(cause) ?? 0) + 1);
    }
    return causes.filter((cause) => counts.has(cause)).map((cause) => `${nodeCount(counts.get(cause)!)} ${cause}`).join(', ');
  }
}
