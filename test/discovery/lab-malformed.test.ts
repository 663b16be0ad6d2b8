// Hostile mDNS traffic on the lab bridge: a browser and an advertiser must
// drop and count it, keep running, and keep working.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DiscoveredPeer } from '../../runtime/discovery/peer-cache.js';
import { needsCommands, needsRoot } from '../common/env.js';
import { Lab } from '../lab/lab.js';
import { events, lastStats, NODE_SCRIPT, sleep, tsxArgs, waitForEvent } from './lab-events.js';

const ready = needsRoot() && needsCommands('ip', 'nsenter');

test('malformed datagrams, bad records and bad queries are dropped and counted; both sides keep working', async () => {
  // Proves validation of everything read from the network over a real socket: no crash, no bogus peer, counters name the reasons.
  if (!ready) return;
  const lab = Lab.create({ name: 'dscbad', hosts: 3 });
  try {
    lab.start(1, process.execPath, tsxArgs(NODE_SCRIPT, ['browse']));
    lab.start(3, process.execPath, tsxArgs(NODE_SCRIPT, ['advertise', '--instance', 'mgr-3', '--node', 'node-3']));
    await waitForEvent(lab, 1, (e) => e.event === 'up' && (e.peer as DiscoveredPeer).instance === 'mgr-3', 15_000, 'mgr-3 up before the attack');

    lab.start(2, process.execPath, tsxArgs('test/discovery/lab-inject.ts', ['--interface', lab.host(2).address]));
    const sent = await waitForEvent(lab, 2, (e) => e.event === 'sent' || e.event === 'inject-failed', 15_000, 'injection done');
    assert.is(sent.event, 'sent', String(sent.error));
    await sleep(1000);

    const browser = lastStats(lab, 1) as { packetsUndecodable: number; packetsRejected: number; packetsWrongPort: number; rejectedByReason: Record<string, number> };
    assert.is(browser.packetsUndecodable, 5, 'five undecodable datagrams');
    assert.is(browser.packetsWrongPort, 1, 'the response from a port other than 5353');
    assert.equal(Object.keys(browser.rejectedByReason).sort(), ['ptr-instance', 'record-class', 'srv-port', 'srv-target', 'too-many-records', 'txt-ca', 'txt-charset', 'txt-version']);
    assert.is(browser.packetsRejected, 8);
    assert.ok(lab.logs(1).includes('dropped a malformed mDNS response from 10.254.42.12'), 'the browser logs what it dropped');
    const advertiser = lastStats(lab, 3) as { packetsUndecodable: number; queriesIgnored: number };
    assert.is(advertiser.packetsUndecodable, 5, 'the advertiser saw the same garbage');
    assert.is(advertiser.queriesIgnored, 2, 'oversized queries are ignored');

    assert.ok(lab.isRunning(1), 'browser alive');
    assert.ok(lab.isRunning(3), 'advertiser alive');
    const upInstances = events(lab, 1).filter((e) => e.event === 'up').map((e) => (e.peer as DiscoveredPeer).instance);
    assert.equal(upInstances, ['mgr-3'], 'no bogus peer came up');

    // Still working after the attack: a new valid manager is found, the old one still answers.
    await sleep(500);
    lab.start(2, process.execPath, tsxArgs(NODE_SCRIPT, ['advertise', '--instance', 'mgr-2', '--node', 'node-2']));
    await waitForEvent(lab, 1, (e) => e.event === 'up' && (e.peer as DiscoveredPeer).instance === 'mgr-2', 15_000, 'mgr-2 up after the attack');
    assert.not.ok(lab.logs(1).includes('internal error'), 'no handler threw');
    assert.not.ok(lab.logs(3).includes('internal error'));
  } finally {
    lab.destroy();
  }
});

test.run();
