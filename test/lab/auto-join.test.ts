// Three hosts: `swarm init` on one; the other two have only the worker token
// in their config, find the manager over mDNS by themselves and join; the
// real edgectl's `node ls --json` shows three ready nodes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { needsCommands, needsRoot } from '../common/env.js';
import { Fleet, waitUntil } from './fleet.js';

const ready = needsRoot() && needsCommands('ip', 'nsenter');

test('boards with only a token in their config join over mDNS; node ls --json shows 3 ready nodes', async () => {
  if (!ready) return;
  const fleet = Fleet.create({ name: 'mdnsj', hosts: 3 });
  await fleet.run(async () => {
    fleet.start(1);
    await fleet.ready(1);
    const init = JSON.parse(fleet.edgectl(1, ['swarm', 'init', '--json']));
    for (const index of [2, 3]) {
      // What the firmware writes to the boot partition of a flashed board.
      const bootConfig = join(fleet.lab.stateDir, `host${index}`, 'edgectl.yaml');
      writeFileSync(bootConfig, `version: 1\ntoken: ${init.workerToken}\nhostnamePattern: edge-{serial}\nlabels:\n  shelf: "${index}"\n`);
      fleet.start(index, ['--boot-config', bootConfig]);
    }
    const joinedMs = await waitUntil(() => {
      const nodes = JSON.parse(fleet.edgectl(1, ['node', 'ls', '--json'])) as any[];
      return nodes.length === 3 && nodes.every((node) => node.status === 'ready');
    }, 30_000, 'three ready nodes');
    console.log(`auto-join: both boards ready ${joinedMs} ms after start`);
    const nodes = JSON.parse(fleet.edgectl(1, ['node', 'ls', '--json'])) as any[];
    const host2 = nodes.find((node) => node.hostname === 'host2');
    assert.is(host2.role, 'worker');
    assert.is(host2.labels.shelf, '2', 'labels from the boot config reach the store');
    // Detected board facts are labels placement constraints can use.
    assert.is(host2.labels.arch, 'amd64');
    assert.ok(host2.labels.board && host2.labels.memory, 'board and memory labels are published');
    for (const node of nodes) {
      for (const field of ['id', 'hostname', 'role', 'status', 'availability', 'managerStatus', 'addr', 'labels']) assert.ok(field in node, `node ls --json has ${field}`);
    }
    assert.match(fleet.logs(2), /joined cluster/);
    assert.not.match(fleet.logs(2), /--manager/);
  }, { logHosts: [1, 2, 3] });
});

test.run();
