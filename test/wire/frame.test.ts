import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isNativeAccelerationEnabled } from 'cbor-x/decode';
import { SeededRng } from '../../runtime/common/rng.js';
import { decodeFrame, encodeFrame, wireLimits, wireVocabulary, WireError, WireErrorCode, type OutgoingMessage, type WireMessage } from '../../runtime/wire/index.js';
import { bytes, frame, fromHex, head, text, toHex } from './cbor-builder.js';
import { normalize, sampleEvent, sampleMessage, sampleOkResponse, sampleRequest } from './samples.js';

function refusal(action: () => unknown): WireError {
  try {
    action();
  } catch (error) {
    if (error instanceof WireError) return error;
    throw error;
  }
  throw new Error('expected a WireError');
}

test('every message type of the node vocabulary survives encode then decode', () => {
  // Proves round trips for all types, with samples drawn from each schema (so types added later are covered too).
  const seed = 0x0e_d9_e0_01;
  const rng = new SeededRng(seed);
  const { messages } = wireVocabulary.definitions();
  const types = messages.map((definition) => definition.type);
  for (const type of ['hello', 'ping', 'pong', 'cancel']) assert.ok(types.includes(type), `vocabulary lacks ${type}`);
  for (const definition of messages) {
    if (['request', 'response', 'event'].includes(definition.type)) continue; // bodies need methods: rpc.test.ts
    for (let round = 0; round < 200; round++) {
      const message = sampleMessage(definition, rng);
      const decoded = decodeFrame(encodeFrame(message as OutgoingMessage));
      assert.equal(normalize(decoded), normalize({ ...message, v: definition.version }), `seed ${seed}: ${definition.type} round ${round}`);
    }
  }
});

test('every method and topic of the node vocabulary survives a round trip', () => {
  // Proves request, response and event bodies of every part listed in messages/index.ts encode and decode intact.
  const seed = 0x0e_d9_e0_03;
  const rng = new SeededRng(seed);
  const { methods, topics } = wireVocabulary.definitions();
  const inFlight = new Map<number, string>();
  for (let round = 0; round < 50; round++) {
    for (const method of methods) {
      const request = sampleRequest(method, rng);
      assert.equal(normalize(decodeFrame(encodeFrame(request as OutgoingMessage))), normalize({ ...request, v: 1 }), `seed ${seed}: ${method.method} request`);
      const response = sampleOkResponse(method, rng);
      inFlight.set(response.id as number, method.method);
      const decoded = decodeFrame(encodeFrame(response as OutgoingMessage), { methodOf: (id) => inFlight.get(id) });
      assert.equal(normalize(decoded), normalize({ ...response, v: 1 }), `seed ${seed}: ${method.method} response`);
    }
    for (const topic of topics) {
      const event = sampleEvent(topic, rng);
      assert.equal(normalize(decodeFrame(encodeFrame(event as OutgoingMessage))), normalize({ ...event, v: 1 }), `seed ${seed}: ${topic.topic}`);
    }
  }
});

