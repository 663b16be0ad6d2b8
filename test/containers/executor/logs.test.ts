// End to end, as root: a real container's stdout through the shim's
// O_APPEND log files, rotated by the executor, read back by a follower.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { containerPaths, logPath } from '../../../runtime/containers/executor/container-dir.js';
import { createExecutor } from '../../../runtime/containers/executor/index.js';
import { listGenerations, logBytesOnDisk } from '../../../runtime/containers/executor/log-rotation.js';
import { ManualTimers } from '../../../runtime/containers/executor/timers.js';
import { canRunContainers, collect, Sandbox, sleep } from './support.js';

const test = suite('logs (e2e)');

if (canRunContainers()) {
  let sandbox: Sandbox;
  test.before(async () => {
    sandbox = await Sandbox.create('logs');
  });
  test.after(async () => {
    await sandbox?.cleanup();
  });

  test('a follower gets every line exactly once across rotations while the container writes', async () => {
    // Proves follow + copy-truncate on a live shim: 1000 lines, 5 rotations, none lost or repeated.
    // The container waits for a go-file between batches so each rotation lands at a known point.
    const executor = await createExecutor(sandbox.config({ logFileBytesMax: 1000, logFilesKept: 10, logFollowPollMs: 20, timers: new ManualTimers() }));
    const control = join(sandbox.root, 'control');
    await mkdir(control);
    const id = sandbox.id('follow');
    const script =
      'n=0; for batch in 1 2 3 4 5; do ' +
      'i=0; while [ $i -lt 200 ]; do echo "line $n"; n=$((n+1)); i=$((i+1)); done; ' +
      'while [ ! -f /control/go$batch ]; do sleep 0.02; done; done';
    await executor.create(sandbox.shellSpec(id, script, { volumes: [{ source: control, target: '/control', readOnly: true }] }));
    await executor.start(id);
    const following = collect(executor.logs(id, { follow: true, streams: ['stdout'] }));
    const live = logPath(containerPaths(sandbox.dataDir, id), 'stdout');
    for (let batch = 1; batch <= 5; batch++) {
      const expectedBytes = lineBytes(0, batch * 200);
      for (let tries = 0; (await logBytesOnDisk(live)) < expectedBytes && tries < 500; tries++) await sleep(10);
      assert.ok((await executor.rotateLogs()) >= 1, `batch ${batch} rotated`);
      await writeFile(join(control, `go${batch}`), '');
    }
    const lines = await following;
    assert.equal(lines.map((line) => line.text), Array.from({ length: 1000 }, (_, n) => `line ${n}`));
    assert.equal(await listGenerations(live), [1, 2, 3, 4, 5]);
    const replay = await collect(executor.logs(id, { streams: ['stdout'] }));
    assert.is(replay.length, 1000, 'a later non-follow read sees the rotated generations too');
    const liveOnly = await collect(executor.logs(id, { streams: ['stdout'], includeRotated: false }));
    assert.is(liveOnly.length, 0, 'the live file holds only what came after the last rotation');
    await executor.remove(id);
    await executor.close();
  });

  test('the periodic check keeps a fast writer near its cap and the disk use bounded', async () => {
    // Proves automatic rotation: the live file would reach ~40 KB without it; it stays within cap plus one interval's burst.
    const capBytes = 4096;
    const executor = await createExecutor(sandbox.config({ logFileBytesMax: capBytes, logFilesKept: 1, logCheckIntervalMs: 50 }));
    const id = sandbox.id('cap');
    const script = 'b=0; while [ $b -lt 100 ]; do i=0; while [ $i -lt 20 ]; do echo "burst $b line $i xxxxxxxxx"; i=$((i+1)); done; b=$((b+1)); sleep 0.02; done';
    await executor.create(sandbox.shellSpec(id, script));
    await executor.start(id);
    const live = logPath(containerPaths(sandbox.dataDir, id), 'stdout');
    let liveMax = 0;
    let diskMax = 0;
    const exited = executor.wait(id);
    let done = false;
    void exited.then(() => (done = true));
    while (!done) {
      liveMax = Math.max(liveMax, (await stat(live)).size);
      diskMax = Math.max(diskMax, await logBytesOnDisk(live));
      await sleep(5);
    }
    assert.is((await exited).exitCode, 0);
    const writtenBytes = 100 * 20 * 'burst 10 line 10 xxxxxxxxx\n'.length;
    assert.ok(liveMax < capBytes * 4, `live file peaked at ${liveMax} bytes (cap ${capBytes}, ${writtenBytes} written)`);
    assert.ok(diskMax < capBytes * 5, `live + kept peaked at ${diskMax} bytes`);
    assert.ok((await listGenerations(live)).length === 1, 'exactly filesKept generations remain');
    await executor.remove(id);
    await executor.close();
  });
}

/** Bytes of "line N\n" for N in [from, to). */
function lineBytes(from: number, to: number): number {
  let bytes = 0;
  for (let n = from; n < to; n++) bytes += `line ${n}\n`.length;
  return bytes;
}

test.run();
