// Conf change entries: the codec and the rules of one-server-at-a-time changes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyConfChange, confChangeProblem, ConfChangeKind, decodeConfChange, encodeConfChange, type ConfChange, type CoreConfState } from '../../runtime/raft/core/confchange.js';

test('changes round-trip through their byte encoding and garbage decodes to null', () => {
  // Proves the codec is exact for ids up to 2^53 and rejects malformed data.
  const changes: ConfChange[] = [
    { kind: ConfChangeKind.AddLearner, node: 4 },
    { kind: ConfChangeKind.Remove, node: Number.MAX_SAFE_INTEGER },
    { kind: ConfChangeKind.Bootstrap, voters: [1, 2, 3] },
  ];
  for (const change of changes) {
    assert.equal(decodeConfChange(encodeConfChange(change)), change);
  }
  assert.is(decodeConfChange(new Uint8Array([1, 1, 0, 1])), null, 'truncated');
  assert.is(decodeConfChange(new Uint8Array([2, 1, 0, 0])), null, 'unknown version');
  const bad = encodeConfChange({ kind: ConfChangeKind.AddLearner, node: 4 });
  new DataView(bad.buffer).setFloat64(4, 1.5);
  assert.is(decodeConfChange(bad), null, 'not an integer id');
});

test('members join as learners, are promoted, leave, and removed ids are never admitted again', () => {
  // Proves the membership rules the leader checks before proposing and every node checks when applying.
  let conf: CoreConfState = { voters: [1, 2, 3], learners: [], removed: [] };
  assert.is(confChangeProblem(conf, { kind: ConfChangeKind.PromoteLearner, node: 4 }), 'node 4 is not a learner: add it as a learner first');
  conf = applyConfChange(conf, { kind: ConfChangeKind.AddLearner, node: 4 });
  assert.equal(conf.learners, [4]);
  assert.match(confChangeProblem(conf, { kind: ConfChangeKind.AddLearner, node: 4 }) ?? '', /already a member/);
  conf = applyConfChange(conf, { kind: ConfChangeKind.PromoteLearner, node: 4 });
  assert.equal([conf.voters, conf.learners], [[1, 2, 3, 4], []]);
  conf = applyConfChange(conf, { kind: ConfChangeKind.Remove, node: 2 });
  assert.equal([conf.voters, conf.removed], [[1, 3, 4], [2]]);
  assert.match(confChangeProblem(conf, { kind: ConfChangeKind.AddLearner, node: 2 }) ?? '', /ids are never reused/);
  const single: CoreConfState = { voters: [1], learners: [], removed: [] };
  assert.match(confChangeProblem(single, { kind: ConfChangeKind.Remove, node: 1 }) ?? '', /last voter/);
});

test.run();
