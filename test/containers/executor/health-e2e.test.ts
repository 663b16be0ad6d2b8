// End to end, as root: health checks through real `runc exec`, and exec's
// timeout killing the probe inside the container.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createExecutor, type CreatedExecutor } from '../../../runtime/containers/executor/index.js';
import type { HealthEvent } from '../../../runtime/containers/executor/types.js';
import { canRunContainers, Sandbox, sleep } from './support.js';

const test = suite('health (e2e)');

if (canRunContainers()) {
  let sandbox: Sandbox;
  let executor: CreatedExecutor;
  const events: HealthEvent[] = [];
  test.before(async () => {
    sandbox = await Sandbox.create('health');
    executor = await createExecutor(sandbox.config({ onHealthChange: (event) => events.push(event) }));
  });
  test.after(async () => {
    await executor?.close();
    await sandbox?.cleanup();
  });

  async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
    for (const started = Date.now(); !condition() && Date.now() - started < timeoutMs; ) await sleep(20);
  }

  test('a container whose probe starts failing goes starting → healthy → unhealthy, and inspect() says so', async () => {
    // Proves the probe runs inside the container (it tests a file only the container has) and both transitions are reported.
    const id = sandbox.id('flip');
    await executor.create(
      sandbox.shellSpec(id, 'touch /tmp/ok; sleep 1.5; rm /tmp/ok; sleep 30', {
        tmpfs: [{ target: '/tmp' }],
        healthCheck: { command: ['test', '-f', '/tmp/ok'], intervalMs: 200, timeoutMs: 2000, retries: 2, startPeriodMs: 0 },
      }),
    );
    await executor.start(id);
    await until(() => events.some((event) => event.id === id && event.current === 'unhealthy'), 10_000);
    const mine = events.filter((event) => event.id === id).map((event) => `${event.previous}->${event.current}`);
    assert.equal(mine, ['starting->healthy', 'healthy->unhealthy']);
    assert.is((await executor.inspect(id)).health, 'unhealthy');
    await executor.stop(id, { graceMs: 100 });
    assert.is((await executor.inspect(id)).health, null, 'no health once it has ended');
    await executor.remove(id);
  });

  test('an exec past its timeout is reported timed out and its process is killed inside the container', async () => {
    // Proves a hung probe cannot pile up: the timed-out process is gone from the container afterwards.
    const id = sandbox.id('timeout');
    await executor.create(sandbox.shellSpec(id, 'sleep 30'));
    await executor.start(id);
    const startedMs = performance.now();
    const result = await executor.exec(id, ['sleep', '7'], { timeoutMs: 400 });
    const elapsedMs = performance.now() - startedMs;
    assert.is(result.timedOut, true);
    assert.is(result.exitCode, null);
    assert.ok(elapsedMs < 3000, `exec returned after ${elapsedMs.toFixed(0)} ms`);
    await sleep(200);
    const ps = await executor.exec(id, ['ps', '-o', 'args'], { timeoutMs: 5000 });
    assert.is(ps.exitCode, 0);
    assert.not.match(ps.output, /sleep 7/);
    assert.match(ps.output, /sleep 30/, 'ps did list the container processes');
    await executor.stop(id, { graceMs: 100 });
    await executor.remove(id);
  });
}

test.run();
