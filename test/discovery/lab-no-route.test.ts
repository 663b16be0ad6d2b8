// Boards without a usable network: only loopback up, no multicast route, an
// advertise address not assigned yet, an address that disappears. Discovery
// must log the condition with its fix, keep the process alive, keep
// retrying, and start working once the network is there.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DiscoveredPeer } from '../../runtime/discovery/peer-cache.js';
import { needsCommands, needsRoot } from '../common/env.js';
import { Lab } from '../lab/lab.js';
import { events, NODE_SCRIPT, sleep, tsxArgs, waitForEvent, type LabEvent } from './lab-events.js';

const ready = needsRoot() && needsCommands('ip', 'nsenter');

function ip(lab: Lab, index: number, ...args: string[]): void {
  lab.exec(index, 'ip', args);
}

/** Leaves host i with only `lo` up: eth0 down, no address, no multicast route. */
function unplug(lab: Lab, index: number): void {
  ip(lab, index, 'route', 'del', '224.0.0.0/4', 'dev', 'eth0');
  ip(lab, index, 'addr', 'flush', 'dev', 'eth0');
  ip(lab, index, 'link', 'set', 'eth0', 'down');
}

const isUp = (instance: string) => (e: LabEvent) => e.event === 'up' && (e.peer as DiscoveredPeer).instance === instance;
const logLines = (lab: Lab, index: number): string[] => events(lab, index).flatMap((e) => (e.event === 'log' ? [String(e.line)] : []));
const advertiserStats = (lab: Lab, index: number) => events(lab, index).filter((e) => e.event === 'stats').at(-1)?.stats as { channelFailures: number } | undefined;

test('only loopback and no multicast route: logged with the fix, retried, and working once eth0 comes up', async () => {
  // Proves the no-interface/no-route boot is a logged, retried condition, never a crash, and that discovery starts by itself when the network appears.
  if (!ready) return;
  const lab = Lab.create({ name: 'dscnort', hosts: 3 });
  try {
    unplug(lab, 1);
    unplug(lab, 3);
    assert.not.match(lab.exec(1, 'ip', ['-4', 'route', 'show', 'table', 'all']), '224.0.0.0', 'host 1 has no multicast route');
    assert.equal(lab.exec(1, 'ip', ['-br', 'link', 'show', 'up']).trim().split('\n').map((line) => line.split(/\s+/)[0]), ['lo'], 'only lo is up');
    lab.start(1, process.execPath, tsxArgs(NODE_SCRIPT, ['advertise', '--instance', 'mgr-1']));
    lab.start(3, process.execPath, tsxArgs(NODE_SCRIPT, ['advertise', '--instance', 'mgr-3', '--interface', lab.host(3).address]));
    lab.start(2, process.execPath, tsxArgs(NODE_SCRIPT, ['browse']));

    const noInterface = await waitForEvent(lab, 1, (e) => e.event === 'log' && String(e.line).includes('EDGE_DISCOVERY_NO_INTERFACE'), 15_000, 'the no-interface log line');
    assert.match(String(noInterface.line), 'ip route add 224.0.0.0/4 dev eth0');
    await waitForEvent(lab, 3, (e) => e.event === 'log' && String(e.line).includes(`EDGE_DISCOVERY_ADDRESS_UNAVAILABLE: the advertise address ${lab.host(3).address}`), 15_000, 'the address-unavailable log line');
    await sleep(3500);
    assert.ok(lab.isRunning(1) && lab.isRunning(3), 'both advertisers still running');
    assert.ok((advertiserStats(lab, 1)?.channelFailures ?? 0) >= 3, 'host 1 kept retrying');
    assert.ok((advertiserStats(lab, 3)?.channelFailures ?? 0) >= 3, 'host 3 kept retrying');
    assert.is(logLines(lab, 1).filter((line) => line.includes('EDGE_DISCOVERY_NO_INTERFACE')).length, 1, 'the condition is logged once, not once per retry');
    assert.equal(events(lab, 2).filter((e) => e.event === 'up'), [], 'nothing to find yet');

    // Host 1 gets its link, address and route back; host 3 gets link and address but no multicast route.
    ip(lab, 1, 'link', 'set', 'eth0', 'up');
    ip(lab, 1, 'addr', 'add', `${lab.host(1).address}/24`, 'dev', 'eth0');
    ip(lab, 1, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0');
    ip(lab, 3, 'link', 'set', 'eth0', 'up');
    ip(lab, 3, 'addr', 'add', `${lab.host(3).address}/24`, 'dev', 'eth0');
    const restoredAtMs = Date.now();
    await waitForEvent(lab, 2, isUp('mgr-1'), 15_000, 'mgr-1 up after its network appeared');
    await waitForEvent(lab, 2, isUp('mgr-3'), 15_000, 'mgr-3 up, with no multicast route at all');
    console.log(`  network restored → both advertisers found: ${Date.now() - restoredAtMs} ms (retry backoff ≤ 10 s)`);
    assert.ok(logLines(lab, 1).some((line) => /multicast open on eth0 \(10\.254\.42\.11\) after \d+ failed attempt/.test(line)));
  } finally {
    lab.destroy();
  }
});

test('an address that disappears while running is noticed, and the advertiser answers again once it is back', async () => {
  // Proves INTERFACE_LOST handling on a live socket: no crash, logged, re-opened, and the re-opened responder is found by a fresh browser.
  if (!ready) return;
  const lab = Lab.create({ name: 'dsclost', hosts: 2 });
  try {
    lab.start(1, process.execPath, tsxArgs(NODE_SCRIPT, ['advertise', '--instance', 'mgr-1']));
    lab.start(2, process.execPath, tsxArgs(NODE_SCRIPT, ['browse']));
    await waitForEvent(lab, 2, isUp('mgr-1'), 15_000, 'mgr-1 up');
    ip(lab, 1, 'addr', 'flush', 'dev', 'eth0');
    await waitForEvent(lab, 1, (e) => e.event === 'log' && String(e.line).includes('EDGE_DISCOVERY_INTERFACE_LOST'), 10_000, 'the interface-lost log line');
    await sleep(1000);
    assert.ok(lab.isRunning(1), 'advertiser still running without an address');
    ip(lab, 1, 'addr', 'add', `${lab.host(1).address}/24`, 'dev', 'eth0');
    await waitForEvent(lab, 1, (e) => e.event === 'log' && /multicast open on eth0 .* after \d+ failed attempt/.test(String(e.line)), 15_000, 're-open');
    lab.kill(2);
    const upsBefore = events(lab, 2).filter(isUp('mgr-1')).length;
    lab.start(2, process.execPath, tsxArgs(NODE_SCRIPT, ['browse']));
    await waitForEvent(lab, 2, () => events(lab, 2).filter(isUp('mgr-1')).length > upsBefore, 15_000, 'mgr-1 found by a new browser');
  } finally {
    lab.destroy();
  }
});

test.run();
