// The advertiser's timing and manners against a stand-in socket: start-up
// announcements, delayed and rate-limited answers, unicast answers, goodbye
// on stop, and refusal of bad options.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRng } from '../../runtime/common/rng.js';
import { createAdvertiser, type AdvertiserOptions } from '../../runtime/discovery/advertiser.js';
import { isDiscoveryError } from '../../runtime/discovery/errors.js';
import type { OutgoingRecord } from '../../runtime/discovery/records.js';
import { FakeSocket, ipv4Interface, until } from './fake-socket.js';
import { sleep } from './lab-events.js';

function setup(overrides: Partial<AdvertiserOptions> = {}) {
  const sockets: FakeSocket[] = [];
  const advertiser = createAdvertiser({
    instanceName: 'mgr-1',
    port: 4242,
    txt: { cluster: 'c', ca: '0123456789abcdef', role: 'manager', node: 'mgr-1' },
    log: () => {},
    config: { announceIntervalMs: 100, recordTtlSeconds: 60 },
    rng: new SeededRng(3),
    readInterfaces: () => ({ eth0: [ipv4Interface('10.0.0.2')] }),
    socketFactory: (address) => {
      const socket = new FakeSocket(address);
      sockets.push(socket);
      return socket;
    },
    ...overrides,
  });
  return { advertiser, sockets };
}

const ptrQuery = (id = 0) => ({ id, type: 'query', flags: 0, questions: [{ name: '_edgectl._tcp.local', type: 'PTR', class: 'IN' }], answers: [] });
const types = (records: OutgoingRecord[] | undefined): string[] => (records ?? []).map((record) => record.type);

test('start announces twice, a second apart by default (here 100 ms), with the interface address', async () => {
  // Proves a browser already listening finds a new manager without asking, and that addresses default to the chosen interface.
  const { advertiser, sockets } = setup();
  advertiser.start();
  await until(() => sockets[0]?.sent.length === 2, 'two announcements');
  const [first, second] = sockets[0]!.sent;
  assert.ok(second!.atMs - first!.atMs >= 95, `spaced (${(second!.atMs - first!.atMs).toFixed(0)} ms)`);
  assert.equal(types(first!.packet.answers), ['PTR', 'SRV', 'TXT', 'A']);
  assert.is(first!.packet.answers!.find((record) => record.type === 'A')!.data, '10.0.0.2');
  assert.ok(first!.packet.answers!.every((record) => record.ttl === 60));
  await sleep(300);
  assert.is(sockets[0]!.sent.length, 2, 'no more than announceCount');
  await advertiser.stop();
});

test('a PTR query is answered once after 20-120 ms; the same query within a second is not answered again', async () => {
  // Proves RFC 6762 §6 manners: shared answers are delayed, and a record is multicast at most once a second.
  const { advertiser, sockets } = setup({ config: { announceCount: 1, recordTtlSeconds: 60 } });
  advertiser.start();
  await until(() => sockets[0]?.sent.length === 1, 'announcement');
  await sleep(1100);
  const socket = sockets[0]!;
  const askedAt = performance.now();
  socket.deliver(ptrQuery(), '10.0.0.9');
  await until(() => socket.sent.length === 2, 'answer');
  const answer = socket.sent[1]!;
  const delayMs = answer.atMs - askedAt;
  assert.ok(delayMs >= 19 && delayMs <= 200, `delayed ${delayMs.toFixed(0)} ms`);
  assert.equal(types(answer.packet.answers), ['PTR']);
  assert.equal(types(answer.packet.additionals), ['SRV', 'TXT', 'A']);
  assert.is(answer.destination, undefined, 'multicast');
  socket.deliver(ptrQuery(), '10.0.0.8');
  await sleep(250);
  assert.is(socket.sent.length, 2, 'rate-limited');
  await sleep(1000);
  socket.deliver(ptrQuery(), '10.0.0.8');
  await until(() => socket.sent.length === 3, 'answered again after a second');
  await advertiser.stop();
});

