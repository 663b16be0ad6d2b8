// Two managers advertised on two lab hosts; the third host runs
// findManagers, the call auto-join makes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DiscoveredPeer } from '../../runtime/discovery/peer-cache.js';
import { needsCommands, needsRoot } from '../common/env.js';
import { Lab } from '../lab/lab.js';
import { events, NODE_SCRIPT, tsxArgs, waitForEvent, type LabEvent } from './lab-events.js';

const ready = needsRoot() && needsCommands('ip', 'nsenter');
// The full digest a join token carries; managers advertise its first 16 hex characters.
const DIGEST = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

test('findManagers on a third host returns both managers, and nothing for another CA', async () => {
  // Proves auto-join's search over real multicast: both managers with their addresses, matched by CA prefix, and a timeout that returns empty.
  if (!ready) return;
  const lab = Lab.create({ name: 'dsc3', hosts: 3 });
  try {
    for (const index of [1, 2]) {
      const args = ['advertise', '--instance', `mgr-${index}`, '--port', String(4240 + index), '--cluster', 'lab', '--ca', DIGEST.slice(0, 16), '--role', 'manager', '--node', `node-${index}`];
      lab.start(index, process.execPath, tsxArgs(NODE_SCRIPT, args));
    }
    for (const index of [1, 2]) await waitForEvent(lab, index, (e) => e.event === 'log' && String(e.line).includes('multicast open'), 15_000, 'multicast open');

    lab.start(3, process.execPath, tsxArgs(NODE_SCRIPT, ['find', '--ca', DIGEST, '--timeout', '5000']));
    const found = await waitForEvent(lab, 3, (e) => e.event === 'found', 20_000, 'findManagers result');
    const peers = found.peers as DiscoveredPeer[];
    console.log(`  findManagers → ${peers.length} managers in ${String(found.elapsedMs)} ms (includes the 300 ms settle)`);
    assert.equal(
      peers.map((peer) => [peer.instance, peer.port, peer.addresses, peer.txt.node]),
      [
        ['mgr-1', 4241, [lab.host(1).address], 'node-1'],
        ['mgr-2', 4242, [lab.host(2).address], 'node-2'],
      ],
    );
    assert.ok(Number(found.elapsedMs) < 3000, 'found well before the timeout');

    await waitForExit(lab, 3);
    lab.start(3, process.execPath, tsxArgs(NODE_SCRIPT, ['find', '--ca', 'ffffffffffffffff', '--timeout', '2000']));
    const foundEvents = (): LabEvent[] => events(lab, 3).filter((e) => e.event === 'found');
    await waitForEvent(lab, 3, () => foundEvents().length >= 2, 20_000, 'second findManagers result');
    const second = foundEvents()[1]!;
    assert.equal(second.peers, []);
    assert.ok(Number(second.elapsedMs) >= 2000, 'it waited for the whole timeout');
  } finally {
    lab.destroy();
  }
});

async function waitForExit(lab: Lab, index: number): Promise<void> {
  for (let i = 0; i < 100 && lab.isRunning(index); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.not.ok(lab.isRunning(index), `host ${index}'s process exited`);
}

test.run();
