// The simulator over the second half of the test seeds.
import { test } from 'uvu';
import { assertSeedsPass } from './sim-seeds.js';

test('seeds 151–300: no invariant violation, liveness after faults, linearizable histories', () => {
  // Proves safety (election, log matching, completeness, state machine, durability), liveness and linearizability on 150 more seeds.
  assertSeedsPass(151, 150);
});

test.run();
