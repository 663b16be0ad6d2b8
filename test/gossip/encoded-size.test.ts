import { Encoder } from 'cbor-x';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRng } from '../../runtime/common/rng.js';
import { encodedBytes } from '../../runtime/gossip/encoded-size.js';
import type { GossipMessage, MemberState, Update } from '../../runtime/gossip/messages.js';

const encoder = new Encoder({ useRecords: false, tagUint8Array: false });
const cborLength = (value: unknown): number => encoder.encode(value).length;

test('scalar sizes match cbor-x at every head-size boundary', () => {
  // Proves the estimator follows cbor-x for integers (incl. the float64 fallback past 32 bits), strings and bytes.
  const numbers = [0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -24, -25, -256, -257, 1.5];
  for (const value of numbers) assert.is(encodedBytes(value), cborLength(value), `number ${value}`);
  const strings = ['', 'a', 'x'.repeat(23), 'x'.repeat(24), 'x'.repeat(255), 'x'.repeat(256), 'é', '日本', '😀', 'x'.repeat(70000)];
  for (const value of strings) assert.is(encodedBytes(value), cborLength(value), `string of ${value.length}`);
  for (const length of [0, 1, 23, 24, 255, 256, 300]) assert.is(encodedBytes(new Uint8Array(length)), cborLength(new Uint8Array(length)));
  assert.is(encodedBytes(true), cborLength(true));
  assert.is(encodedBytes(null), cborLength(null));
});

test('every message shape, with random contents, has exactly the size cbor-x encodes', () => {
  // Proves piggyback budgets computed by the core are the real encoded sizes of what the wire will send.
  const rng = new SeededRng(42);
  const id = (): string => `n${rng.int(10 ** (1 + rng.int(8)))}`;
  const update = (): Update => {
    const member = id();
    const incarnation = rng.int(2) === 0 ? rng.int(30) : rng.int(2 ** 31);
    switch (rng.int(4)) {
      case 0:
        return { kind: 'alive', member, incarnation, address: `10.0.${rng.int(256)}.${rng.int(256)}:4270`, role: 'manager', labels: new Uint8Array(rng.int(300)) };
      case 1:
        return { kind: 'suspect', member, incarnation, from: id() };
      case 2:
        return { kind: 'dead', member, incarnation, from: id() };
      default:
        return { kind: 'left', member, incarnation };
    }
  };
  const updates = (): Update[] => Array.from({ length: rng.int(40) }, update);
  const row = (): MemberState => ({ member: id(), incarnation: rng.int(1000), status: 'suspect', address: 'board.local:4270', role: 'worker', labels: new Uint8Array(rng.int(64)) });
  for (let round = 0; round < 200; round += 1) {
    const seq = rng.int(2) === 0 ? rng.int(100) : rng.int(2 ** 40);
    const messages: GossipMessage[] = [
      { type: 'ping', source: id(), seq, target: id(), updates: updates() },
      { type: 'ack', source: id(), seq, updates: updates() },
      { type: 'nack', source: id(), seq, updates: updates() },
      { type: 'pingReq', source: id(), seq, target: id(), targetAddress: '[fe80::1]:4270', updates: updates() },
      { type: 'gossip', source: id(), updates: updates() },
      { type: 'pushPull', source: id(), reply: rng.int(2) === 0, members: Array.from({ length: rng.int(30) }, row) },
    ];
    for (const message of messages) assert.is(encodedBytes(message), cborLength(message), `${message.type} in round ${round}`);
  }
});

test.run();
