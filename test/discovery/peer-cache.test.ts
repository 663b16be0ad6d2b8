import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PeerCache, type PeerCacheOptions } from '../../runtime/discovery/peer-cache.js';
import type { ObservedRecord } from '../../runtime/discovery/records.js';
import type { PeerTxt } from '../../runtime/discovery/txt.js';

const txt = (node: string, extra: Partial<PeerTxt> = {}): PeerTxt => ({ cluster: 'c', ca: '0123456789abcdef', role: 'manager', node, ...extra });
const options: PeerCacheOptions = { peersMax: 4, addressesPerPeerMax: 2, goodbyeGraceMs: 1000 };

function instance(label: string, ttlSeconds = 120, address = '10.0.0.1', port = 4242): ObservedRecord[] {
  const host = `edgectl-${label}.local`;
  return [
    { type: 'PTR', instance: label, ttlSeconds, flush: false },
    { type: 'SRV', instance: label, port, host, ttlSeconds, flush: true },
    { type: 'TXT', instance: label, txt: txt(label), ttlSeconds, flush: true },
    { type: 'A', host, address, ttlSeconds, flush: true },
  ];
}

test('a complete instance comes up once, with its port, address and TXT', () => {
  // Proves resolution needs SRV, TXT and an address, and that a repeat of the same records is not a new event.
  const cache = new PeerCache(options);
  const [ptr, srv, txtRecord, a] = instance('n1');
  assert.equal(cache.apply([ptr!, srv!, txtRecord!], 0, 5000), [], 'no address yet: not up');
  const changes = cache.apply([a!], 10, 5010);
  assert.equal(changes, [{ kind: 'up', peer: { instance: 'n1', host: 'edgectl-n1.local', port: 4242, addresses: ['10.0.0.1'], txt: txt('n1'), lastSeenMs: 5000 } }]);
  assert.equal(cache.apply(instance('n1'), 20, 5020), []);
  assert.is(cache.peers()[0]?.lastSeenMs, 5020, 'lastSeenMs follows refreshes');
});

test('a changed TXT or port is an update, a goodbye is a down one second later', () => {
  // Proves update events and RFC 6762 §10.1 goodbye handling (TTL 0 kept for the grace period, then down).
  const cache = new PeerCache(options);
  cache.apply(instance('n1'), 0, 0);
  const changed: ObservedRecord = { type: 'TXT', instance: 'n1', txt: txt('n1', { role: 'worker' }), ttlSeconds: 120, flush: true };
  assert.equal(cache.apply([changed], 100, 100).map((c) => [c.kind, c.peer.txt.role]), [['update', 'worker']]);
  const goodbye = instance('n1', 0).map((record) => (record.type === 'TXT' ? { ...changed, ttlSeconds: 0 } : record));
  assert.equal(cache.apply(goodbye, 200, 200), [], 'still there during the grace second');
  assert.equal(cache.expire(1199), []);
  assert.equal(cache.expire(1200).map((c) => [c.kind, c.peer.instance]), [['down', 'n1']]);
  assert.equal(cache.peers(), []);
  assert.is(cache.nextDeadlineMs(), undefined, 'nothing left to time');
});

test('records expire after their TTL and the peer goes down', () => {
  // Proves a crashed advertiser (no goodbye) disappears after its TTL.
  const cache = new PeerCache(options);
  cache.apply(instance('n1', 3), 0, 0);
  assert.equal(cache.expire(2999), []);
  assert.is(cache.nextDeadlineMs(), 2400, 'the first refresh at 80 % comes before expiry');
  assert.equal(cache.expire(3000).map((c) => c.kind), ['down']);
});

test('refresh questions are due at 80, 85, 90 and 95 % of the TTL, once each', () => {
  // Proves live peers are kept alive by re-querying before expiry, without asking on every tick.
  const cache = new PeerCache(options);
  cache.apply(instance('n1', 100), 0, 0);
  assert.equal(cache.refreshQuestions(79_999), []);
  const due = cache.refreshQuestions(80_000);
  assert.equal(due, [
    { name: '_edgectl._tcp.local', type: 'PTR' },
    { name: 'n1._edgectl._tcp.local', type: 'SRV' },
    { name: 'n1._edgectl._tcp.local', type: 'TXT' },
    { name: 'edgectl-n1.local', type: 'A' },
  ]);
  assert.equal(cache.refreshQuestions(84_000), [], 'not again until 85 %');
  assert.is(cache.refreshQuestions(85_000).length, 4);
  assert.is(cache.refreshQuestions(99_000).length, 4, 'late: 90 and 95 % collapse into one ask');
  assert.equal(cache.refreshQuestions(99_500), []);
  cache.apply(instance('n1', 100), 99_600, 99_600);
  assert.is(cache.nextDeadlineMs(), 99_600 + 80_000, 'a fresh answer starts the schedule over');
});

