// Damage that is not a crash: bit flips and holes. In the newest record a
// flip is indistinguishable from a torn write and is cut off; anywhere else
// it must stop recovery with a typed error naming the file and the offset.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogCorruptError, MemoryFileSystem } from '../../runtime/raft/storage/index.js';
import { assertEntries, entries, openRecovered } from './support.js';

const dir = '/data/raft';

/** One entry per sync, so each record's start offset is the segment size before it. */
async function writeLog(options: { segmentBytesMax?: number; count: number }) {
  const fileSystem = new MemoryFileSystem();
  // A generous recordBytesMax lets flipped length bits point past the end of the file, the hardest case.
  const limits = options.segmentBytesMax ? { segmentBytesMax: options.segmentBytesMax, recordBytesMax: 512 } : { recordBytesMax: 64 * 1024 };
  const { storage } = await openRecovered({ dir, fileSystem, ...limits });
  const written = entries(1, options.count, 1, 24);
  const recordOffsets = new Map<number, { path: string; offsetBytes: number }>();
  for (const item of written) {
    storage.append([item]);
    await storage.sync();
    const names = (await fileSystem.list(dir)).filter((name) => name.endsWith('.wal')).sort();
    const path = join(dir, names[names.length - 1]!);
    const sizeBytes = await fileSystem.fileBytes(path);
    recordOffsets.set(item.index, { path, offsetBytes: sizeBytes - (26 + 24) });
  }
  await storage.close();
  return { disk: fileSystem, written, recordOffsets, limits };
}

async function recoverWithFlip(base: MemoryFileSystem, path: string, byteOffset: number, bit: number, limits: object) {
  const disk = base.crash();
  const bytes = await disk.readFile(path);
  bytes[byteOffset]! ^= 1 << bit;
  disk.overwriteDurably(path, bytes);
  try {
    return { state: (await openRecovered({ dir, fileSystem: disk, ...limits })).state, error: null };
  } catch (error) {
    return { state: null, error };
  }
}

test('any bit flipped in the newest record is cut off as a torn tail or stops recovery, never returned', async () => {
  // Proves a damaged last record never comes back as data, and that CRC or body damage there counts as a tear.
  const { disk, written, recordOffsets, limits } = await writeLog({ count: 12 });
  const last = recordOffsets.get(12)!;
  for (let byte = 0; byte < 26 + 24; byte += 1) {
    for (let bit = 0; bit < 8; bit += 1) {
      const { state, error } = await recoverWithFlip(disk, last.path, last.offsetBytes + byte, bit, limits);
      const context = `byte ${byte} bit ${bit}`;
      if (state) assertEntries(state.entries, written.slice(0, 11), context);
      else assert.ok(error instanceof LogCorruptError && error.offsetBytes === last.offsetBytes, `${context}: ${String(error)}`);
      if (byte >= 4) assert.ok(state !== null, `${context}: a flip past the length field is a torn tail`);
    }
  }
});

test('any bit flipped in a record followed by valid records is EDGE_RAFT_LOG_CORRUPT at that record', async () => {
  // Proves mid-log damage is never silently truncated, whichever field the flip hits.
  const { disk, recordOffsets, limits } = await writeLog({ count: 12 });
  const middle = recordOffsets.get(6)!;
  for (let byte = 0; byte < 26 + 24; byte += 1) {
    for (let bit = 0; bit < 8; bit += 1) {
      const { state, error } = await recoverWithFlip(disk, middle.path, middle.offsetBytes + byte, bit, limits);
      const context = `byte ${byte} bit ${bit}`;
      assert.is(state, null, `${context}: recovery must stop`);
      assert.ok(error instanceof LogCorruptError, `${context}: ${String(error)}`);
      const corrupt = error as LogCorruptError;
      assert.is(corrupt.code, 'EDGE_RAFT_LOG_CORRUPT');
      assert.is(corrupt.retryable, false);
      assert.is(corrupt.path, middle.path);
      assert.is(corrupt.offsetBytes, middle.offsetBytes, context);
      assert.ok(corrupt.message.includes(`${middle.path} is damaged at byte ${middle.offsetBytes}`), corrupt.message);
      assert.match(corrupt.message, /rejoin/);
    }
  }
});

test('a zeroed hole with valid records after it is corruption, not a tail', async () => {
  // Proves the rule "only zeros may follow a torn tail": real data after a hole stops recovery.
  const { disk, recordOffsets, limits } = await writeLog({ count: 12 });
  const middle = recordOffsets.get(8)!;
  const damaged = disk.crash();
  const bytes = await damaged.readFile(middle.path);
  bytes.fill(0, middle.offsetBytes, middle.offsetBytes + 50);
  damaged.overwriteDurably(middle.path, bytes);
  try {
    await openRecovered({ dir, fileSystem: damaged, ...limits });
    assert.unreachable('recovery must stop');
  } catch (error) {
    assert.ok(error instanceof LogCorruptError && error.offsetBytes === middle.offsetBytes, String(error));
  }
});

test('damage at the end of an older segment is corruption even though it looks like a tear', async () => {
  // Proves only the newest segment may have a torn tail: older ones were fsynced before the next began.
  const { disk, recordOffsets, limits } = await writeLog({ count: 80, segmentBytesMax: 1024 });
  const paths = [...new Set([...recordOffsets.values()].map((where) => where.path))];
  assert.ok(paths.length >= 3, 'the log spans several segments');
  const lastInFirst = [...recordOffsets.values()].filter((where) => where.path === paths[0]).at(-1)!;
  for (const cut of ['flip', 'truncate'] as const) {
    const damaged = disk.crash();
    const bytes = await damaged.readFile(lastInFirst.path);
    if (cut === 'flip') bytes[lastInFirst.offsetBytes + 30]! ^= 0x10;
    damaged.overwriteDurably(lastInFirst.path, cut === 'flip' ? bytes : bytes.subarray(0, lastInFirst.offsetBytes + 30));
    try {
      await openRecovered({ dir, fileSystem: damaged, ...limits });
      assert.unreachable(`${cut}: recovery must stop`);
    } catch (error) {
      assert.ok(error instanceof LogCorruptError && error.path === lastInFirst.path && error.offsetBytes === lastInFirst.offsetBytes, `${cut}: ${String(error)}`);
    }
  }
});

test('a segment whose start record names another sequence is corruption', async () => {
  // Proves a misplaced or renamed segment is caught by its own header, not replayed out of order.
  const { disk, recordOffsets, limits } = await writeLog({ count: 80, segmentBytesMax: 1024 });
  const paths = [...new Set([...recordOffsets.values()].map((where) => where.path))];
  const damaged = disk.crash();
  damaged.overwriteDurably(paths[1]!, await damaged.readFile(paths[0]!));
  try {
    await openRecovered({ dir, fileSystem: damaged, ...limits });
    assert.unreachable('recovery must stop');
  } catch (error) {
    assert.ok(error instanceof LogCorruptError && error.path === paths[1] && error.offsetBytes === 0, String(error));
    assert.match((error as Error).message, /sequence/);
  }
});

test.run();
