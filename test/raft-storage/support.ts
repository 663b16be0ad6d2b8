// Helpers shared by the storage tests: entries with recognisable data, temp
// directories that are always removed, and storage opened and recovered in one call.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { openFileStorage, type FileStorage, type StorageOptions } from '../../runtime/raft/storage/index.js';
import { EntryType, type Entry, type RecoveredState } from '../../runtime/raft/types.js';

/** An entry whose data encodes its index and term, so a mixed-up entry is visible. */
export function entry(index: number, term: number, dataBytes = 16): Entry {
  const data = new Uint8Array(dataBytes);
  for (let i = 0; i < dataBytes; i += 1) data[i] = (index * 31 + term * 7 + i) & 0xff;
  return { index, term, type: index % 5 === 0 ? EntryType.ConfChange : EntryType.Normal, data };
}

export function entries(firstIndex: number, lastIndex: number, term: number, dataBytes = 16): Entry[] {
  const list: Entry[] = [];
  for (let index = firstIndex; index <= lastIndex; index += 1) list.push(entry(index, term, dataBytes));
  return list;
}

export async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'edge-raft-storage-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Small limits so tests cross segment boundaries with few entries. */
export const smallLimits = { segmentBytesMax: 4096, recordBytesMax: 1024, bufferedBytesMax: 64 * 1024 } as const;

export async function openRecovered(options: StorageOptions): Promise<{ storage: FileStorage; state: RecoveredState }> {
  const storage = await openFileStorage(options);
  const state = await storage.recover();
  return { storage, state };
}

/** Compares entries field by field, data included. */
export function assertEntries(actual: readonly Entry[], expected: readonly Entry[], context = ''): void {
  const describe = (list: readonly Entry[]) => list.map((e) => `${e.index}@${e.term}`).join(' ');
  assert.is(describe(actual), describe(expected), `${context} entries (index@term)`);
  for (const [i, wanted] of expected.entries()) {
    const got = actual[i]!;
    assert.is(got.type, wanted.type, `${context} type of ${wanted.index}`);
    assert.equal([...got.data], [...wanted.data], `${context} data of ${wanted.index}`);
  }
}

/** Rejects unless the promise fails with an error carrying `code`; returns the error. */
export async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<Error & { code: string }> {
  try {
    await promise;
  } catch (error) {
    assert.is((error as { code?: string }).code, code, `error code (message: ${(error as Error).message})`);
    return error as Error & { code: string };
  }
  assert.unreachable(`expected a rejection with ${code}`);
  throw new Error('unreachable');
}
