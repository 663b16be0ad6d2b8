// Flow control toward one follower: the inflight window and progress states.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Inflights } from '../../runtime/raft/core/inflight.js';
import { Progress, ProgressState } from '../../runtime/raft/core/progress.js';
import { majorityValue, voteOutcome } from '../../runtime/raft/core/quorum.js';

test('the inflight window is bounded by messages and by bytes, and acknowledgements free it', () => {
  // Proves pipelining cannot run away with memory.
  const window = new Inflights(3, 100);
  window.add(5, 10);
  window.add(8, 10);
  assert.not.ok(window.full());
  window.add(9, 10);
  assert.ok(window.full(), 'three messages');
  window.freeTo(8);
  assert.equal([window.count(), window.bytes()], [1, 10]);
  window.add(20, 95);
  assert.ok(window.full(), 'bytes');
  assert.throws(() => window.add(21, 1), /full inflight window/);
});

test('a probe sends one append at a time; an acknowledgement switches to replicating', () => {
  // Proves the probe/replicate state machine and stale-reject filtering.
  const progress = new Progress(2, 11, { messagesMax: 2, bytesMax: 1000 });
  assert.is(progress.state, ProgressState.Probe);
  progress.sentAppend(10, 0, 0);
  assert.ok(progress.isPaused());
  assert.not.ok(progress.maybeDecreaseTo(5, 3), 'a reject for an append we did not just send is stale');
  assert.ok(progress.maybeDecreaseTo(10, 6));
  assert.is(progress.next, 7, 'jumps to the hint, not one by one');
  assert.ok(progress.maybeUpdate(6));
  progress.becomeReplicate();
  progress.sentAppend(8, 2, 100);
  progress.sentAppend(10, 2, 100);
  assert.ok(progress.isPaused(), 'window of two is full');
  assert.is(progress.next, 11);
  assert.not.ok(progress.maybeDecreaseTo(6, 0), 'a reject at or below match is stale');
  assert.ok(progress.maybeDecreaseTo(9, 0));
  assert.is(progress.next, 7);
});

test('majorities: commit index and vote outcomes', () => {
  // Proves the quorum arithmetic for odd and even voter counts.
  assert.is(majorityValue([1, 2, 3], (id) => [0, 5, 9, 7][id]!), 7);
  assert.is(majorityValue([1, 2, 3, 4], (id) => [0, 5, 9, 7, 1][id]!), 5);
  assert.is(voteOutcome([1, 2, 3], new Map([[1, true], [2, true]])), 'won');
  assert.is(voteOutcome([1, 2, 3], new Map([[1, true], [2, false]])), 'pending');
  assert.is(voteOutcome([1, 2, 3, 4], new Map([[1, true], [2, false], [3, false]])), 'lost');
});

test.run();
