// The agent's on-disk record: a missing file is a new node, a damaged one is
// refused with EDGE_AGENT_STATE_CORRUPT, a record round-trips, and delayed
// writes are gathered into one.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadState, StateWriter, stateFileName, storedTaskOf, type StoredState } from '../../runtime/agent/state-file.js';
import { newTaskRecord } from '../../runtime/agent/task.js';
import { ManualTimers } from '../../runtime/containers/executor/index.js';
import { task } from './support.js';

const test = suite('state file');
let stateDir: string;

test.before.each(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'edge-agent-state-'));
});
test.after.each(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

function record(version: number): StoredState {
  return { format: 1, nodeId: 'node-1', version, tasks: [storedTaskOf({ ...newTaskRecord(task('t1')), state: 'running', restartsAtMs: [5] })] };
}

test('no file yet reads as null (a new node)', async () => {
  // Proves first start is not an error.
  assert.is(await loadState(join(stateDir, 'missing')), null);
});

test('a written record reads back the same', async () => {
  // Proves the round trip through writeFileAtomic, and that no temporary file is left.
  const writer = new StateWriter({ stateDir, timers: new ManualTimers(), delayMs: 1000, snapshot: () => record(4), log: () => undefined });
  await writer.writeNow();
  assert.equal(await loadState(stateDir), record(4));
  assert.equal(await readdir(stateDir), [stateFileName]);
});

test('torn, foreign or malformed files are refused with EDGE_AGENT_STATE_CORRUPT', async () => {
  // Proves a damaged record is never trusted.
  for (const text of ['{"format":1,', '{"format":2,"nodeId":"n","version":1,"tasks":[]}', '{"format":1,"nodeId":"n","version":1,"tasks":[{"state":"running"}]}', '[]']) {
    await writeFile(join(stateDir, stateFileName), text);
    try {
      await loadState(stateDir);
      assert.unreachable(`accepted ${text}`);
    } catch (error) {
      assert.is((error as { code?: string }).code, 'EDGE_AGENT_STATE_CORRUPT', text);
    }
  }
});

test('many changes within the delay become one write, carrying the newest state', async () => {
  // Proves SD writes are gathered: the count, and that the write takes the snapshot at write time.
  const timers = new ManualTimers();
  let version = 0;
  const writer = new StateWriter({ stateDir, timers, delayMs: 1000, snapshot: () => record(version), log: () => undefined });
  for (version = 1; version <= 50; version++) writer.markDirty();
  version = 50;
  timers.advance(1000);
  await writer.idle();
  assert.is(writer.writes, 1);
  assert.is((await loadState(stateDir))?.version, 50);
});

test.run();
