// Gossip probes as UDP datagrams: the encoding, the MAC, the keys, and two
// real sockets on loopback.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import type { AckMessage, PingMessage } from '../../runtime/gossip/index.js';
import {
  DatagramKeys,
  ProbeDatagrams,
  carriedByDatagram,
  datagramBytesMax,
  decodeDatagram,
  encodeProbeDatagram,
  unknownKeyReply,
} from '../../runtime/daemon/gossip-datagrams.js';

const key = new Uint8Array(32).fill(7);
const otherKey = new Uint8Array(32).fill(9);
const ping: PingMessage = { type: 'ping', source: 'a', seq: 41, target: 'b', updates: [] };
const ack: AckMessage = {
  type: 'ack',
  source: 'b',
  seq: 0xffff_fffe,
  updates: [{ kind: 'suspect', member: 'c', incarnation: 3, from: 'b' }],
};

test('a ping without news is a 22-byte datagram; an ack carries its updates', () => {
  const encoded = encodeProbeDatagram(ping, 5, key)!;
  assert.is(encoded.byteLength, 22);
  const reading = decodeDatagram(encoded, (id) => (id === 5 ? key : undefined));
  assert.equal(reading, { kind: 'probe', keyId: 5, message: { type: 'ping', seq: 41, updates: [] } });
  const withNews = decodeDatagram(encodeProbeDatagram(ack, 6, key)!, () => key);
  assert.equal(withNews, { kind: 'probe', keyId: 6, message: { type: 'ack', seq: 0xffff_fffe, updates: ack.updates } });
});

test('only pings and acks travel as datagrams, and only when they fit', () => {
  assert.ok(carriedByDatagram(ping) && carriedByDatagram(ack));
  assert.not.ok(carriedByDatagram({ type: 'gossip', source: 'a', updates: [] }));
  const labels = new Uint8Array(200);
  const many = Array.from({ length: 8 }, (_, i) => ({ kind: 'alive' as const, member: `m${i}`, incarnation: 1, address: '10.0.0.1:4270', role: 'worker' as const, labels }));
  assert.is(encodeProbeDatagram({ ...ping, updates: many }, 5, key), undefined, `more than ${datagramBytesMax} bytes goes over the link`);
});

test('a datagram altered anywhere, or under another key, is refused', () => {
  const encoded = encodeProbeDatagram(ack, 5, key)!;
  for (let offset = 5; offset < encoded.byteLength; offset += 1) {
    const altered = Uint8Array.from(encoded);
    altered[offset]! ^= 0x01;
    const reading = decodeDatagram(altered, () => key);
    assert.is(reading.kind, 'invalid', `a flipped bit at byte ${offset} was accepted`);
  }
  assert.is(decodeDatagram(encoded, () => otherKey).kind, 'invalid');
  assert.equal(decodeDatagram(encoded, () => undefined), { kind: 'keyNotKnown', keyId: 5 });
});

test('junk is refused with a reason, never thrown', () => {
  const samples = [new Uint8Array(0), new Uint8Array(3), Uint8Array.of(2, 0, 0, 0, 1, 0, 0, 0, 0), new Uint8Array(64).fill(0xff)];
  for (const sample of samples) {
    const reading = decodeDatagram(sample, () => key);
    assert.ok(reading.kind === 'invalid' || reading.kind === 'keyNotKnown', `got ${reading.kind}`);
  }
  // A well-MACed datagram whose updates are not CBOR is still refused.
  const encoded = encodeProbeDatagram(ack, 5, key)!;
  const truncated = encoded.subarray(0, encoded.byteLength - 3);
  assert.is(decodeDatagram(truncated, () => key).kind, 'invalid');
  assert.equal(decodeDatagram(unknownKeyReply(77), () => key), { kind: 'unknownKeyReply', keyId: 77 });
});

test('keys: offered once, used once confirmed, refused ids replaced, collisions refused', () => {
  const keys = new DatagramKeys();
  const offer = keys.offerFor('b')!;
  assert.ok(offer.keyId !== 0 && offer.key.byteLength === 32);
  assert.is(keys.offerFor('b'), undefined, 'one offer at a time');
  assert.is(keys.sendKey('b'), undefined, 'not used before the peer confirms');
  keys.offerSettled('b', offer.keyId, true);
  assert.equal(keys.sendKey('b'), { keyId: offer.keyId, key: offer.key, confirmed: true, offering: false });
  assert.is(keys.peerOfSendKey(offer.keyId), 'b');
  keys.forgetPeer('b');
  assert.is(keys.sendKey('b'), undefined);

  const receiving = new DatagramKeys();
  assert.ok(receiving.accept('a', { keyId: 9, key }));
  assert.not.ok(receiving.accept('c', { keyId: 9, key: otherKey }), 'an id in use by another peer');
  assert.ok(receiving.accept('a', { keyId: 10, key: otherKey }), 'a peer replaces its own key');
  assert.is(receiving.receiveKey(9), undefined);
  assert.is(receiving.receiveKey(10)?.peer, 'a');
  assert.not.ok(receiving.accept('a', { keyId: 0, key }), 'id 0 is the unknown-key reply');
  assert.not.ok(receiving.accept('a', { keyId: 11, key: new Uint8Array(8) }), 'short key');
});

async function openPair() {
  const heard: Array<{ at: string; peer: string; type: string; seq: number }> = [];
  const logs: string[] = [];
  const make = async (name: string) => {
    const datagrams = new ProbeDatagrams({
      host: '127.0.0.1',
      port: 0,
      log: (line) => logs.push(line),
      onProbe: (peer, message) => heard.push({ at: name, peer, type: message.type, seq: message.seq }),
    });
    assert.ok(await datagrams.open());
    return datagrams;
  };
  return { a: await make('a'), b: await make('b'), heard, logs };
}