test('known answers list visible PTRs with more than half their TTL left', () => {
  // Proves known-answer suppression only claims what we would keep anyway (RFC 6762 §7.1).
  const cache = new PeerCache(options);
  cache.apply(instance('n1', 100), 0, 0);
  assert.equal(cache.knownAnswers(10_000), [{ name: '_edgectl._tcp.local', type: 'PTR', class: 'IN', flush: false, ttl: 90, data: 'n1._edgectl._tcp.local' }]);
  assert.equal(cache.knownAnswers(60_000), []);
});

test('an instance heard of but not resolvable is asked for, at most three times a second apart', () => {
  // Proves a half-seen responder is completed by targeted queries, bounded in count.
  const cache = new PeerCache(options);
  const [ptr, srv] = instance('n1');
  cache.apply([ptr!], 0, 0);
  assert.equal(cache.resolveQuestions(0), [
    { name: 'n1._edgectl._tcp.local', type: 'SRV' },
    { name: 'n1._edgectl._tcp.local', type: 'TXT' },
  ]);
  assert.equal(cache.resolveQuestions(500), [], 'not twice within a second');
  cache.apply([srv!], 600, 600);
  assert.equal(cache.resolveQuestions(1000), [
    { name: 'n1._edgectl._tcp.local', type: 'TXT' },
    { name: 'edgectl-n1.local', type: 'A' },
  ], 'an answer resets the count, and the host address is asked for');
  cache.resolveQuestions(2000);
  cache.resolveQuestions(3000);
  assert.equal(cache.resolveQuestions(4000), [], 'gives up after three asks');
});

test('the filter hides peers; hidden and unresolved entries are evicted before visible ones', () => {
  // Proves peersMax bounds the cache and a flood of fake instances cannot push out a real manager.
  const cache = new PeerCache({ ...options, filter: (peer) => peer.txt.node !== 'other' && peer.instance !== 'other' });
  assert.is(cache.apply(instance('m1'), 0, 0).length, 1);
  assert.equal(cache.apply([...instance('other')], 1, 1), [], 'filtered out: no event');
  for (const label of ['f1', 'f2', 'f3', 'f4', 'f5']) cache.apply([{ type: 'PTR', instance: label, ttlSeconds: 120, flush: false }], 2, 2);
  assert.equal(cache.peers().map((p) => p.instance), ['m1']);
  assert.is(cache.stats().peersDropped, 0, 'room was made by evicting invisible entries');
  const full = new PeerCache({ ...options, peersMax: 2 });
  full.apply([...instance('a', 120, '10.0.0.1'), ...instance('b', 120, '10.0.0.2')], 0, 0);
  assert.equal(full.apply(instance('c', 120, '10.0.0.3'), 1, 1), []);
  assert.equal(full.peers().map((p) => p.instance), ['a', 'b']);
  assert.ok(full.stats().peersDropped >= 1, 'the newcomer is dropped and counted');
});

test('addresses are bounded per host, sorted IPv4 first, and a cache-flush record retires stale ones', () => {
  // Proves addressesPerPeerMax and RFC 6762 §10.2 (a renumbered board does not keep its old address for two minutes).
  const cache = new PeerCache({ ...options, addressesPerPeerMax: 3 });
  const host = 'edgectl-n1.local';
  const address = (type: 'A' | 'AAAA', value: string, flush = false): ObservedRecord => ({ type, host, address: value, ttlSeconds: 120, flush });
  cache.apply([...instance('n1').slice(0, 3), address('AAAA', '2001:db8::2'), address('A', '10.0.0.9'), address('A', '10.0.0.3')], 0, 0);
  cache.apply([address('A', '10.0.0.4')], 1, 1);
  assert.equal(cache.peers()[0]?.addresses, ['10.0.0.3', '10.0.0.9', '2001:db8::2']);
  assert.is(cache.stats().addressesDropped, 1);
  cache.apply([address('A', '10.0.0.7', true)], 5000, 5000);
  cache.expire(6000);
  assert.equal(cache.peers()[0]?.addresses, ['10.0.0.7', '2001:db8::2'], 'old IPv4 gone, IPv6 untouched');
});

test.run();
