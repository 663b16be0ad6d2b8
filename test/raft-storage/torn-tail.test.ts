// Crash at every byte: the newest segment is cut (or zero-filled, as a file
// system that grew the file but lost the data leaves it) at each offset of its
// last records, and recovery must return exactly the records wholly written.
import { cp, open, readFile, readdir, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Entry, HardState } from '../../runtime/raft/types.js';
import { assertEntries, entries, entry, openRecovered, smallLimits, withTempDir } from './support.js';

interface Checkpoint {
  /** Size of the newest segment once this step was synced. */
  sizeBytes: number;
  entries: Entry[];
  hardState: HardState;
}

async function newestSegment(dir: string): Promise<string> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.wal')).sort();
  return join(dir, names[names.length - 1]!);
}

/** Writes a log whose last steps each add exactly one record, and notes the segment size after each. */
async function writeLog(dir: string): Promise<{ checkpoints: Checkpoint[]; segmentPath: string }> {
  const { storage } = await openRecovered({ dir, ...smallLimits });
  let log: Entry[] = entries(1, 60, 1, 40);
  for (let i = 0; i < log.length; i += 10) {
    storage.append(log.slice(i, i + 10));
    storage.setHardState({ term: 1, vote: 1, commit: i });
    await storage.sync();
  }
  let hardState: HardState = { term: 1, vote: 1, commit: 50 };
  storage.setHardState(hardState);
  await storage.sync();
  const segmentPath = await newestSegment(dir);
  const checkpoints: Checkpoint[] = [{ sizeBytes: (await stat(segmentPath)).size, entries: log, hardState }];
  const steps: Array<() => void> = [
    () => storage.append([(log = [...log, entry(61, 1, 40)]).at(-1)!]),
    () => storage.setHardState((hardState = { term: 2, vote: 0, commit: 61 })),
    () => storage.append([(log = [...log, entry(62, 2, 300)]).at(-1)!]),
    () => storage.append([(log = [...log, entry(63, 2, 0)]).at(-1)!]),
    () => storage.setHardState((hardState = { term: 2, vote: 3, commit: 62 })),
    () => storage.append([(log = [...log, entry(64, 2, 5)]).at(-1)!]),
  ];
  for (const step of steps) {
    step();
    await storage.sync();
    checkpoints.push({ sizeBytes: (await stat(segmentPath)).size, entries: log, hardState });
  }
  await storage.close();
  assert.is(await newestSegment(dir), segmentPath, 'the last steps stayed in one segment');
  return { checkpoints, segmentPath };
}

function expectedAt(checkpoints: readonly Checkpoint[], cutBytes: number): Checkpoint {
  let expected = checkpoints[0]!;
  for (const checkpoint of checkpoints) if (checkpoint.sizeBytes <= cutBytes) expected = checkpoint;
  return expected;
}

async function zeroFrom(path: string, fromBytes: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const sizeBytes = (await handle.stat()).size;
    await handle.write(new Uint8Array(sizeBytes - fromBytes), 0, sizeBytes - fromBytes, fromBytes);
  } finally {
    await handle.close();
  }
}

async function checkRecovery(copy: string, expected: Checkpoint, context: string, appendAfter: boolean): Promise<void> {
  const { storage, state } = await openRecovered({ dir: copy, ...smallLimits });
  assertEntries(state.entries, expected.entries, context);
  assert.equal(state.hardState, expected.hardState, `${context} hard state`);
  if (!appendAfter) return storage.close();
  // New writes after the repaired tail must read back too (nothing stale left behind the cut).
  const last = expected.entries[expected.entries.length - 1]!;
  const next = entry(last.index + 1, Math.max(last.term, expected.hardState.term), 24);
  storage.append([next]);
  await storage.sync();
  await storage.close();
  const { storage: again, state: later } = await openRecovered({ dir: copy, ...smallLimits });
  assertEntries(later.entries, [...expected.entries, next], `${context} after appending`);
  await again.close();
}

for (const damage of ['truncated', 'zero-filled'] as const) {
  test(`a newest segment ${damage} at every byte of its last records recovers the whole-record prefix`, async () => {
    // Proves torn-tail recovery is exact at every offset: nothing synced before the cut is lost, nothing after it survives.
    await withTempDir(async (root) => {
      const source = join(root, 'source');
      const { checkpoints, segmentPath } = await writeLog(source);
      const first = checkpoints[0]!.sizeBytes;
      const last = checkpoints[checkpoints.length - 1]!.sizeBytes;
      assert.ok(last - first > 400, 'the tail under test spans several hundred bytes');
      const original = await readFile(segmentPath);
      for (let cut = first; cut <= last; cut += 1) {
        const copy = join(root, `cut-${cut}`);
        await cp(source, copy, { recursive: true });
        const copiedSegment = join(copy, segmentPath.slice(source.length + 1));
        if (damage === 'truncated') await truncate(copiedSegment, cut);
        else await zeroFrom(copiedSegment, cut);
        // Zeroing bytes that were already zero damages nothing: the damage starts at the first byte that changed.
        let damagedFrom = cut;
        while (damage === 'zero-filled' && damagedFrom < original.byteLength && original[damagedFrom] === 0) damagedFrom += 1;
        // Appending after the repair costs fsyncs, so it runs at every record boundary and every 8th byte.
        const appendAfter = cut % 8 === 0 || checkpoints.some((checkpoint) => Math.abs(checkpoint.sizeBytes - cut) <= 1);
        await checkRecovery(copy, expectedAt(checkpoints, damagedFrom), `cut at ${cut}`, appendAfter);
        await rm(copy, { recursive: true, force: true });
      }
    });
  });
}

test.run();
