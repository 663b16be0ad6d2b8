// The shape of the log as the storage has been told it (stored or buffered):
// where it starts, where it ends, and each index's term, kept as runs of one
// term because terms change rarely. It holds no entry data, so a long log
// costs a few numbers per term. The storage uses it to check appends and to
// decide whether a snapshot continues the log or replaces it.
import { assert } from '../../common/assert.js';
import type { Entry } from '../types.js';

interface TermRun {
  firstIndex: number;
  term: number;
}

export class LogShape {
  /** Last index covered by the snapshot (0: none). */
  private snapshotIndex = 0;
  private snapshotTerm = 0;
  private lastIndexValue = 0;
  /** Runs covering snapshotIndex+1 .. lastIndex, firstIndex increasing. */
  private runs: TermRun[] = [];

  get baseIndex(): number {
    return this.snapshotIndex;
  }

  get lastIndex(): number {
    return this.lastIndexValue;
  }

  /** The term at `index`, or null when the log does not hold it. */
  termAt(index: number): number | null {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndexValue) return null;
    for (let i = this.runs.length - 1; i >= 0; i -= 1) {
      const run = this.runs[i]!;
      if (run.firstIndex <= index) return run.term;
    }
    assert(false, `log shape has no run for index ${index}`);
  }

  /** Replaces the suffix from entries[0].index on; the caller checked the entries. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (!first) return;
    this.truncateFrom(first.index);
    for (const entry of entries) {
      const lastRun = this.runs[this.runs.length - 1];
      if (!lastRun || lastRun.term !== entry.term) this.runs.push({ firstIndex: entry.index, term: entry.term });
    }
    this.lastIndexValue = entries[entries.length - 1]!.index;
  }

  /** The snapshot covers up to `index`; later entries stay. */
  compactTo(index: number, term: number): void {
    assert(this.termAt(index) === term, `compaction at ${index} with term ${term} that the log does not hold`);
    const kept = this.runs.filter((run, i) => (this.runs[i + 1]?.firstIndex ?? Infinity) > index + 1);
    if (kept[0] && kept[0].firstIndex <= index) kept[0] = { firstIndex: index + 1, term: kept[0].term };
    this.runs = this.lastIndexValue > index ? kept : [];
    this.snapshotIndex = index;
    this.snapshotTerm = term;
  }

  /** The snapshot replaces the whole log. */
  resetTo(index: number, term: number): void {
    this.runs = [];
    this.snapshotIndex = index;
    this.snapshotTerm = term;
    this.lastIndexValue = index;
  }

  private truncateFrom(index: number): void {
    while (this.runs.length > 0 && this.runs[this.runs.length - 1]!.firstIndex >= index) this.runs.pop();
    this.lastIndexValue = index - 1;
  }
}
