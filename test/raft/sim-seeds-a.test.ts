// The simulator over the first half of the test seeds (3- and 5-node
// clusters, all config variants, crashes, partitions, membership changes).
import { test } from 'uvu';
import { assertSeedsPass } from './sim-seeds.js';

test('seeds 1–200: no invariant violation, liveness after faults, linearizable histories', () => {
  // Proves safety (election, log matching, completeness, state machine, durability), liveness and linearizability on 200 seeds.
  assertSeedsPass(1, 200);
});

test.run();
