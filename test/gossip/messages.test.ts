import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lanDefaults } from '../../runtime/gossip/config.js';
import { checkMessage, utf8Bytes, type GossipMessage } from '../../runtime/gossip/messages.js';

const limits = lanDefaults();
const alive = { kind: 'alive', member: 'pi-4', incarnation: 3, address: '10.0.0.4:4270', role: 'worker', labels: new Uint8Array([1, 2]) };

function fieldOf(value: unknown): string | undefined {
  const error = checkMessage(value, limits);
  assert.ok(error !== undefined, `expected ${JSON.stringify(value, (_, v) => (v instanceof Uint8Array ? `bytes(${v.length})` : v))} to be refused`);
  assert.is(error.code, 'EDGE_GOSSIP_MESSAGE_INVALID');
  return error.field;
}

test('well-formed messages of every type pass', () => {
  // Proves the checker accepts the vocabulary it documents (and ignores unknown extra fields).
  const valid: GossipMessage[] = [
    { type: 'ping', source: 'pi-1', seq: 0, target: 'pi-2', updates: [] },
    { type: 'ack', source: 'pi-2', seq: 9, updates: [alive as never] },
    { type: 'nack', source: 'pi-3', seq: 9, updates: [{ kind: 'left', member: 'pi-9', incarnation: 0 }] },
    { type: 'pingReq', source: 'pi-1', seq: 4, target: 'pi-2', targetAddress: '10.0.0.2:4270', updates: [{ kind: 'suspect', member: 'pi-2', incarnation: 0, from: 'pi-1' }] },
    { type: 'gossip', source: 'pi-1', updates: [{ kind: 'dead', member: 'pi-2', incarnation: 1, from: 'pi-5' }] },
    { type: 'pushPull', source: 'pi-1', reply: false, members: [{ member: 'pi-1', incarnation: 0, status: 'alive', address: 'a:1', role: 'manager', labels: new Uint8Array(0) }] },
  ];
  for (const message of valid) assert.is(checkMessage(message, limits), undefined, message.type);
  assert.is(checkMessage({ ...valid[0], addedByANewerVersion: 1 }, limits), undefined);
});

test('structural damage is refused and the field is named', () => {
  // Proves each kind of malformed input maps to the offending field, not a crash.
  assert.is(fieldOf(null), 'message');
  assert.is(fieldOf([]), 'message');
  assert.is(fieldOf({ type: 'hello', source: 'pi-1' }), 'type');
  assert.is(fieldOf({ type: 'ping', source: '', seq: 1, target: 'pi-2', updates: [] }), 'source');
  assert.is(fieldOf({ type: 'ping', source: '-bad', seq: 1, target: 'pi-2', updates: [] }), 'source');
  assert.is(fieldOf({ type: 'ping', source: 'x'.repeat(65), seq: 1, target: 'pi-2', updates: [] }), 'source');
  assert.is(fieldOf({ type: 'ping', source: 'pi-1', seq: -1, target: 'pi-2', updates: [] }), 'seq');
  assert.is(fieldOf({ type: 'ping', source: 'pi-1', seq: 1.5, target: 'pi-2', updates: [] }), 'seq');
  assert.is(fieldOf({ type: 'ping', source: 'pi-1', seq: 1, updates: [] }), 'target');
  assert.is(fieldOf({ type: 'ack', source: 'pi-1', seq: 1, updates: {} }), 'updates');
  assert.is(fieldOf({ type: 'pingReq', source: 'pi-1', seq: 1, target: 'pi-2', targetAddress: '', updates: [] }), 'targetAddress');
  assert.is(fieldOf({ type: 'pushPull', source: 'pi-1', reply: 'yes', members: [] }), 'reply');
  assert.is(fieldOf({ type: 'pushPull', source: 'pi-1', reply: true, members: [{ ...alive, member: 'pi-4', status: 'zombie' }] }), 'members[0].status');
});

test('updates are checked one by one, with their index in the field', () => {
  // Proves an update deep in the list is validated and located.
  const message = (update: unknown) => ({ type: 'gossip', source: 'pi-1', updates: [alive, update] });
  assert.is(fieldOf(message({ ...alive, kind: 'undead' })), 'updates[1].kind');
  assert.is(fieldOf(message({ ...alive, incarnation: 2 ** 53 })), 'updates[1].incarnation');
  assert.is(fieldOf(message({ ...alive, incarnation: -1 })), 'updates[1].incarnation');
  assert.is(fieldOf(message({ ...alive, role: 'admin' })), 'updates[1].role');
  assert.is(fieldOf(message({ ...alive, labels: 'text' })), 'updates[1].labels');
  assert.is(fieldOf(message({ kind: 'suspect', member: 'pi-2', incarnation: 0 })), 'updates[1].from');
  assert.is(fieldOf(message({ kind: 'left', member: 'pi 2', incarnation: 0 })), 'updates[1].member');
});

test('bounds: update count, labels bytes, address bytes and member rows', () => {
  // Proves a message cannot carry more than the configured limits, so it cannot inflate memory.
  const many = Array.from({ length: limits.updatesPerMessageMax + 1 }, () => ({ kind: 'left', member: 'pi-2', incarnation: 0 }));
  assert.is(fieldOf({ type: 'gossip', source: 'pi-1', updates: many }), 'updates');
  assert.is(checkMessage({ type: 'gossip', source: 'pi-1', updates: many.slice(1) }, limits), undefined);
  const fat = { ...alive, labels: new Uint8Array(limits.labelsBytesMax + 1) };
  assert.is(fieldOf({ type: 'gossip', source: 'pi-1', updates: [fat] }), 'updates[0].labels');
  assert.is(checkMessage({ type: 'gossip', source: 'pi-1', updates: [{ ...fat, labels: new Uint8Array(limits.labelsBytesMax) }] }, limits), undefined);
  const far = { ...alive, address: 'é'.repeat(limits.addressBytesMax / 2) + 'x' };
  assert.is(fieldOf({ type: 'gossip', source: 'pi-1', updates: [far] }), 'updates[0].address');
  const row = { member: 'pi-1', incarnation: 0, status: 'alive', address: 'a:1', role: 'worker', labels: new Uint8Array(0) };
  const rows = Array.from({ length: limits.membersMax + 1 }, () => row);
  assert.is(fieldOf({ type: 'pushPull', source: 'pi-1', reply: false, members: rows }), 'members');
});

test('UTF-8 length counts multi-byte characters and surrogate pairs', () => {
  // Proves address bounds are in bytes, as the wire counts them, not UTF-16 units.
  assert.is(utf8Bytes('abc'), 3);
  assert.is(utf8Bytes('é'), 2);
  assert.is(utf8Bytes('日'), 3);
  assert.is(utf8Bytes('😀'), 4);
  assert.is(utf8Bytes('\ud800'), 3);
});

test.run();
