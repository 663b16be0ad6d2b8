import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryFileSystem, StorageBacklogError } from '../../runtime/raft/storage/index.js';
import { assertEntries, entries, entry, openRecovered } from './support.js';

const dir = '/data/raft';
// Entry record framing from the README: 8-byte header, 1 type byte, index, term, entry type.
const entryOverheadBytes = 8 + 1 + 8 + 8 + 1;
const hardStateRecordBytes = 8 + 1 + 24;

test('many appends and a hard state cost one fsync and only their records in bytes', async () => {
  // Proves group commit: N appends + setHardState + one sync() = exactly one fsync.
  const { storage } = await openRecovered({ dir, fileSystem: new MemoryFileSystem() });
  const before = { ...storage.stats };
  for (let index = 1; index <= 100; index += 1) storage.append([entry(index, 1, 100)]);
  storage.setHardState({ term: 1, vote: 1, commit: 90 });
  await storage.sync();
  assert.is(storage.stats.fsyncs - before.fsyncs, 1);
  assert.is(storage.stats.bytesWritten - before.bytesWritten, 100 * (100 + entryOverheadBytes) + hardStateRecordBytes);
});

test('a sync with nothing new costs nothing; a hard state alone costs one fsync', async () => {
  // Proves no idle fsyncs, and that an unchanged hard state is not rewritten.
  const { storage } = await openRecovered({ dir, fileSystem: new MemoryFileSystem() });
  storage.append(entries(1, 3, 1));
  await storage.sync();
  let before = { ...storage.stats };
  await storage.sync();
  assert.equal(storage.stats, before, 'empty sync');
  storage.setHardState({ term: 1, vote: 2, commit: 1 });
  await storage.sync();
  assert.is(storage.stats.fsyncs - before.fsyncs, 1, 'hard state only');
  assert.is(storage.stats.bytesWritten - before.bytesWritten, hardStateRecordBytes);
  before = { ...storage.stats };
  storage.setHardState({ term: 1, vote: 2, commit: 1 });
  await storage.sync();
  assert.equal(storage.stats, before, 'same hard state again');
});

test('a batch that crosses into a new segment costs at most three fsyncs', async () => {
  // Proves the bound: old segment, new segment, and the directory that now names it.
  const fileSystem = new MemoryFileSystem();
  const { storage } = await openRecovered({ dir, fileSystem, segmentBytesMax: 4096, recordBytesMax: 1024 });
  storage.append(entries(1, 30, 1, 100));
  await storage.sync();
  const before = { ...storage.stats };
  storage.append(entries(31, 45, 1, 100));
  await storage.sync();
  assert.ok((await fileSystem.list(dir)).length >= 2, 'the batch started a new segment');
  assert.is(storage.stats.fsyncs - before.fsyncs, 3);
});

test('proposals arriving while an fsync runs share the next fsync', async () => {
  // Proves that concurrent sync() calls coalesce: 20 proposals, at most 2 fsyncs.
  const { storage } = await openRecovered({ dir, fileSystem: new MemoryFileSystem() });
  const before = storage.stats.fsyncs;
  const pending: Promise<void>[] = [];
  for (let index = 1; index <= 20; index += 1) {
    storage.append([entry(index, 1)]);
    pending.push(storage.sync());
  }
  await Promise.all(pending);
  assert.ok(storage.stats.fsyncs - before <= 2, `fsyncs: ${storage.stats.fsyncs - before}`);
});

test('appends past bufferedBytesMax are written and fsynced without waiting for sync()', async () => {
  // Proves the buffered-bytes bound forces a durable flush on its own.
  const fileSystem = new MemoryFileSystem();
  const { storage } = await openRecovered({ dir, fileSystem, recordBytesMax: 1024, bufferedBytesMax: 2048 });
  storage.append(entries(1, 30, 1, 100));
  await new Promise((resolve) => setTimeout(resolve, 20));
  const { storage: after, state } = await openRecovered({ dir, fileSystem: fileSystem.crash() });
  assert.ok(state.entries.length >= 2048 / (100 + entryOverheadBytes) - 1, `forced flush kept ${state.entries.length} entries`);
  assertEntries(state.entries, entries(1, state.entries.length, 1, 100));
  await after.close();
  await storage.close();
});

test('appending more than twice bufferedBytesMax while the disk is stuck fails with a retryable typed error', async () => {
  // Proves memory stays bounded when the disk does not keep up, and that work resumes once it does.
  const fileSystem = new MemoryFileSystem();
  const { storage } = await openRecovered({ dir, fileSystem, recordBytesMax: 1024, bufferedBytesMax: 2048 });
  let release: () => void = () => undefined;
  const stalled = new Promise<void>((resolve) => (release = resolve));
  fileSystem.faults.syncDelay = () => stalled;
  let accepted = 0;
  let refused: unknown = null;
  while (refused === null && accepted < 200) {
    try {
      storage.append([entry(accepted + 1, 1, 100)]);
      accepted += 1;
    } catch (error) {
      refused = error;
    }
  }
  assert.ok(refused instanceof StorageBacklogError, `refused: ${String(refused)}`);
  assert.is((refused as StorageBacklogError).retryable, true);
  const recordBytes = 100 + entryOverheadBytes;
  assert.ok(accepted * recordBytes <= 2 * 2048 && (accepted + 1) * recordBytes > 2 * 2048, `accepted ${accepted} entries`);
  release();
  await storage.sync();
  storage.append([entry(accepted + 1, 1, 100)]);
  await storage.sync();
  const { state } = await openRecovered({ dir, fileSystem: fileSystem.crash() });
  assertEntries(state.entries, entries(1, accepted + 1, 1, 100));
});

test.run();