test('a ping is 64 bytes or less even with the largest values', () => {
  // Proves the heartbeat budget holds for every seq and clock value the schema allows.
  for (const value of [0, 23, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
    const bytesOut = encodeFrame({ t: 'ping', seq: value, sentAtMs: value });
    assert.ok(bytesOut.length <= 64, `ping with ${value} took ${bytesOut.length} bytes`);
    assert.ok(encodeFrame({ t: 'pong', seq: value, sentAtMs: value }).length <= 64);
  }
});

test('a ping encodes to plain preferred CBOR, byte for byte', () => {
  // Proves the wire format itself (one-byte map header, t then v, no tags) so other CBOR decoders can read it.
  const encoded = encodeFrame({ t: 'ping', seq: 1, sentAtMs: 1000 });
  assert.is(toHex(encoded), 'a4' + '6174' + '6470696e67' + '6176' + '01' + '63736571' + '01' + '6873656e7441744d73' + '1903e8');
});

test('frames from another encoder decode: any key order, 64-bit integers', () => {
  // Proves we read what a different RFC 8949 encoder may write, not only what cbor-x writes.
  const foreign = frame({ sentAtMs: head(0, 1_700_000_000_000n), seq: head(0, 7n), v: [0x01], t: text('pong') });
  assert.equal(decodeFrame(foreign), { sentAtMs: 1_700_000_000_000, seq: 7, v: 1, t: 'pong' } as unknown as WireMessage);
});

test('the pure-JS cbor-x build is in use, not the native add-on', () => {
  // Proves importing the wire does not load cbor-extract (boards ship without it).
  assert.is(isNativeAccelerationEnabled, false);
});

test('unknown types and newer or older versions are refused and close the link', () => {
  // Proves a mixed-version fleet fails loudly: the error names the type and both versions.
  const unknown = refusal(() => decodeFrame(frame({ t: text('teleport'), v: [0x01] })));
  assert.is(unknown.code, WireErrorCode.TypeUnknown);
  assert.is(unknown.messageType, 'teleport');
  assert.ok(unknown.closesLink);
  const newer = refusal(() => decodeFrame(frame({ t: text('ping'), v: [0x02], seq: [0], sentAtMs: [0] })));
  assert.is(newer.code, WireErrorCode.VersionUnsupported);
  assert.match(newer.message, /version 2: this node reads version 1; upgrade this node/);
  assert.ok(newer.closesLink);
  const older = refusal(() => decodeFrame(frame({ t: text('ping'), v: [0x00], seq: [0], sentAtMs: [0] })));
  assert.is(older.code, WireErrorCode.VersionUnsupported);
});

test('missing or mistyped envelope fields are schema violations naming the field', () => {
  // Proves t and v are checked before anything else and reported by name.
  const noType = refusal(() => decodeFrame(frame({ v: [0x01] })));
  assert.is(noType.code, WireErrorCode.SchemaViolation);
  assert.is(noType.field, 't');
  const textVersion = refusal(() => decodeFrame(frame({ t: text('ping'), v: text('1'), seq: [0], sentAtMs: [0] })));
  assert.is(textVersion.field, 'v');
  assert.is(textVersion.messageType, 'ping');
});

test('a field out of bounds is refused with the type and the path', () => {
  // Proves the error tells an operator which frame and which field broke.
  const features = [text('raft.prevote'), text('gossip'), text('x'.repeat(33))];
  const bad = frame({ t: text('hello'), v: [0x01], protocol: [0x01], software: text('edged 0.1.0'), features: [...head(4, 3), ...features.flat()] });
  const error = refusal(() => decodeFrame(bad));
  assert.is(error.code, WireErrorCode.SchemaViolation);
  assert.is(error.messageType, 'hello');
  assert.is(error.field, 'features[2]');
  assert.match(error.message, /hello frame: field features\[2\] expected a text string of 1–32 UTF-8 bytes, got a text string of 33 bytes/);
  assert.ok(error.closesLink);
});

test('fields a frame type does not have are refused', () => {
  // Proves a sender cannot slip extra data past the schema.
  const error = refusal(() => decodeFrame(frame({ t: text('ping'), v: [0x01], seq: [0], sentAtMs: [0], extra: bytes([1]) })));
  assert.is(error.code, WireErrorCode.SchemaViolation);
  assert.is(error.field, 'extra');
});

test('frame size is checked against frameBytesMax in both directions', () => {
  // Proves an oversized frame is refused before scanning, and that we never produce one.
  const limits = wireLimits({ frameBytesMax: 64 });
  const hello: OutgoingMessage = { t: 'hello', protocol: 1, software: 'edged', features: ['a'.repeat(32), 'b'.repeat(32)] };
  const encoded = encodeFrame(hello);
  assert.ok(encoded.length > 64);
  assert.is(refusal(() => decodeFrame(encoded, { limits })).code, WireErrorCode.FrameTooLarge);
  assert.is(refusal(() => encodeFrame(hello, { limits })).code, WireErrorCode.FrameTooLarge);
  assert.is(refusal(() => decodeFrame(new Uint8Array(4 * 1024 * 1024 + 1))).code, WireErrorCode.FrameTooLarge);
});

test('bytes that are not a CBOR map are not a frame', () => {
  // Proves the top level must be a map, and an empty frame is malformed.
  for (const hex of ['', '00', '80', '6474797065', 'f6']) {
    assert.is(refusal(() => decodeFrame(fromHex(hex))).code, WireErrorCode.Malformed, hex);
  }
});

test('encoding refuses messages that break their schema or name no type', () => {
  // Proves we never send what a peer would refuse, and the error names the field.
  const negative = refusal(() => encodeFrame({ t: 'ping', seq: -1, sentAtMs: 0 }));
  assert.is(negative.code, WireErrorCode.SchemaViolation);
  assert.is(negative.field, 'seq');
  assert.match(negative.message, /^cannot encode ping frame/);
  const missing = refusal(() => encodeFrame({ t: 'ping', seq: 1 } as unknown as OutgoingMessage));
  assert.is(missing.field, 'sentAtMs');
  const unknown = refusal(() => encodeFrame({ t: 'teleport' } as unknown as OutgoingMessage));
  assert.is(unknown.code, WireErrorCode.TypeUnknown);
});

test('decoded messages narrow by type for handlers', () => {
  // Proves the union type discriminates on t (checked by the compiler) and values arrive as numbers and arrays.
  const decoded = decodeFrame(encodeFrame({ t: 'hello', protocol: 1, software: 'edged 0.1.0', features: ['raft.prevote'] }));
  if (decoded.t !== 'hello') throw new Error(`expected hello, got ${decoded.t}`);
  const features: readonly string[] = decoded.features;
  const protocol: number = decoded.protocol;
  assert.equal([features, protocol, decoded.v], [['raft.prevote'], 1, 1]);
});
test.run();
