// Raft storage: what a committed entry costs the SD card. Counts come from
// the storage's own counters (bytes handed to the OS, fsyncs), so they are
// exact and machine-independent; the one timing is a ratio of two modes
// measured in the same run on the same disk.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median, type BenchSuite, type Measure } from '../harness.js';
import { openFileStorage, type FileStorage } from '../../runtime/raft/storage/index.js';
import { EntryType, type Entry } from '../../runtime/raft/types.js';

const payloadBytes = 100;
/** Entries per Ready under load: a leader batching proposals between fsyncs. */
const batchEntries = 32;

function makeEntry(index: number, term: number): Entry {
  const data = new Uint8Array(payloadBytes);
  for (let i = 0; i < payloadBytes; i += 1) data[i] = (index + i) & 0xff;
  return { index, term, type: EntryType.Normal, data };
}

async function openIn(dir: string): Promise<FileStorage> {
  const storage = await openFileStorage({ dir });
  await storage.recover();
  return storage;
}

/** Appends `count` entries in batches of `batch`, one hard state and one sync per batch, as a driver would. */
async function commit(storage: FileStorage, firstIndex: number, count: number, batch: number): Promise<number> {
  let index = firstIndex;
  while (index < firstIndex + count) {
    const size = Math.min(batch, firstIndex + count - index);
    for (let i = 0; i < size; i += 1) storage.append([makeEntry(index + i, 1)]);
    index += size;
    storage.setHardState({ term: 1, vote: 1, commit: index - 1 });
    await storage.sync();
  }
  return index;
}

async function measureCounts(dir: string, entries: number): Promise<Measure[]> {
  const storage = await openIn(dir);
  const before = { ...storage.stats };
  await commit(storage, 1, entries, batchEntries);
  const bytes = storage.stats.bytesWritten - before.bytesWritten;
  const fsyncs = storage.stats.fsyncs - before.fsyncs;
  await storage.close();
  const bytesPerEntry = bytes / entries;
  return [
    { name: 'raftStorage.bytesPerEntry100B', value: bytesPerEntry, unit: 'bytes', note: `${entries} entries of ${payloadBytes} B in batches of ${batchEntries}, hard state per batch, segments of 4 MiB` },
    { name: 'raftStorage.overheadBytesPerEntry', value: bytesPerEntry - payloadBytes, unit: 'bytes', note: '26 B entry framing + hard state record and segment headers amortised' },
    { name: 'raftStorage.writeAmplification', value: bytesPerEntry / payloadBytes, unit: 'ratio', note: 'bytes handed to the OS / payload bytes (file-system journal not included)' },
    { name: 'raftStorage.fsyncsPerEntryBatch32', value: fsyncs / entries, unit: 'fsyncs', note: `file and directory fsyncs per entry, batches of ${batchEntries}` },
  ];
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

/** The most the directory holds right after each snapshot: the log must not grow with the entry count. */
async function measureCompaction(dir: string, entries: number): Promise<Measure> {
  const storage = await openIn(dir);
  const snapshotEveryEntries = 10_000; // Swarm's default SnapshotInterval
  let heldBytesMax = 0;
  let index = 1;
  while (index <= entries) {
    index = await commit(storage, index, Math.min(snapshotEveryEntries, entries - index + 1), batchEntries);
    await storage.saveSnapshot({ meta: { index: index - 1, term: 1, conf: { voters: [1], learners: [] } }, data: new Uint8Array(64 * 1024) });
    heldBytesMax = Math.max(heldBytesMax, await directoryBytes(dir));
  }
  await storage.close();
  return {
    name: 'raftStorage.diskBytesHeldMax',
    value: heldBytesMax,
    unit: 'bytes',
    note: `${entries} entries of ${payloadBytes} B, a 64 KiB snapshot every ${snapshotEveryEntries}: largest directory size seen after a snapshot`,
  };
}

/** Entries per second with group commit over entries per second with one fsync each, interleaved rounds, median. */
async function measureSpeedup(dir: string, rounds: number, fsyncsPerRound: number): Promise<Measure> {
  const storage = await openIn(dir);
  let index = 1;
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    let started = performance.now();
    index = await commit(storage, index, fsyncsPerRound, 1);
    const singleMsPerEntry = (performance.now() - started) / fsyncsPerRound;
    started = performance.now();
    index = await commit(storage, index, fsyncsPerRound * batchEntries, batchEntries);
    const batchedMsPerEntry = (performance.now() - started) / (fsyncsPerRound * batchEntries);
    ratios.push(singleMsPerEntry / batchedMsPerEntry);
  }
  await storage.close();
  return {
    name: 'raftStorage.groupCommitSpeedup',
    value: median(ratios),
    unit: 'ratio',
    note: `entries/s with batches of ${batchEntries} ÷ entries/s with one fsync per entry, same disk (${tmpdir()}), median of ${rounds} interleaved rounds`,
  };
}

export const suite: BenchSuite = {
  name: 'raft-storage',
  async run({ ci }) {
    const root = await mkdtemp(join(tmpdir(), 'edge-bench-raft-storage-'));
    try {
      const counts = await measureCounts(join(root, 'counts'), ci ? 20_000 : 100_000);
      const compaction = await measureCompaction(join(root, 'compaction'), ci ? 30_000 : 100_000);
      const speedup = await measureSpeedup(join(root, 'speedup'), ci ? 3 : 7, ci ? 40 : 100);
      return [...counts, compaction, speedup];
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
};
