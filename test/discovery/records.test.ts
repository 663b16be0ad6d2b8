import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readResponse, type ReaderLimits } from '../../runtime/discovery/records.js';

const limits: ReaderLimits = { recordsPerPacketMax: 64, recordTtlSecondsMax: 4500 };
const txtData = ['v=1', 'cluster=c', 'ca=0123456789abcdef', 'role=manager', 'node=n1'].map((s) => Buffer.from(s));

// What dns-packet's decode returns for one of our announcements.
function announcement(overrides: { answers?: unknown[]; flags?: number } = {}): Record<string, unknown> {
  return {
    id: 0,
    type: 'response',
    flags: 1024,
    questions: [],
    answers: overrides.answers ?? [
      { name: '_edgectl._tcp.local', type: 'PTR', ttl: 120, class: 'IN', flush: false, data: 'n1._edgectl._tcp.local' },
      { name: 'n1._edgectl._tcp.local', type: 'SRV', ttl: 120, class: 'IN', flush: true, data: { priority: 0, weight: 0, port: 4242, target: 'edgectl-n1.local' } },
      { name: 'n1._edgectl._tcp.local', type: 'TXT', ttl: 120, class: 'IN', flush: true, data: txtData },
      { name: 'edgectl-n1.local', type: 'A', ttl: 120, class: 'IN', flush: true, data: '10.0.0.5' },
    ],
    authorities: [],
    additionals: [],
    ...(overrides.flags === undefined ? {} : { flags: overrides.flags }),
  };
}

test('an announcement reads into PTR, SRV, TXT and A records', () => {
  // Proves the reader keeps every field the cache needs, with host names lowercased.
  const reading = readResponse(announcement(), limits);
  assert.ok(reading.ok);
  if (!reading.ok) return;
  assert.equal(reading.records, [
    { type: 'PTR', instance: 'n1', ttlSeconds: 120, flush: false },
    { type: 'SRV', instance: 'n1', port: 4242, host: 'edgectl-n1.local', ttlSeconds: 120, flush: true },
    { type: 'TXT', instance: 'n1', txt: { cluster: 'c', ca: '0123456789abcdef', role: 'manager', node: 'n1' }, ttlSeconds: 120, flush: true },
    { type: 'A', host: 'edgectl-n1.local', address: '10.0.0.5', ttlSeconds: 120, flush: true },
  ]);
});

test('records about other services and unusable addresses are skipped, not fatal', () => {
  // Proves normal LAN traffic (printers, avahi's link-local AAAA) neither poisons nor enters the cache.
  const reading = readResponse(
    announcement({
      answers: [
        { name: '_ipp._tcp.local', type: 'PTR', ttl: 4500, class: 'IN', flush: false, data: 'Printer._ipp._tcp.local' },
        { name: 'Printer._ipp._tcp.local', type: 'SRV', ttl: 120, class: 'IN', flush: true, data: { port: 0, target: 'x' } },
        { name: 'laptop.local', type: 'AAAA', ttl: 120, class: 'IN', flush: true, data: 'fe80::1' },
        { name: 'laptop.local', type: 'A', ttl: 120, class: 'IN', flush: true, data: '127.0.0.1' },
        { name: 'laptop.local', type: 'HINFO', ttl: 120, class: 'IN', flush: true, data: {} },
      ],
    }),
    limits,
  );
  assert.equal(reading, { ok: true, records: [] });
});

test('a TTL above the ceiling is shortened to it', () => {
  // Proves a sender cannot pin an entry in our cache for days.
  const reading = readResponse(announcement({ answers: [{ name: '_edgectl._tcp.local', type: 'PTR', ttl: 4_000_000, class: 'IN', flush: false, data: 'n1._edgectl._tcp.local' }] }), limits);
  assert.equal(reading.ok && reading.records[0]?.ttlSeconds, 4500);
});

test('each malformed record about our service drops the whole packet with a stable reason', () => {
  // Proves the validation of every field the network controls; one bad record means nothing from that packet is used.
  const [ptr, srv, txt, a] = announcement().answers as Array<Record<string, unknown>>;
  const withRecord = (record: Record<string, unknown>): unknown => announcement({ answers: [ptr, srv, txt, a, record] });
  const srvData = srv!.data as Record<string, unknown>;
  const cases: Array<[unknown, string]> = [
    [null, 'packet-shape'],
    ['bytes', 'packet-shape'],
    [{ flags: 0, answers: 'x', additionals: [] }, 'packet-shape'],
    [announcement({ flags: 1024 | (2 << 11) }), 'packet-opcode'],
    [announcement({ flags: 1024 | 3 }), 'packet-rcode'],
    [announcement({ answers: Array.from({ length: 65 }, () => a) }), 'too-many-records'],
    [withRecord({ name: 42, type: 'A', ttl: 1, class: 'IN', data: '10.0.0.1' }), 'record-shape'],
    [withRecord({ ...a, ttl: -1 }), 'record-shape'],
    [withRecord({ ...a, ttl: 1.5 }), 'record-shape'],
    [withRecord({ ...ptr, class: 'CH' }), 'record-class'],
    [withRecord({ ...ptr, data: 'bad label!._edgectl._tcp.local' }), 'ptr-instance'],
    [withRecord({ ...ptr, data: 'n1._other._tcp.local' }), 'ptr-instance'],
    [withRecord({ ...ptr, data: `${'x'.repeat(64)}._edgectl._tcp.local` }), 'ptr-instance'],
    [withRecord({ ...srv, name: 'a.b._edgectl._tcp.local' }), 'srv-name'],
    [withRecord({ ...srv, data: { ...srvData, port: 0 } }), 'srv-port'],
    [withRecord({ ...srv, data: { ...srvData, port: 70000 } }), 'srv-port'],
    [withRecord({ ...srv, data: { ...srvData, target: 'evil.example.com' } }), 'srv-target'],
    [withRecord({ ...srv, data: { ...srvData, target: 'bad_host.local' } }), 'srv-target'],
    [withRecord({ ...srv, data: null }), 'record-shape'],
    [withRecord({ ...txt, name: '._edgectl._tcp.local' }), 'txt-name'],
    [withRecord({ ...txt, data: [Buffer.from('v=1'), Buffer.from([0xc3, 0xa9])] }), 'txt-charset'],
    [withRecord({ ...txt, data: [Buffer.from('v=2')] }), 'txt-version'],
  ];
  for (const [packet, reason] of cases) assert.equal(readResponse(packet, limits), { ok: false, reason }, reason);
});

test.run();