function portOf(datagrams: ProbeDatagrams): number {
  return (datagrams as unknown as { socket: { address(): { port: number } } }).socket.address().port;
}

const waitFor = async (check: () => boolean, ms = 2000) => {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

test('two nodes probe over UDP once the key is set up, and a restarted peer sends the prober back to its link', async () => {
  const { a, b, heard, logs } = await openPair();
  try {
    const bAddress = `127.0.0.1:${portOf(b)}`;
    assert.not.ok(a.trySend('b', bAddress, ping), 'no confirmed key yet: the link carries it');
    const offer = a.keys.offerFor('b')!;
    assert.ok(b.keys.accept('a', offer));
    a.keys.offerSettled('b', offer.keyId, true);
    assert.ok(a.trySend('b', bAddress, ping));
    await waitFor(() => heard.length === 1);
    assert.equal(heard[0], { at: 'b', peer: 'a', type: 'ping', seq: 41 });
    assert.not.ok(a.trySend('b', bAddress, { type: 'gossip', source: 'a', updates: [] }), 'other messages use the link');

    // b "restarts": it no longer knows a's key, answers so, and a stops using it.
    b.keys.forgetPeer('a');
    assert.ok(a.trySend('b', bAddress, ping));
    await waitFor(() => a.keys.sendKey('b') === undefined);
    assert.is(heard.length, 1, 'nothing under an unknown key was handed on');
    assert.match(logs.join('\n'), /no longer knows this node's datagram key/);
    assert.is(b.counts.dropped, 1);
  } finally {
    a.close();
    b.close();
  }
});

test('an unknown-key answer counts only from the address the peer is probed at', async () => {
  const { a, b } = await openPair();
  b.close();
  const stranger = createSocket('udp4');
  await new Promise<void>((resolve) => stranger.bind(0, '127.0.0.1', resolve));
  try {
    const offer = a.keys.offerFor('b')!;
    a.keys.offerSettled('b', offer.keyId, true);
    // b's address is the stranger's socket: answers from anywhere else are forgeries.
    const strangerPort = (stranger.address() as { port: number }).port;
    assert.ok(a.trySend('b', `127.0.0.1:${strangerPort}`, ping));
    const forger = createSocket('udp4');
    await new Promise<void>((resolve) => forger.bind(0, '127.0.0.1', resolve));
    forger.send(unknownKeyReply(offer.keyId), portOf(a), '127.0.0.1');
    await waitFor(() => a.counts.dropped === 1);
    assert.ok(a.keys.sendKey('b'), 'a forged answer from another port changed nothing');
    forger.close();
    stranger.send(unknownKeyReply(offer.keyId), portOf(a), '127.0.0.1');
    await waitFor(() => a.keys.sendKey('b') === undefined);
  } finally {
    stranger.close();
    a.close();
  }
});

test('pings that keep going unanswered over UDP move the peer back to the link, and say so', async () => {
  const unreachable: string[] = [];
  const logs: string[] = [];
  const a = new ProbeDatagrams({ host: '127.0.0.1', port: 0, log: (line) => logs.push(line), onUnreachable: (peer) => unreachable.push(peer), onProbe: () => {} });
  assert.ok(await a.open());
  // Nobody listens at the peer's port: the datagrams vanish, as behind a firewall that passes only TCP.
  const silent = createSocket('udp4');
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(silent.address() as { port: number }).port}`;
  try {
    const offer = a.keys.offerFor('b')!;
    a.keys.offerSettled('b', offer.keyId, true);
    assert.ok(a.trySend('b', address, ping));
    a.ackedBy('b');
    assert.ok(a.trySend('b', address, ping), 'an ack (even one over the link) resets the count');
    assert.ok(a.trySend('b', address, ping));
    assert.not.ok(a.trySend('b', address, ping), 'the third ping in a row without an ack goes over the link');
    assert.equal(unreachable, ['b']);
    assert.match(logs.join('\n'), /got no ack; probing it over the link/);
    assert.is(a.keys.sendKey('b'), undefined);
  } finally {
    silent.close();
    a.close();
  }
});

test('closed while binding: the port is let go', async () => {
  const a = new ProbeDatagrams({ host: '127.0.0.1', port: 0, log: () => {}, onProbe: () => {} });
  const opening = a.open();
  a.close();
  assert.not.ok(await opening);
  assert.not.ok(a.isOpen);
});

test('a forged datagram from a stranger is dropped and answered at most at the rate limit', async () => {
  const { a, b, heard } = await openPair();
  b.close();
  const stranger = createSocket('udp4');
  let replies = 0;
  stranger.on('message', () => replies++);
  await new Promise<void>((resolve) => stranger.bind(0, '127.0.0.1', resolve));
  try {
    const forged = encodeProbeDatagram(ping, 1234, key)!;
    for (let i = 0; i < 100; i += 1) stranger.send(forged, portOf(a), '127.0.0.1');
    await waitFor(() => a.counts.dropped === 100);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.is(heard.length, 0);
    assert.ok(replies >= 1 && replies <= 40, `${replies} unknown-key replies to 100 forged datagrams`);
  } finally {
    stranger.close();
    a.close();
  }
});

test('a port already taken means no datagrams, not a crash', async () => {
  const { a, b } = await openPair();
  b.close();
  const second = new ProbeDatagrams({ host: '127.0.0.1', port: portOf(a), log: () => {}, onProbe: () => {} });
  assert.not.ok(await second.open());
  assert.not.ok(second.trySend('b', '127.0.0.1:1', ping));
  a.close();
});

test.run();
