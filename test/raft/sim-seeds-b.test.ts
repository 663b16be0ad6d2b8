// The simulator over the second half of the test seeds.
import { test } from 'uvu';
import { assertSeedsPass } from './sim-seeds.js';

test('seeds 201–400: no invariant violation, liveness after faults, linearizable histories', () => {
  // Proves safety (election, log matching, completeness, state machine, durability), liveness and linearizability on 200 more seeds.
  assertSeedsPass(201, 200);
});

test.run();