test('a legacy query from a high port gets an immediate unicast answer with its id', async () => {
  // Proves `dig -p 5353 @224.0.0.251 _edgectl._tcp.local PTR` style queries work, bypassing the multicast rate limit.
  const { advertiser, sockets } = setup({ config: { announceCount: 1 } });
  advertiser.start();
  await until(() => sockets[0]?.sent.length === 1, 'announcement');
  sockets[0]!.deliver(ptrQuery(4711), '10.0.0.9', 40000);
  await until(() => sockets[0]!.sent.length === 2, 'answer');
  const answer = sockets[0]!.sent[1]!;
  assert.equal(answer.destination, { address: '10.0.0.9', port: 40000 });
  assert.is(answer.packet.id, 4711);
  assert.ok(answer.packet.answers!.every((record) => record.ttl === 10));
  await advertiser.stop();
});

test('update re-announces; stop sends the goodbye (TTL 0) before closing, once', async () => {
  // Proves a role change reaches browsers at once and a graceful stop withdraws every record.
  const { advertiser, sockets } = setup({ config: { announceCount: 1 } });
  advertiser.start();
  await until(() => sockets[0]?.sent.length === 1, 'announcement');
  advertiser.update({ role: 'worker' });
  await until(() => sockets[0]!.sent.length === 2, 're-announcement');
  const txt = sockets[0]!.sent[1]!.packet.answers!.find((record) => record.type === 'TXT')!;
  assert.ok((txt.data as string[]).includes('role=worker'));
  assert.throws(() => advertiser.update({ ca: 'nothex' }), (error: unknown) => isDiscoveryError(error, 'EDGE_DISCOVERY_CONFIG_INVALID'));
  await Promise.all([advertiser.stop(), advertiser.stop()]);
  const sent = sockets[0]!.sent;
  assert.is(sent.length, 3, 'one goodbye');
  assert.equal(types(sent[2]!.packet.answers), ['PTR', 'SRV', 'TXT', 'A']);
  assert.ok(sent[2]!.packet.answers!.every((record) => record.ttl === 0));
  assert.ok(sockets[0]!.destroyed);
  assert.is(advertiser.state, 'stopped');
});

test('interfaceAddress 0.0.0.0 means "choose automatically"', async () => {
  // Proves an advertise address left at the listen-everywhere default does not pin mDNS to an address no interface has.
  const { advertiser, sockets } = setup({ interfaceAddress: '0.0.0.0', config: { announceCount: 1 } });
  advertiser.start();
  await until(() => sockets[0]?.sent.length === 1, 'announcement');
  assert.is(sockets[0]!.interfaceAddress, '10.0.0.2');
  await advertiser.stop();
});

test('bad options are refused with EDGE_DISCOVERY_CONFIG_INVALID naming the field', () => {
  // Proves a misconfigured daemon fails at start-up with the field and the fix, not later on the wire.
  const cases: Array<[Partial<AdvertiserOptions>, string]> = [
    [{ instanceName: 'has space' }, 'instanceName'],
    [{ instanceName: 'x'.repeat(64) }, 'instanceName'],
    [{ port: 0 }, 'port'],
    [{ port: 65536 }, 'port'],
    [{ txt: { cluster: 'c', ca: 'short', role: 'manager', node: 'n' } }, 'txt'],
    [{ addresses: ['127.0.0.1'] }, 'addresses'],
    [{ addresses: ['fe80::1'] }, 'addresses'],
    [{ interfaceAddress: 'eth0' }, 'interfaceAddress'],
    [{ interfaceAddress: '2001:db8::1' }, 'interfaceAddress'],
    [{ config: { recordTtlSeconds: 0 } }, 'config.recordTtlSeconds'],
    [{ config: { retryDelayMsMin: 5000, retryDelayMsMax: 1000 } }, 'config.retryDelayMsMin'],
  ];
  for (const [overrides, field] of cases) {
    try {
      setup(overrides);
      assert.unreachable(`${field} accepted`);
    } catch (error) {
      assert.ok(isDiscoveryError(error, 'EDGE_DISCOVERY_CONFIG_INVALID'), String(error));
      assert.match((error as Error).message, `discovery option ${field}:`);
    }
  }
});

test.run();
