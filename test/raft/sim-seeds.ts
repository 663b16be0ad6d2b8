// Shared by the sim-seeds-*.test.ts files: runs a range of seeds and fails
// with every violation and the command that replays it.
import * as assert from 'uvu/assert';
import { optionsForSeed, runSimulation, variantForSeed, type SimResult } from './sim/cluster.js';

export function assertSeedsPass(from: number, count: number): SimResult[] {
  const results: SimResult[] = [];
  const failures: string[] = [];
  for (let seed = from; seed < from + count; seed += 1) {
    const result = runSimulation(optionsForSeed(seed));
    results.push(result);
    if (result.violations.length > 0) {
      failures.push(`seed ${seed} (${variantForSeed(seed).name}): ${result.violations.join(' | ')}\n  replay: npm run sim -- --seed ${seed} --trace`);
    }
  }
  assert.equal(failures, [], failures.join('\n'));
  // A run that did nothing would pass vacuously: make sure the seeds exercised the cluster.
  const committed = results.reduce((sum, r) => sum + r.committed, 0);
  const crashes = results.reduce((sum, r) => sum + r.crashes, 0);
  const snapshots = results.reduce((sum, r) => sum + r.snapshotsInstalled, 0);
  const operations = results.reduce((sum, r) => sum + r.operations, 0);
  assert.ok(committed > count * 50, `only ${committed} entries committed over ${count} seeds`);
  assert.ok(crashes > count / 2, `only ${crashes} crashes over ${count} seeds`);
  assert.ok(snapshots > count / 4, `only ${snapshots} snapshots installed over ${count} seeds`);
  assert.ok(operations > count * 100, `only ${operations} client operations over ${count} seeds`);
  return results;
}
