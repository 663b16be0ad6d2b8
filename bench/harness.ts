// The contract between benchmark suites and the report writer (bench/run.ts).
//
// A suite measures and returns numbers; it never judges them. Budgets live in
// bench/budgets.json, keyed by measure name, so changing a target is a data
// change reviewed on its own. Timings are reported as ratios to a reference
// measured in the same run, or as counts (bytes, RSS, messages): this machine
// is shared and noisy, so absolute seconds are not budgets.

export interface Measure {
  /** Stable key into bench/budgets.json, e.g. "wire.heartbeatFrameBytes". */
  name: string;
  value: number;
  /** Unit as a person reads it: "bytes", "MiB", "ratio", "ms", "ticks". */
  unit: string;
  /** One line on how it was measured. */
  note?: string;
}

export interface SuiteContext {
  /** Short run for CI: fewer iterations, same budgets. */
  ci: boolean;
  /** Absolute path of the repository root. */
  root: string;
}

export interface BenchSuite {
  name: string;
  run(context: SuiteContext): Promise<Measure[]>;
}

export interface Budget {
  max?: number;
  min?: number;
  description: string;
}

export type Budgets = Record<string, Budget>;

export function withinBudget(value: number, budget: Budget): boolean {
  if (!Number.isFinite(value)) return false;
  if (budget.max !== undefined && value > budget.max) return false;
  if (budget.min !== undefined && value < budget.min) return false;
  return true;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}
