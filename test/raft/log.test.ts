// RaftLog: appending, conflict handling, fast back-off hints, compaction and
// the persistence cursors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RaftLog } from '../../runtime/raft/core/log.js';
import { isRaftError } from '../../runtime/raft/core/index.js';
import { EntryType, type Entry, type Snapshot } from '../../runtime/raft/types.js';

const entry = (index: number, term: number, text = ''): Entry => ({ index, term, type: EntryType.Normal, data: new TextEncoder().encode(text) });
const logOf = (...terms: number[]): RaftLog =>
  new RaftLog({ hardState: { term: terms[terms.length - 1] ?? 0, vote: 0, commit: 0 }, snapshot: null, entries: terms.map((t, i) => entry(i + 1, t)) });
const snapshotAt = (index: number, term: number): Snapshot => ({ meta: { index, term, conf: { voters: [1], learners: [] } }, data: new Uint8Array(0) });

test('maybeAppend accepts entries after a matching (prevIndex, prevTerm) and rejects otherwise', () => {
  // Proves the consistency check of AppendEntries.
  const log = logOf(1, 1, 2);
  assert.is(log.maybeAppend(3, 1, [entry(4, 2)]), null, 'wrong prevTerm');
  assert.is(log.maybeAppend(5, 2, [entry(6, 2)]), null, 'prevIndex beyond our log');
  assert.is(log.maybeAppend(3, 2, [entry(4, 2), entry(5, 3)]), 5);
  assert.is(log.lastIndex(), 5);
  assert.is(log.lastTerm(), 3);
});

test('a conflicting suffix is replaced, and the stable cursor moves back so the disk rewrites it', () => {
  // Proves truncation of an uncommitted tail and that the replacement is handed to storage again.
  const log = logOf(1, 1, 2, 2);
  assert.is(log.stabled, 4);
  assert.is(log.maybeAppend(2, 1, [entry(3, 3), entry(4, 3)]), 4);
  assert.equal([log.term(3), log.term(4)], [3, 3]);
  assert.is(log.stabled, 2);
  assert.equal(log.unstableEntries().map((e) => e.index), [3, 4]);
});

test('entries already present are not rewritten, and a stale shorter append does not truncate', () => {
  // Proves duplicated or reordered appends are harmless.
  const log = logOf(1, 2, 2, 2);
  assert.is(log.maybeAppend(1, 1, [entry(2, 2)]), 2, 'vouches only for index 2');
  assert.is(log.lastIndex(), 4, 'entries 3 and 4 stay');
  assert.is(log.stabled, 4);
});

test('truncating a committed entry is an assertion failure, not silent data loss', () => {
  // Proves the core refuses to rewrite committed history even if a leader asked it to.
  const log = logOf(1, 1, 2);
  log.commitTo(3);
  assert.throws(() => log.maybeAppend(2, 1, [entry(3, 3)]), /conflict with committed/);
});

test('findConflictByTerm skips every entry whose term is above the leader’s', () => {
  // Proves the fast back-off hint: one round trip skips a whole term of divergent entries.
  const log = logOf(1, 1, 2, 2, 2, 4, 4);
  assert.equal(log.findConflictByTerm(7, 3), { index: 5, term: 2 });
  assert.equal(log.findConflictByTerm(7, 4), { index: 7, term: 4 });
  assert.equal(log.findConflictByTerm(10, 1), { index: 2, term: 1 });
  assert.equal(log.findConflictByTerm(7, 0), { index: 0, term: 0 });
});

test('isUpToDate compares last term first, then length', () => {
  // Proves the election restriction.
  const log = logOf(1, 2, 2);
  assert.ok(log.isUpToDate(1, 3));
  assert.ok(log.isUpToDate(3, 2));
  assert.not.ok(log.isUpToDate(2, 2));
  assert.not.ok(log.isUpToDate(9, 1));
});

test('slice honours the byte budget but always returns at least one entry', () => {
  // Proves batching never stalls on an entry larger than the budget.
  const log = new RaftLog({ hardState: { term: 1, vote: 0, commit: 0 }, snapshot: null, entries: [entry(1, 1, 'aaaa'), entry(2, 1, 'bb'), entry(3, 1, 'cc')] });
  assert.equal(log.slice(1, 1)?.map((e) => e.index), [1]);
  assert.equal(log.slice(2, 4)?.map((e) => e.index), [2, 3]);
  assert.equal(log.slice(4, 100), []);
});

test('compaction keeps a trail, and slicing below it asks for a snapshot', () => {
  // Proves the in-memory log is bounded by snapshots and that laggards are detected.
  const log = logOf(1, 1, 1, 2, 2, 2);
  log.commitTo(6);
  log.appliedTo(5);
  log.compact(snapshotAt(5, 2), 2);
  assert.is(log.firstIndex(), 4);
  assert.is(log.term(3), 1, 'the compaction point keeps its term');
  assert.is(log.term(2), undefined);
  assert.is(log.slice(3, 100), null);
  assert.equal(log.slice(4, 100)?.map((e) => e.index), [4, 5, 6]);
  assert.is(log.size(), 3);
});

test('restore replaces the log with a snapshot that must be persisted and applied', () => {
  // Proves a follower's log restarts after a received snapshot.
  const log = logOf(1, 1);
  log.restore(snapshotAt(10, 3));
  assert.is(log.lastIndex(), 10);
  assert.is(log.committed, 10);
  assert.is(log.pendingSnapshot?.meta.index, 10);
  assert.equal(log.unstableEntries(), []);
  log.snapshotApplied(10);
  assert.is(log.pendingSnapshot, null);
  assert.is(log.applied, 10);
});

test('a recovered log with a gap or a commit beyond its end is refused with a clear error', () => {
  // Proves damaged disks are reported as operating errors with a fix.
  try {
    new RaftLog({ hardState: { term: 1, vote: 0, commit: 0 }, snapshot: null, entries: [entry(1, 1), entry(3, 1)] });
    assert.unreachable('gap accepted');
  } catch (error) {
    assert.ok(isRaftError(error, 'EDGE_RAFT_RECOVERED_STATE_INVALID'));
    assert.match(error.message, /entry 3 where 2 was expected/);
  }
  try {
    new RaftLog({ hardState: { term: 1, vote: 0, commit: 5 }, snapshot: null, entries: [entry(1, 1)] });
    assert.unreachable('commit beyond the log accepted');
  } catch (error) {
    assert.ok(isRaftError(error, 'EDGE_RAFT_RECOVERED_STATE_INVALID'));
  }
});

test.run();
