// A follower replacing a conflicting tail: after a restart the log is the
// overwritten one, or (if the crash cut the overwrite) the old log or the
// common prefix followed by part of the new entries; never old entries after new ones.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryFileSystem } from '../../runtime/raft/storage/index.js';
import type { Entry } from '../../runtime/raft/types.js';
import { assertEntries, entries, entry, openRecovered, withTempDir } from './support.js';

const dir = '/data/raft';
// From the README's record layout: framing and fields of an entry record.
const entryOverheadBytes = 26;

test('an overwritten tail survives a restart, including one reaching into an older segment', async () => {
  // Proves the replayed log equals the in-memory one after overwrites, shorter and longer than the old tail.
  await withTempDir(async (path) => {
    const limits = { segmentBytesMax: 2048, recordBytesMax: 512 };
    const { storage } = await openRecovered({ dir: path, ...limits });
    storage.append(entries(1, 80, 1, 40));
    await storage.sync();
    storage.append(entries(20, 22, 2, 40)); // shorter than the tail it replaces, which spans segments
    await storage.sync();
    await storage.close();
    let { storage: reopened, state } = await openRecovered({ dir: path, ...limits });
    assertEntries(state.entries, [...entries(1, 19, 1, 40), ...entries(20, 22, 2, 40)]);
    reopened.append([...entries(22, 25, 3, 40)]);
    reopened.setHardState({ term: 3, vote: 2, commit: 21 });
    await reopened.close();
    ({ storage: reopened, state } = await openRecovered({ dir: path, ...limits }));
    assertEntries(state.entries, [...entries(1, 19, 1, 40), ...entries(20, 21, 2, 40), ...entries(22, 25, 3, 40)]);
    await reopened.close();
  });
});

test('an overwrite in the same batch as the entries it replaces is replayed in order', async () => {
  // Proves unsynced appends and their overwrite, buffered together, recover as the final log.
  const fileSystem = new MemoryFileSystem();
  const { storage } = await openRecovered({ dir, fileSystem });
  storage.append(entries(1, 10, 1));
  storage.append(entries(4, 6, 2));
  storage.append(entries(6, 7, 3));
  await storage.sync();
  const { state } = await openRecovered({ dir, fileSystem: fileSystem.crash() });
  assertEntries(state.entries, [...entries(1, 3, 1), ...entries(4, 5, 2), ...entries(6, 7, 3)]);
});

test('a crash at every byte of an overwrite recovers the old log or the common prefix plus whole new entries', async () => {
  // Proves "never a mix": no cut of the overwrite leaves old conflicting entries after new ones.
  const fileSystem = new MemoryFileSystem();
  const { storage } = await openRecovered({ dir, fileSystem });
  const old = entries(1, 10, 1, 20);
  storage.append(old);
  await storage.sync();
  const segment = join(dir, (await fileSystem.list(dir)).find((name) => name.endsWith('.wal'))!);
  const overwriteStart = await fileSystem.fileBytes(segment);
  const replacement: Entry[] = [entry(6, 2, 20), entry(7, 2, 3), entry(8, 2, 50)];
  storage.append(replacement);
  await storage.sync();
  const end = await fileSystem.fileBytes(segment);
  assert.is(end - overwriteStart, replacement.reduce((sum, item) => sum + entryOverheadBytes + item.data.byteLength, 0));
  for (let cut = overwriteStart; cut <= end; cut += 1) {
    const disk = fileSystem.crash();
    disk.overwriteDurably(segment, (await disk.readFile(segment)).subarray(0, cut));
    const { state } = await openRecovered({ dir, fileSystem: disk });
    let whole = 0;
    let at = overwriteStart;
    for (const item of replacement) {
      at += entryOverheadBytes + item.data.byteLength;
      if (at <= cut) whole += 1;
    }
    const expected = whole === 0 ? old : [...old.slice(0, 5), ...replacement.slice(0, whole)];
    assertEntries(state.entries, expected, `cut at ${cut}`);
  }
});

test.run();
