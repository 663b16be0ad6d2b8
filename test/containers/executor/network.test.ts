// End to end, as root: the two network modes. An isolated container sees
// only its own loopback, up; a host-network container sees the board's own
// interfaces. Interfaces are read from /proc/net/dev, which reflects the
// reader's network namespace, on both sides.
import { readFile } from 'node:fs/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createExecutor, type CreatedExecutor } from '../../../runtime/containers/executor/index.js';
import type { ContainerSpec } from '../../../runtime/containers/executor/types.js';
import { canRunContainers, collect, Sandbox } from './support.js';

const test = suite('network (e2e)');

/** Interface names from the text of /proc/net/dev (two header lines, then "name: counters"). */
function interfaces(procNetDev: string[]): string[] {
  return procNetDev
    .slice(2)
    .map((line) => line.split(':')[0]?.trim() ?? '')
    .filter((name) => name !== '')
    .sort();
}

if (canRunContainers()) {
  let sandbox: Sandbox;
  let executor: CreatedExecutor;
  test.before(async () => {
    sandbox = await Sandbox.create('network');
    executor = await createExecutor(sandbox.config());
  });
  test.after(async () => {
    await executor?.close();
    await sandbox?.cleanup();
  });

  async function stdoutOf(spec: ContainerSpec): Promise<string[]> {
    await executor.create(spec);
    await executor.start(spec.id);
    const exit = await executor.wait(spec.id);
    const lines = await collect(executor.logs(spec.id, { streams: ['stdout'] }));
    await executor.remove(spec.id);
    assert.is(exit.exitCode, 0, `container ${spec.id} succeeded`);
    return lines.map((line) => line.text);
  }

  test('an isolated container has exactly one interface, lo, and it is up', async () => {
    // Proves the private namespace: no host interface leaks in, and loopback works (flags bit 0 = IFF_UP).
    const output = await stdoutOf(sandbox.shellSpec(sandbox.id('iso'), 'cat /proc/net/dev; echo flags $(cat /sys/class/net/lo/flags)'));
    const flagsLine = output.pop() ?? '';
    assert.equal(interfaces(output), ['lo']);
    assert.is(Number.parseInt(flagsLine.split(' ')[1] ?? '0', 16) & 1, 1, `lo is up (${flagsLine})`);
  });

  test('a host-network container sees the same interfaces as the host', async () => {
    // Proves host mode shares the board's namespace (the host has more than lo here, so the modes differ).
    const host = interfaces((await readFile('/proc/net/dev', 'utf8')).trimEnd().split('\n'));
    assert.ok(host.length > 1, `host has interfaces besides lo: ${host.join(', ')}`);
    const output = await stdoutOf(sandbox.shellSpec(sandbox.id('host'), 'cat /proc/net/dev', { network: 'host' }));
    assert.equal(interfaces(output), host);
  });
}

test.run();
