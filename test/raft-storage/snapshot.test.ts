import { copyFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryFileSystem, SnapshotCorruptError, SnapshotMissingError, errnoError } from '../../runtime/raft/storage/index.js';
import type { Snapshot } from '../../runtime/raft/types.js';
import { assertEntries, entries, openRecovered, rejectsWithCode, withTempDir } from './support.js';

const dir = '/data/raft';
const limits = { segmentBytesMax: 2048, recordBytesMax: 512 };

function snapshotAt(index: number, term: number, dataBytes = 300): Snapshot {
  const data = new Uint8Array(dataBytes).map((_, i) => (index + i) & 0xff);
  return { meta: { index, term, conf: { voters: [1, 2, 3], learners: [9] } }, data };
}

async function listNames(fileSystem: MemoryFileSystem) {
  const names = await fileSystem.list(dir);
  return { segments: names.filter((name) => name.endsWith('.wal')), snapshots: names.filter((name) => name.endsWith('.snap')) };
}

test('a saved snapshot comes back with its metadata and data, followed by the later entries', async () => {
  // Proves the snapshot round trip and that entries it covers are not returned.
  const fileSystem = new MemoryFileSystem();
  const { storage } = await openRecovered({ dir, fileSystem, ...limits });
  storage.append(entries(1, 30, 1));
  storage.setHardState({ term: 1, vote: 1, commit: 25 });
  await storage.saveSnapshot(snapshotAt(20, 1));
  storage.append(entries(31, 35, 1));
  await storage.sync();
  const { state } = await openRecovered({ dir, fileSystem: fileSystem.crash(), ...limits });
  assert.equal(state.snapshot?.meta, snapshotAt(20, 1).meta);
  assert.equal([...state.snapshot!.data], [...snapshotAt(20, 1).data]);
  assertEntries(state.entries, entries(21, 35, 1));
  assert.equal(state.hardState, { term: 1, vote: 1, commit: 25 });
});

test('segments wholly covered by a snapshot and older snapshot files are removed', async () => {
  // Proves the log does not grow without end: snapshots bound the files kept.
  const fileSystem = new MemoryFileSystem();
  const { storage } = await openRecovered({ dir, fileSystem, ...limits });
  let mostSegments = 0;
  for (let round = 0; round < 20; round += 1) {
    const first = round * 50 + 1;
    storage.append(entries(first, first + 49, 1, 40));
    storage.setHardState({ term: 1, vote: 1, commit: first + 49 });
    await storage.sync();
    await storage.saveSnapshot(snapshotAt(first + 40, 1));
    const { segments, snapshots } = await listNames(fileSystem);
    mostSegments = Math.max(mostSegments, segments.length);
    assert.is(snapshots.length, 1, `round ${round}: one snapshot file`);
  }
  // 1000 entries of ~66 bytes fill ~33 segments of 2 KiB; a snapshot every 50 entries keeps ~3.
  assert.ok(mostSegments <= 4, `at most 4 segments kept, saw ${mostSegments}`);
  const { state } = await openRecovered({ dir, fileSystem: fileSystem.crash(), ...limits });
  assert.is(state.snapshot?.meta.index, 991);
  assertEntries(state.entries, entries(992, 1000, 1, 40));
});

test('a snapshot from the leader that the log does not contain replaces the whole log', async () => {
  // Proves stale entries past an installed snapshot never come back, whether the log was short or conflicting.
  for (const stale of [entries(1, 10, 1), entries(1, 40, 1)]) {
    const fileSystem = new MemoryFileSystem();
    const { storage } = await openRecovered({ dir, fileSystem, ...limits });
    storage.append(stale);
    await storage.sync();
    // The leader's log has term 2 at index 20: stale entries 11..40 (if any) conflict.
    await storage.saveSnapshot(snapshotAt(20, 2));
    let { state } = await openRecovered({ dir, fileSystem: fileSystem.crash(), ...limits });
    assert.is(state.entries.length, 0, `after ${stale.length} stale entries`);
    assert.is(state.snapshot?.meta.index, 20);
    storage.append(entries(21, 23, 2));
    await storage.sync();
    ({ state } = await openRecovered({ dir, fileSystem: fileSystem.crash(), ...limits }));
    assertEntries(state.entries, entries(21, 23, 2));
  }
});

