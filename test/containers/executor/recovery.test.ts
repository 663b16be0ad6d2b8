// End to end, as root: what happens when supervision breaks. A shim killed
// under a live container, a runtime container nobody owns, a start the
// runtime refuses, a create the host cannot satisfy.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isEdgeError } from '../../../runtime/common/errors.js';
import { containerPaths } from '../../../runtime/containers/executor/container-dir.js';
import { createExecutor } from '../../../runtime/containers/executor/index.js';
import { canRunContainers, Sandbox, sleep } from './support.js';

const test = suite('recovery (e2e)');

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isEdgeError(error, code), `expected ${code}, got ${String((error as Error).message ?? error)}`);
    return error as Error;
  }
  throw new Error(`expected a rejection with ${code}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function runcIds(sandbox: Sandbox): string[] {
  return execFileSync('runc', ['--root', sandbox.runtimeRoot, 'list', '-q'], { encoding: 'utf8' }).split('\n').filter((line) => line !== '');
}

if (canRunContainers()) {
  let sandbox: Sandbox;
  test.before(async () => {
    sandbox = await Sandbox.create('recovery');
  });
  test.after(async () => {
    await sandbox?.cleanup();
  });

  test('a shim killed under a running container: the exit is "lost" (null) and the container is killed', async () => {
    // Proves an unsupervised container is not left running forever nor reported with a made-up exit code.
    const executor = await createExecutor(sandbox.config());
    const id = sandbox.id('lost');
    await executor.create(sandbox.shellSpec(id, 'sleep 60'));
    const { pid } = await executor.start(id);
    assert.ok(pid !== null && isAlive(pid));
    const shimPid = Number((await readFile(containerPaths(sandbox.dataDir, id).shimPid, 'utf8')).trim());
    process.kill(shimPid, 'SIGKILL');
    const exit = await executor.wait(id);
    assert.is(exit.exitCode, null);
    assert.is((await executor.inspect(id)).state, 'exited');
    await sleep(100);
    assert.not.ok(isAlive(pid ?? 0), 'the container process was killed');
    await executor.remove(id);
    await executor.close();
  });

  test('a restart finds a vanished shim as lost and a runtime container it does not own as an orphan', async () => {
    // Proves the recovery report: running ones adopted, lost ones killed, orphans deleted from the state root.
    const first = await createExecutor(sandbox.config());
    const survivor = sandbox.id('survivor');
    const abandoned = sandbox.id('abandoned');
    const holder = sandbox.id('holder');
    for (const id of [survivor, abandoned]) {
      await first.create(sandbox.shellSpec(id, 'sleep 60'));
      await first.start(id);
    }
    await first.create(sandbox.shellSpec(holder, 'sleep 60'));
    await first.close();
    const abandonedShim = Number((await readFile(containerPaths(sandbox.dataDir, abandoned).shimPid, 'utf8')).trim());
    process.kill(abandonedShim, 'SIGKILL');
    await sleep(100);
    const orphan = sandbox.id('orphan');
    execFileSync('runc', ['--root', sandbox.runtimeRoot, 'run', '-d', '--bundle', containerPaths(sandbox.dataDir, holder).bundleDir, orphan], {
      stdio: 'ignore',
    });
    assert.ok(runcIds(sandbox).includes(orphan));

    const second = await createExecutor(sandbox.config());
    assert.equal(second.recovery.adopted, [survivor]);
    assert.equal(second.recovery.lost, [abandoned]);
    assert.equal(second.recovery.orphansRemoved, [orphan]);
    assert.not.ok(runcIds(sandbox).includes(orphan), 'the orphan is gone from the state root');
    assert.not.ok(runcIds(sandbox).includes(abandoned), 'the lost container was killed and deleted');
    assert.is((await second.inspect(survivor)).state, 'running');
    assert.is((await second.inspect(holder)).state, 'created', 'a created container is left as it was');
    assert.is((await second.stop(survivor, { graceMs: 100 })).stopRequested, true);
    for (const id of [survivor, abandoned, holder]) await second.remove(id);
    await second.close();
  });

  test('a start the runtime refuses fails with its reason and leaves the container created', async () => {
    // Proves EDGE_CONTAINER_START_FAILED carries runc's words and that nothing is half-started afterwards.
    const executor = await createExecutor(sandbox.config());
    const id = sandbox.id('nobinary');
    await executor.create({ id, rootfsPath: sandbox.rootfs, args: ['/no/such/program'] });
    const error = await rejectsWithCode(executor.start(id), 'EDGE_CONTAINER_START_FAILED');
    assert.match(error.message, /no such file|not found|executable/i);
    assert.is((await executor.inspect(id)).state, 'created');
    assert.not.ok(runcIds(sandbox).includes(id), 'no runtime container left behind');
    await executor.remove(id);
    await executor.close();
  });

  test('create checks the host: missing rootfs and missing volume source', async () => {
    // Proves the agent hears about a missing image or volume at create, with the field to fix.
    const executor = await createExecutor(sandbox.config());
    await rejectsWithCode(executor.create({ id: sandbox.id('nofs'), rootfsPath: join(sandbox.root, 'missing'), args: ['true'] }), 'EDGE_CONTAINER_ROOTFS_MISSING');
    const error = await rejectsWithCode(
      executor.create(sandbox.shellSpec(sandbox.id('novol'), 'true', { volumes: [{ source: join(sandbox.root, 'nope'), target: '/data', readOnly: false }] })),
      'EDGE_CONTAINER_SPEC_INVALID',
    );
    assert.match(error.message, /volumes\[0\]\.source/);
    assert.equal(await executor.list(), []);
    await executor.close();
  });
}

test.run();
