// The filter pipeline: ready → platform → constraints → ports → max-replicas
// → memory. The first three depend only on node records and the spec, which
// do not change during a call, so their survivors are computed once per
// distinct spec (and pinned node) and reused for every task of it. The last
// three read the ledger and run for every task on those survivors only.
import { assert } from '../common/assert.js';
import type { Filter, TaskDemand } from './filter.js';
import { ConstraintsFilter } from './filters/constraints.js';
import { MaxReplicasFilter } from './filters/max-replicas.js';
import { MemoryFilter } from './filters/memory.js';
import { PlatformFilter } from './filters/platform.js';
import { PortsFilter } from './filters/ports.js';
import { ReadyFilter } from './filters/ready.js';
import type { Ledger } from './ledger.js';
import type { Rejection } from './types.js';

/** The node-only part of the pipeline for one spec: who survived, and who was refused by which filter. */
export interface StaticPass {
  /** Ledger indexes that passed ready, platform and constraints, ascending. */
  readonly eligible: Int32Array;
  readonly rejections: readonly Rejection[];
}

export class Pipeline {
  private readonly nodeOnly: readonly Filter[];
  private readonly ledgerBound: readonly Filter[];
  private readonly staticPasses = new Map<string, StaticPass>();
  /** The ledger-bound filters enabled for the current task (reused array: no allocation per task). */
  private readonly active: Filter[] = [];

  constructor(private readonly ledger: Ledger) {
    const filters: Filter[] = [
      new ReadyFilter(ledger),
      new PlatformFilter(ledger),
      new ConstraintsFilter(ledger),
      new PortsFilter(ledger),
      new MaxReplicasFilter(ledger),
      new MemoryFilter(ledger),
    ];
    this.nodeOnly = filters.filter((filter) => filter.dependsOnNodeOnly);
    this.ledgerBound = filters.filter((filter) => !filter.dependsOnNodeOnly);
    // The node-only filters must run first, or caching their verdict would reorder the charges.
    assert(filters.slice(0, this.nodeOnly.length).every((filter) => filter.dependsOnNodeOnly), 'node-only filters come first');
  }

  /**
   * Nodes the task could use if nothing were placed: all nodes, or only the
   * pinned one (`pinnedIndex`) for a task that already names its node.
   */
  staticPass(demand: TaskDemand, pinnedIndex: number | null): StaticPass {
    const key = `${demand.requirements.staticKey}\u0000${pinnedIndex ?? ''}`;
    let pass = this.staticPasses.get(key);
    if (pass === undefined) {
      const candidates = pinnedIndex === null ? Array.from({ length: this.ledger.size }, (_, index) => index) : [pinnedIndex];
      const { survivors, rejections } = runFilters(this.nodeOnly, demand, candidates);
      pass = { eligible: Int32Array.from(survivors), rejections };
      this.staticPasses.set(key, pass);
    }
    return pass;
  }

  /** Binds the ledger-bound filters to a task; the nodes it may take are then those where passes() holds. */
  bind(demand: TaskDemand): void {
    this.active.length = 0;
    for (const filter of this.ledgerBound) if (filter.setTask(demand)) this.active.push(filter);
  }

  /** The hot loop's question: does the node pass every bound ledger filter? */
  passes(nodeIndex: number): boolean {
    const active = this.active;
    for (let i = 0; i < active.length; i++) if (!active[i]!.check(nodeIndex)) return false;
    return true;
  }

  /** Why no node fits: the cached node-only refusals plus the ledger filters run again over the survivors. */
  rejections(demand: TaskDemand, pass: StaticPass): Rejection[] {
    const { rejections } = runFilters(this.ledgerBound, demand, pass.eligible);
    return [...pass.rejections, ...rejections];
  }
}

/** Runs filters in order over candidates, charging each refused node to the first filter that refuses it. */
function runFilters(filters: readonly Filter[], demand: TaskDemand, candidates: ArrayLike<number>): { survivors: number[]; rejections: Rejection[] } {
  let survivors = Array.from(candidates);
  const rejections: Rejection[] = [];
  for (const filter of filters) {
    if (!filter.setTask(demand)) continue;
    const kept: number[] = [];
    const refused: number[] = [];
    for (const index of survivors) (filter.check(index) ? kept : refused).push(index);
    if (refused.length > 0) rejections.push({ filter: filter.name, nodes: refused.length, text: filter.explain(refused, survivors.length) });
    survivors = kept;
  }
  return { survivors, rejections };
}
