// Disk faults injected through the memory file system: failed fsyncs and
// writes, short writes, full disks, and power cuts that drop unsynced data.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryFileSystem, StorageIoError, errnoError } from '../../runtime/raft/storage/index.js';
import { assertEntries, entries, openRecovered, rejectsWithCode } from './support.js';

const dir = '/data/raft';
const limits = { segmentBytesMax: 2048, recordBytesMax: 512 };

test('a power cut keeps exactly what sync() acknowledged', async () => {
  // Proves acknowledged batches survive and unsynced appends and hard states do not.
  const fileSystem = new MemoryFileSystem();
  const { storage } = await openRecovered({ dir, fileSystem, ...limits });
  storage.append(entries(1, 8, 1));
  storage.setHardState({ term: 1, vote: 1, commit: 4 });
  await storage.sync();
  storage.append(entries(9, 12, 1));
  storage.setHardState({ term: 1, vote: 1, commit: 9 });
  const { state } = await openRecovered({ dir, fileSystem: fileSystem.crash(), ...limits });
  assertEntries(state.entries, entries(1, 8, 1));
  assert.equal(state.hardState, { term: 1, vote: 1, commit: 4 });
});

test('a power cut right after a sync that started new segments loses nothing', async () => {
  // Proves rotation fsyncs the old segment and the directory before sync() resolves.
  const fileSystem = new MemoryFileSystem();
  const { storage } = await openRecovered({ dir, fileSystem, ...limits });
  storage.append(entries(1, 10, 1, 40));
  await storage.sync();
  storage.append(entries(11, 120, 1, 40)); // one batch spanning several segments
  storage.setHardState({ term: 1, vote: 0, commit: 100 });
  await storage.sync();
  assert.ok((await fileSystem.list(dir)).length >= 3, 'several segments');
  const { state } = await openRecovered({ dir, fileSystem: fileSystem.crash(), ...limits });
  assertEntries(state.entries, entries(1, 120, 1, 40));
  assert.equal(state.hardState, { term: 1, vote: 0, commit: 100 });
});

test('a failed fsync is a typed error, and the storage refuses all later work with it', async () => {
  // Proves fsync failure is EDGE_RAFT_STORAGE_SYNC_FAILED, never retried blindly, and recovery keeps what was synced.
  const fileSystem = new MemoryFileSystem();
  const { storage } = await openRecovered({ dir, fileSystem, ...limits });
  storage.append(entries(1, 5, 1));
  await storage.sync();
  fileSystem.faults.sync = () => errnoError('EIO', 'injected fsync failure');
  storage.append(entries(6, 7, 1));
  const error = await rejectsWithCode(storage.sync(), 'EDGE_RAFT_STORAGE_SYNC_FAILED');
  assert.ok(error instanceof StorageIoError && error.operation === 'sync' && error.errno === 'EIO' && error.path.endsWith('.wal'));
  assert.is((error as StorageIoError).retryable, false);
  fileSystem.faults.sync = undefined;
  assert.throws(() => storage.append(entries(8, 8, 1)), (thrown: unknown) => thrown === error);
  await rejectsWithCode(storage.sync(), 'EDGE_RAFT_STORAGE_SYNC_FAILED');
  await storage.close();
  const { state } = await openRecovered({ dir, fileSystem: fileSystem.crash(), ...limits });
  assertEntries(state.entries, entries(1, 5, 1));
});

test('short writes are completed and counted byte for byte', async () => {
  // Proves a write that returns fewer bytes is continued, and stats.bytesWritten counts what the OS took.
  const fileSystem = new MemoryFileSystem();
  let calls = 0;
  fileSystem.faults.write = (_path, lengthBytes) => {
    calls += 1;
    return lengthBytes > 1 ? Math.ceil(lengthBytes / 3) : undefined;
  };
  const { storage } = await openRecovered({ dir, fileSystem, ...limits });
  storage.append(entries(1, 60, 2, 30));
  storage.setHardState({ term: 2, vote: 1, commit: 60 });
  await storage.sync();
  const names = await fileSystem.list(dir);
  let onDisk = 0;
  for (const name of names) onDisk += await fileSystem.fileBytes(`${dir}/${name}`);
  assert.is(storage.stats.bytesWritten, onDisk);
  assert.ok(calls > names.length * 3, `writes were split (${calls} calls)`);
  const { state } = await openRecovered({ dir, fileSystem: fileSystem.crash(), ...limits });
  assertEntries(state.entries, entries(1, 60, 2, 30));
});

test('a full disk mid-write is EDGE_RAFT_STORAGE_DISK_FULL, and a restart cuts the partial record', async () => {
  // Proves ENOSPC after a partial write is typed, and the half-written record is treated as a torn tail.
  const fileSystem = new MemoryFileSystem();
  const { storage } = await openRecovered({ dir, fileSystem, ...limits });
  storage.append(entries(1, 5, 1));
  await storage.sync();
  let first = true;
  const landedBytes = 100; // two whole 42-byte entry records (26 framing + 16 data) and 16 bytes of a third
  fileSystem.faults.write = () => {
    if (!first) return errnoError('ENOSPC', 'no space left on device');
    first = false;
    return landedBytes;
  };
  storage.append(entries(6, 9, 1));
  const error = await rejectsWithCode(storage.sync(), 'EDGE_RAFT_STORAGE_DISK_FULL');
  assert.match(error.message, /free space/);
  fileSystem.faults.write = undefined;
  // The process restarts without a power cut: the half-written bytes are still in the file.
  const { storage: restarted, state } = await openRecovered({ dir, fileSystem, ...limits });
  const whole = Math.floor(landedBytes / (26 + 16));
  assertEntries(state.entries, entries(1, 5 + whole, 1));
  restarted.append(entries(6 + whole, 9, 1));
  await restarted.sync();
  const { state: after } = await openRecovered({ dir, fileSystem: fileSystem.crash(), ...limits });
  assertEntries(after.entries, entries(1, 9, 1));
});

test('a snapshot whose temp file cannot be fsynced fails typed and leaves the old state', async () => {
  // Proves a failed snapshot write neither half-installs the snapshot nor damages the log.
  const fileSystem = new MemoryFileSystem();
  const { storage } = await openRecovered({ dir, fileSystem, ...limits });
  storage.append(entries(1, 20, 1));
  await storage.sync();
  fileSystem.faults.sync = (path) => (path.endsWith('.tmp') ? errnoError('EIO', 'injected') : undefined);
  await rejectsWithCode(storage.saveSnapshot({ meta: { index: 15, term: 1, conf: { voters: [1], learners: [] } }, data: new Uint8Array(64) }), 'EDGE_RAFT_STORAGE_SYNC_FAILED');
  fileSystem.faults.sync = undefined;
  const { state } = await openRecovered({ dir, fileSystem, ...limits });
  assert.is(state.snapshot, null);
  assertEntries(state.entries, entries(1, 20, 1));
  assert.equal((await fileSystem.list(dir)).filter((name) => name.endsWith('.tmp')), []);
});

test.run();
