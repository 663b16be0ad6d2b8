// Real multicast across the lab bridge between two network namespaces: one
// host advertises, the other browses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DiscoveredPeer } from '../../runtime/discovery/peer-cache.js';
import { needsCommands, needsRoot } from '../common/env.js';
import { Lab } from '../lab/lab.js';
import { events, lastStats, NODE_SCRIPT, sleep, tsxArgs, waitForEvent, type LabEvent } from './lab-events.js';

const ready = needsRoot() && needsCommands('ip', 'nsenter');
const CA = '9f86d081884c7d65';

function advertise(lab: Lab, index: number, extra: string[] = []): void {
  const args = ['advertise', '--instance', `mgr-${index}`, '--port', '4242', '--cluster', 'lab', '--ca', CA, '--role', 'manager', '--node', `node-${index}`, ...extra];
  lab.start(index, process.execPath, tsxArgs(NODE_SCRIPT, args));
}

/** Waits until the advertiser's channel is open and its start-up announcements are over. */
async function advertiserSettled(lab: Lab, index: number): Promise<void> {
  await waitForEvent(lab, index, (e) => e.event === 'log' && String(e.line).includes('multicast open'), 15_000, 'multicast open');
  await sleep(2500);
}

const peerOf = (event: LabEvent): DiscoveredPeer => event.peer as DiscoveredPeer;

test('a browser finds the advertised manager by query, sees a TXT update, and a goodbye takes it down', async () => {
  // Proves advertise → browse → resolve over a real bridge with the right port, address and TXT; update(); goodbye on graceful stop.
  if (!ready) return;
  const lab = Lab.create({ name: 'dsc2a', hosts: 2 });
  try {
    advertise(lab, 1);
    await advertiserSettled(lab, 1);
    lab.start(2, process.execPath, tsxArgs(NODE_SCRIPT, ['browse']));
    const started = await waitForEvent(lab, 2, (e) => e.event === 'started', 15_000, 'browser start');
    const up = await waitForEvent(lab, 2, (e) => e.event === 'up', 5000, 'up');
    const elapsedMs = up.sinceStartMs - started.sinceStartMs;
    console.log(`  browse start → manager resolved (by query, announcements over): ${elapsedMs} ms`);
    assert.ok(elapsedMs < 2000, `resolved within a couple of seconds (${elapsedMs} ms)`);
    const peer = peerOf(up);
    assert.equal({ instance: peer.instance, port: peer.port, addresses: peer.addresses, txt: peer.txt }, {
      instance: 'mgr-1',
      port: 4242,
      addresses: [lab.host(1).address],
      txt: { cluster: 'lab', ca: CA, role: 'manager', node: 'node-1' },
    });

    lab.kill(1, 'SIGUSR2');
    const update = await waitForEvent(lab, 2, (e) => e.event === 'update', 3000, 'update after the role change');
    assert.is(peerOf(update).txt.role, 'worker');

    const stopAtMs = Date.now();
    lab.kill(1, 'SIGTERM');
    await waitForEvent(lab, 1, (e) => e.event === 'stopped', 5000, 'advertiser stopped');
    await waitForEvent(lab, 2, (e) => e.event === 'down', 4000, 'down after the goodbye');
    const downMs = Date.now() - stopAtMs;
    console.log(`  graceful stop → 'down' seen by the browser: ${downMs} ms (includes the 1 s goodbye grace)`);
    assert.ok(downMs < 4000, 'the goodbye, not the 120 s TTL, took it down');
  } finally {
    lab.destroy();
  }
});

test('a browser filtering on another CA prefix hears the manager but reports nothing', async () => {
  // Proves the filter hides peers of other clusters; the packet count shows the browser did hear the advertiser.
  if (!ready) return;
  const lab = Lab.create({ name: 'dsc2b', hosts: 2 });
  try {
    advertise(lab, 1);
    await waitForEvent(lab, 1, (e) => e.event === 'log' && String(e.line).includes('multicast open'), 15_000, 'multicast open');
    lab.start(2, process.execPath, tsxArgs(NODE_SCRIPT, ['browse', '--ca', 'ffffffffffffffff']));
    await waitForEvent(lab, 2, (e) => e.event === 'stats' && Number((e.stats as { packetsReceived: number }).packetsReceived) >= 1, 15_000, 'a response received');
    await sleep(2000);
    assert.equal(events(lab, 2).filter((e) => e.event === 'up' || e.event === 'update'), []);
    const stats = lastStats(lab, 2)!;
    assert.is(stats.packetsRejected, 0, 'the advertiser\'s packets were valid, only filtered');
  } finally {
    lab.destroy();
  }
});

test('kill -9 of the advertiser: the peer stays up while refreshed, then expires after its TTL', async () => {
  // Proves refresh queries keep a live peer past its TTL, and a crash (no goodbye) is noticed by expiry.
  if (!ready) return;
  const ttlSeconds = 3;
  const lab = Lab.create({ name: 'dsc2c', hosts: 2 });
  try {
    advertise(lab, 1, ['--ttl', String(ttlSeconds)]);
    lab.start(2, process.execPath, tsxArgs(NODE_SCRIPT, ['browse']));
    await waitForEvent(lab, 2, (e) => e.event === 'up', 15_000, 'up');
    await sleep(ttlSeconds * 2 * 1000 + 500);
    assert.equal(events(lab, 2).filter((e) => e.event === 'down'), [], 'refreshed at 80 % of the TTL: never down while alive');
    const killedAtMs = Date.now();
    lab.kill(1);
    await waitForEvent(lab, 2, (e) => e.event === 'down', (ttlSeconds + 2) * 1000, 'down by expiry');
    const downMs = Date.now() - killedAtMs;
    console.log(`  kill -9 → 'down' by TTL expiry (TTL ${ttlSeconds} s): ${downMs} ms`);
    assert.ok(downMs <= ttlSeconds * 1000 + 500, `expired within the TTL (${downMs} ms)`);
  } finally {
    lab.destroy();
  }
});

test.run();
