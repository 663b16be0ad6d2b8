// A node can only run an image built for its architecture. The image's
// architectures come with the pending task when the orchestrator knows them
// (from the image index); without them every node may try, and the agent
// reports a pull failure if it guessed wrong.
import type { Filter, TaskDemand } from '../filter.js';
import { nodeCount, tally } from '../filter.js';
import type { Ledger } from '../ledger.js';
import { normalizeArch } from '../node-field.js';

export class PlatformFilter implements Filter {
  readonly name = 'platform';
  readonly dependsOnNodeOnly = true;
  private archs: ReadonlySet<string> = new Set();

  constructor(private readonly ledger: Ledger) {}

  setTask(demand: TaskDemand): boolean {
    if (demand.requirements.archs === null) return false;
    this.archs = demand.requirements.archs;
    return true;
  }

  check(nodeIndex: number): boolean {
    return this.archs.has(normalizeArch(this.ledger.node(nodeIndex).platform.arch));
  }

  explain(rejected: readonly number[]): string {
    const byArch = tally(rejected, (index) => normalizeArch(this.ledger.node(index).platform.arch));
    const nodes = [...byArch].map(([arch, count]) => `${nodeCount(count)} ${count === 1 ? 'is' : 'are'} ${arch}`);
    return `image built for ${[...this.archs].join(', ')} only: ${nodes.join(', ')}`;
  }
}