test('a crash after the snapshot file but before its log marker recovers from the snapshot', async () => {
  // Proves the window between renaming the snapshot and logging its marker is safe, and recovery closes it.
  for (const keepsLog of [true, false]) {
    const fileSystem = new MemoryFileSystem();
    const { storage } = await openRecovered({ dir, fileSystem, ...limits });
    storage.append(entries(1, 60, 1, 40));
    await storage.sync();
    // Snapshot at the last entry of the first segment: the hardest case, as that segment is removable.
    const [first, second] = (await listNames(fileSystem)).segments.sort() as [string, string];
    const index = Number.parseInt(second.slice(21, 37), 16) - 1;
    fileSystem.faults.sync = (path) => (path.endsWith('.wal') ? errnoError('EIO', 'injected') : undefined);
    const snapshot = snapshotAt(index, keepsLog ? 1 : 3);
    await rejectsWithCode(storage.saveSnapshot(snapshot), 'EDGE_RAFT_STORAGE_SYNC_FAILED');
    const disk = fileSystem.crash();
    const { storage: recovered, state } = await openRecovered({ dir, fileSystem: disk, ...limits });
    assert.equal(state.snapshot?.meta, snapshot.meta);
    assertEntries(state.entries, keepsLog ? entries(index + 1, 60, 1, 40) : [], `keepsLog ${keepsLog}`);
    assert.not.ok((await listNames(disk)).segments.includes(first), 'recovery removed the covered segment');
    await recovered.close();
    await disk.syncDirectory(dir); // the removal reaches the disk, as it eventually does
    // Recovery logged the marker before removing anything, so a second start sees the same log.
    const { state: again } = await openRecovered({ dir, fileSystem: disk.crash(), ...limits });
    assertEntries(again.entries, state.entries, 'second recovery');
  }
});

test('segment removals undone by a crash, in any order, are redone at recovery', async () => {
  // Proves unsynced removals are safe: leftover segments (even with a gap in sequence) are not replayed wrongly.
  const fileSystem = new MemoryFileSystem();
  const { storage } = await openRecovered({ dir, fileSystem, ...limits });
  storage.append(entries(1, 200, 1, 40));
  await storage.sync();
  const before = (await listNames(fileSystem)).segments.sort();
  await storage.saveSnapshot(snapshotAt(150, 1));
  const disk = fileSystem.crash();
  const after = (await listNames(disk)).segments.sort();
  assert.equal(after, before, 'the removals were not durable');
  await disk.remove(join(dir, after[1]!));
  await disk.syncDirectory(dir);
  const { state } = await openRecovered({ dir, fileSystem: disk, ...limits });
  assertEntries(state.entries, entries(151, 200, 1, 40));
  assert.ok((await listNames(disk)).segments.length < before.length - 1, 'recovery removed the covered segments');
});

test('a damaged newest snapshot stops recovery with EDGE_RAFT_SNAPSHOT_CORRUPT naming the file', async () => {
  // Proves a snapshot checksum failure is reported, not replaced by an empty state.
  const fileSystem = new MemoryFileSystem();
  const { storage } = await openRecovered({ dir, fileSystem, ...limits });
  storage.append(entries(1, 10, 1));
  await storage.saveSnapshot(snapshotAt(8, 1));
  const disk = fileSystem.crash();
  const path = join(dir, (await listNames(disk)).snapshots[0]!);
  const bytes = await disk.readFile(path);
  bytes[bytes.byteLength - 100]! ^= 4;
  disk.overwriteDurably(path, bytes);
  const error = await rejectsWithCode(openRecovered({ dir, fileSystem: disk, ...limits }), 'EDGE_RAFT_SNAPSHOT_CORRUPT');
  assert.ok(error instanceof SnapshotCorruptError && error.path === path);
});

