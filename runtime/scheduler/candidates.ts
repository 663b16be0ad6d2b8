// The nodes that can take the next task of a batch (consecutive tasks with
// one spec), best first, kept in order as the batch places its tasks.
//
// Placing a task changes the ledger of one node only, so instead of ranking
// every node again for each task (O(nodes) per task), nodes are kept in one
// binary heap per innermost spread group, ordered by ranking steps 2-5, which
// depend on the node alone. Spread counts are the same for every node of a
// group, so the best node is the top of the group with the fewest tasks of
// the service: O(groups + log nodes) per task after O(nodes) to build. The
// answer is the same as a scan of every node with Ranking.before.
import { assert } from '../common/assert.js';
import type { Pipeline } from './pipeline.js';
import type { Ranking } from './ranking.js';

export class Candidates {
  /** heaps[group]: ledger indexes, a binary min-heap under ranking.beforeInGroup. */
  private readonly heaps: number[][];
  /** Groups with at least one candidate (emptied groups are dropped lazily). */
  private groups: number[];

  /**
   * `eligible` passed the node-only filters; the pipeline must be bound to
   * the batch's task and stay bound while this object is used.
   */
  constructor(private readonly ranking: Ranking, private readonly pipeline: Pipeline, eligible: Int32Array) {
    this.heaps = Array.from({ length: ranking.innermostGroups }, () => []);
    for (let i = 0; i < eligible.length; i++) {
      const index = eligible[i]!;
      if (pipeline.passes(index)) this.heaps[ranking.innermostGroup(index)]!.push(index);
    }
    this.groups = [];
    for (const [group, heap] of this.heaps.entries()) {
      if (heap.length === 0) continue;
      for (let position = (heap.length >> 1) - 1; position >= 0; position--) this.siftDown(heap, position);
      this.groups.push(group);
    }
  }

  /** The best node for the next task, or -1 when none can take it. */
  best(): number {
    let best = -1;
    for (const group of this.groups) {
      const top = this.heaps[group]![0]!;
      if (best < 0) {
        best = top;
        continue;
      }
      const spread = this.ranking.compareSpread(top, best);
      if (spread < 0 || (spread === 0 && this.ranking.beforeInGroup(top, best))) best = top;
    }
    return best;
  }

  /** After the ledger booked a task on `nodeIndex` (the last best()): drop it if it can take no more, else move it down. */
  placedOn(nodeIndex: number): void {
    const group = this.ranking.innermostGroup(nodeIndex);
    const heap = this.heaps[group]!;
    assert(heap[0] === nodeIndex, 'placedOn() is told about the node best() returned');
    if (this.pipeline.passes(nodeIndex)) {
      this.siftDown(heap, 0);
      return;
    }
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(heap, 0);
    } else {
      this.groups = this.groups.filter((candidate) => candidate !== group);
    }
  }

  private siftDown(heap: number[], start: number): void {
    const ranking = this.ranking;
    let position = start;
    const item = heap[position]!;
    for (;;) {
      let child = 2 * position + 1;
      if (child >= heap.length) break;
      if (child + 1 < heap.length && ranking.beforeInGroup(heap[child + 1]!, heap[child]!)) child++;
      if (!ranking.beforeInGroup(heap[child]!, item)) break;
      heap[position] = heap[child]!;
      position = child;
    }
    heap[position] = item;
  }
}
