import { readdir } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AssertionFailure } from '../../runtime/common/assert.js';
import { EntryTooLargeError, openFileStorage } from '../../runtime/raft/storage/index.js';
import { assertEntries, entries, entry, openRecovered, smallLimits, withTempDir } from './support.js';

test('an empty directory recovers to an empty log and zero hard state', async () => {
  // Proves a fresh node starts from nothing and that recover() creates what it needs.
  await withTempDir(async (root) => {
    const { storage, state } = await openRecovered({ dir: `${root}/node`, ...smallLimits });
    assert.equal(state, { hardState: { term: 0, vote: 0, commit: 0 }, snapshot: null, entries: [] });
    const names = await readdir(`${root}/node`);
    assert.is(names.filter((name) => name.endsWith('.wal')).length, 1);
    await storage.close();
  });
});

test('entries and hard state written over several syncs and segments read back exactly', async () => {
  // Proves the round trip across segment boundaries, entry types, empty and large data.
  await withTempDir(async (dir) => {
    const { storage } = await openRecovered({ dir, ...smallLimits });
    const written = [...entries(1, 40, 1), entry(41, 2, 0), entry(42, 2, 900), ...entries(43, 120, 3, 40)];
    for (let i = 0; i < written.length; i += 7) {
      storage.append(written.slice(i, i + 7));
      storage.setHardState({ term: 3, vote: 2, commit: Math.min(i + 7, written.length) - 1 });
      await storage.sync();
    }
    await storage.close();
    const segments = (await readdir(dir)).filter((name) => name.endsWith('.wal'));
    assert.ok(segments.length >= 3, `expected several segments, got ${segments.length}`);
    const { storage: reopened, state } = await openRecovered({ dir, ...smallLimits });
    assertEntries(state.entries, written);
    assert.equal(state.hardState, { term: 3, vote: 2, commit: 119 });
    assert.is(state.snapshot, null);
    // Appending after a recovery continues the same log.
    reopened.append(entries(121, 125, 3));
    await reopened.sync();
    await reopened.close();
    const { storage: third, state: again } = await openRecovered({ dir, ...smallLimits });
    assertEntries(again.entries, [...written, ...entries(121, 125, 3)]);
    await third.close();
  });
});

test('of several hard states set before one sync, the last one is kept', async () => {
  // Proves hard states coalesce to the newest, not the first, within a batch.
  await withTempDir(async (dir) => {
    const { storage } = await openRecovered({ dir, ...smallLimits });
    storage.setHardState({ term: 1, vote: 0, commit: 0 });
    storage.append(entries(1, 3, 1));
    storage.setHardState({ term: 2, vote: 1, commit: 2 });
    storage.setHardState({ term: 2, vote: 1, commit: 3 });
    await storage.sync();
    await storage.close();
    const { storage: reopened, state } = await openRecovered({ dir, ...smallLimits });
    assert.equal(state.hardState, { term: 2, vote: 1, commit: 3 });
    await reopened.close();
  });
});

test('close() makes buffered appends durable', async () => {
  // Proves a clean shutdown loses nothing that was appended, even without a final sync().
  await withTempDir(async (dir) => {
    const { storage } = await openRecovered({ dir, ...smallLimits });
    storage.append(entries(1, 5, 1));
    storage.setHardState({ term: 1, vote: 1, commit: 3 });
    await storage.close();
    const { storage: reopened, state } = await openRecovered({ dir, ...smallLimits });
    assertEntries(state.entries, entries(1, 5, 1));
    assert.equal(state.hardState, { term: 1, vote: 1, commit: 3 });
    await reopened.close();
  });
});

test('an entry larger than recordBytesMax is refused with a typed error and changes nothing', async () => {
  // Proves the record size bound is enforced at append time, before anything is buffered.
  await withTempDir(async (dir) => {
    const { storage } = await openRecovered({ dir, ...smallLimits });
    storage.append(entries(1, 2, 1));
    assert.throws(() => storage.append([entry(3, 1), entry(4, 1, smallLimits.recordBytesMax)]), (error: unknown) => {
      return error instanceof EntryTooLargeError && error.code === 'EDGE_RAFT_ENTRY_TOO_LARGE';
    });
    storage.append([entry(3, 1)]);
    await storage.close();
    const { storage: reopened, state } = await openRecovered({ dir, ...smallLimits });
    assertEntries(state.entries, entries(1, 3, 1));
    await reopened.close();
  });
});

const isAssertion = (error: unknown): boolean => error instanceof AssertionFailure;

test('misuse by the caller is an assertion failure, not an operating error', async () => {
  // Proves gaps, writes before recover() and snapshot regressions crash loudly.
  await withTempDir(async (dir) => {
    const storage = await openFileStorage({ dir, ...smallLimits });
    assert.throws(() => storage.append([entry(1, 1)]), isAssertion);
    await storage.recover();
    assert.throws(() => storage.append([entry(2, 1)]), isAssertion, 'gap after an empty log');
    storage.append([entry(1, 2)]);
    assert.throws(() => storage.append([entry(2, 1)]), isAssertion, 'term going backwards');
    assert.throws(() => storage.append([entry(2, 2), entry(4, 2)]), isAssertion, 'non-contiguous batch');
    storage.setHardState({ term: 3, vote: 1, commit: 0 });
    assert.throws(() => storage.setHardState({ term: 2, vote: 1, commit: 0 }), isAssertion, 'term going backwards');
    assert.throws(() => storage.setHardState({ term: 3, vote: 2, commit: 0 }), isAssertion, 'second vote in a term');
    await storage.close();
    assert.throws(() => storage.append([entry(2, 2)]), isAssertion, 'append after close');
  });
});

test.run();