test('a log marker whose snapshot file is gone stops recovery with EDGE_RAFT_SNAPSHOT_MISSING', async () => {
  // Proves a deleted snapshot is not papered over with a log that starts in the middle.
  const fileSystem = new MemoryFileSystem();
  const { storage } = await openRecovered({ dir, fileSystem, ...limits });
  storage.append(entries(1, 100, 1, 40));
  await storage.saveSnapshot(snapshotAt(90, 1));
  const disk = fileSystem.crash();
  await disk.remove(join(dir, (await listNames(disk)).snapshots[0]!));
  await disk.syncDirectory(dir);
  const error = await rejectsWithCode(openRecovered({ dir, fileSystem: disk, ...limits }), 'EDGE_RAFT_SNAPSHOT_MISSING');
  assert.ok(error instanceof SnapshotMissingError);
});

test('the segment holding the newest snapshot marker outlives the entries it covers', async () => {
  // Proves removal never takes the marker's segment: otherwise a restart could not tell "compacted" from "marker never written".
  const fileSystem = new MemoryFileSystem();
  const { storage } = await openRecovered({ dir, fileSystem, ...limits });
  // From the README layout: 54 bytes of segment start, 26 + 40 per entry, 26 per marker. Fill segment 1
  // so its last records are the snapshot's entry and then its marker, with no room for one more entry.
  const covered = Math.floor((limits.segmentBytesMax - 54 - 26) / (26 + 40));
  storage.append(entries(1, covered, 1, 40));
  await storage.saveSnapshot(snapshotAt(covered, 1));
  storage.append(entries(covered + 1, 90, 1, 40));
  await storage.sync();
  await storage.close();
  assert.ok((await listNames(fileSystem)).segments.sort()[1]!.endsWith(`${(covered + 1).toString(16)}.wal`), 'segment 2 starts after the snapshot');
  const { storage: restarted } = await openRecovered({ dir, fileSystem, ...limits });
  await restarted.close();
  await fileSystem.syncDirectory(dir); // whatever recovery removed is now gone for good
  const { state } = await openRecovered({ dir, fileSystem: fileSystem.crash(), ...limits });
  assertEntries(state.entries, entries(covered + 1, 90, 1, 40));
});

test('the hard state survives removal of the segment it was logged in', async () => {
  // Proves every new segment carries the current hard state, so compaction cannot lose it.
  const fileSystem = new MemoryFileSystem();
  const { storage } = await openRecovered({ dir, fileSystem, ...limits });
  storage.setHardState({ term: 7, vote: 3, commit: 5 });
  storage.append(entries(1, 5, 7, 40));
  await storage.sync();
  storage.append(entries(6, 150, 7, 40));
  await storage.sync();
  await storage.saveSnapshot(snapshotAt(140, 7));
  await fileSystem.syncDirectory(dir);
  const names = (await listNames(fileSystem)).segments.sort();
  assert.ok(!names.some((name) => name.startsWith('seg-0000000000000001-')), 'the first segment was removed');
  const { state } = await openRecovered({ dir, fileSystem: fileSystem.crash(), ...limits });
  assert.equal(state.hardState, { term: 7, vote: 3, commit: 5 });
  assertEntries(state.entries, entries(141, 150, 7, 40));
});

test('a snapshot temp file left by a crash is ignored and removed', async () => {
  // Proves only renamed snapshots count: a .tmp, even a complete newer one, is never read and is cleaned up.
  await withTempDir(async (root) => {
    const other = join(root, 'other');
    const { storage: donor } = await openRecovered({ dir: other, ...limits });
    donor.append(entries(1, 50, 1));
    await donor.saveSnapshot(snapshotAt(50, 1));
    await donor.close();
    const node = join(root, 'node');
    const { storage } = await openRecovered({ dir: node, ...limits });
    storage.append(entries(1, 12, 1));
    await storage.saveSnapshot(snapshotAt(10, 1));
    await storage.close();
    const donorSnapshot = (await readdir(other)).find((name) => name.endsWith('.snap'))!;
    await copyFile(join(other, donorSnapshot), join(node, `${donorSnapshot}.tmp`));
    await writeFile(join(node, 'snap-00000000000000ff-0000000000000001.snap.tmp'), 'half a snapshot');
    const { storage: reopened, state } = await openRecovered({ dir: node, ...limits });
    assert.is(state.snapshot?.meta.index, 10);
    assertEntries(state.entries, entries(11, 12, 1));
    assert.equal((await readdir(node)).filter((name) => name.endsWith('.tmp')), []);
    await reopened.close();
  });
});

test.run();
