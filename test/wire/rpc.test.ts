import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EdgeError } from '../../runtime/common/errors.js';
import { SeededRng } from '../../runtime/common/rng.js';
import { definePart, defineMethod, defineTopic } from '../../runtime/wire/definitions.js';
import { WireError, WireErrorCode } from '../../runtime/wire/errors.js';
import { rpcErrorOf, rpcErrorMessageBytesMax } from '../../runtime/wire/rpc.js';
import { any, array, bool, bytes, object, oneOf, uint } from '../../runtime/wire/schema.js';
import { utf8ByteLength } from '../../runtime/wire/utf8.js';
import { createVocabulary, type MessageOfVocabulary } from '../../runtime/wire/vocabulary.js';
import { arrayOf, bytes as cborBytes, frame, map, text } from './cbor-builder.js';
import { normalize, sampleEvent, sampleOkResponse, sampleRequest } from './samples.js';

const append = defineMethod({
  method: 'test.append',
  request: object({ term: uint(), entries: array(object({ index: uint(), data: bytes({ maxBytes: 128 }) }), { maxItems: 64 }) }),
  response: object({ success: bool(), matchIndex: uint() }),
});
const opaque = defineMethod({ method: 'test.opaque', request: any(), response: any() });
const status = defineTopic({ topic: 'test.status', body: object({ state: oneOf('up', 'down') }) });
const vocabulary = createVocabulary([definePart({ owner: 'rpc test', methods: [append, opaque], topics: [status] })]);
type TestMessage = MessageOfVocabulary<typeof vocabulary>;

const inFlight = new Map<number, string>();
const methodOf = (id: number): string | undefined => inFlight.get(id);

function refusal(action: () => unknown): WireError {
  try {
    action();
  } catch (error) {
    if (error instanceof WireError) return error;
    throw error;
  }
  throw new Error('expected a WireError');
}

test('requests, responses and events of every method and topic survive a round trip', () => {
  // Proves bodies are encoded and decoded by their method's or topic's schema, for random samples.
  const seed = 0x0e_d9_e0_02;
  const rng = new SeededRng(seed);
  const { methods, topics } = vocabulary.definitions();
  for (let round = 0; round < 300; round++) {
    for (const method of methods) {
      const request = sampleRequest(method, rng);
      assert.equal(normalize(vocabulary.decode(vocabulary.encode(request as never))), normalize({ ...request, v: 1 }), `seed ${seed} round ${round}`);
      const response = sampleOkResponse(method, rng);
      inFlight.set(response.id as number, method.method);
      const decoded = vocabulary.decode(vocabulary.encode(response as never), { methodOf });
      assert.equal(normalize(decoded), normalize({ ...response, v: 1 }), `seed ${seed} round ${round}`);
    }
    for (const topic of topics) {
      const event = sampleEvent(topic, rng);
      assert.equal(normalize(vocabulary.decode(vocabulary.encode(event as never))), normalize({ ...event, v: 1 }));
    }
  }
  inFlight.clear();
});

test('a decoded response carries the method it answers, and types narrow on it', () => {
  // Proves handlers get typed bodies: after checking t, method and ok the compiler knows the body's fields.
  inFlight.set(7, 'test.append');
  const decoded: TestMessage = vocabulary.decode(vocabulary.encode({ t: 'response', id: 7, method: 'test.append', ok: true, body: { success: true, matchIndex: 12 } }), { methodOf });
  if (decoded.t !== 'response' || decoded.method !== 'test.append' || !decoded.ok) throw new Error('wrong narrowing');
  const matchIndex: number = decoded.body.matchIndex;
  assert.is(matchIndex, 12);
  inFlight.clear();
});

test('a request body that breaks its method schema names body path, method and id', () => {
  // Proves body checks reach inside: entries[3].data too long is reported as body.entries[3].data.
  const entry = (data: number[]): number[] => map([[text('index'), [0x01]], [text('data'), cborBytes(data)]]);
  const entries = arrayOf([entry([1]), entry([2]), entry([3]), entry(new Array(129).fill(0))]);
  const bytesIn = frame({ t: text('request'), v: [0x01], id: [0x05], method: text('test.append'), body: map([[text('term'), [0x02]], [text('entries'), entries]]) });
  const error = refusal(() => vocabulary.decode(bytesIn));
  assert.is(error.code, WireErrorCode.SchemaViolation);
  assert.is(error.field, 'body.entries[3].data');
  assert.is(error.method, 'test.append');
  assert.is(error.rpcId, 5);
  assert.ok(error.closesLink);
});

test('a request for an unknown method is answerable and keeps the link', () => {
  // Proves the transport gets the id to answer with, and that the error answer itself round-trips.
  const bytesIn = frame({ t: text('request'), v: [0x01], id: [0x09], method: text('test.future'), body: [0xf6] });
  const error = refusal(() => vocabulary.decode(bytesIn));
  assert.is(error.code, WireErrorCode.MethodUnknown);
  assert.is(error.rpcId, 9);
  assert.is(error.closesLink, false);
  const answer = vocabulary.encode({ t: 'response', id: 9, ok: false, error: rpcErrorOf(error) });
  // The caller (a newer node) knows the method it asked for; here test.opaque plays that part.
  inFlight.set(9, 'test.opaque');
  const decoded = vocabulary.decode(answer, { methodOf });
  const expected: TestMessage = { t: 'response', v: 1, id: 9, ok: false, error: { code: WireErrorCode.MethodUnknown, message: error.message, retryable: false }, method: 'test.opaque' };
  assert.equal(decoded, expected);
  inFlight.clear();
});

test('a response nobody waits for is dropped without closing the link', () => {
  // Proves a late answer (after cancel or timeout) is EDGE_WIRE_RESPONSE_UNMATCHED, not fatal.
  const late = vocabulary.encode({ t: 'response', id: 3, method: 'test.opaque', ok: true, body: null });
  for (const options of [{}, { methodOf }]) {
    const error = refusal(() => vocabulary.decode(late, options));
    assert.is(error.code, WireErrorCode.ResponseUnmatched);
    assert.is(error.rpcId, 3);
    assert.is(error.closesLink, false);
  }
});

test('response bodies are checked against the method in flight', () => {
  // Proves an answer shaped for another method, or ok with an error, or no ok at all, is refused.
  inFlight.set(4, 'test.append');
  const wrongBody = frame({ t: text('response'), v: [0x01], id: [0x04], ok: [0xf5], body: map([[text('success'), text('yes')], [text('matchIndex'), [0x01]]]) });
  const error = refusal(() => vocabulary.decode(wrongBody, { methodOf }));
  assert.is(error.field, 'body.success');
  assert.is(error.method, 'test.append');
  const both = frame({ t: text('response'), v: [0x01], id: [0x04], ok: [0xf4], error: map([[text('code'), text('E')], [text('message'), text('')], [text('retryable'), [0xf4]]]), body: [0xf6] });
  assert.is(refusal(() => vocabulary.decode(both, { methodOf })).field, 'body');
  const noOk = frame({ t: text('response'), v: [0x01], id: [0x04], body: [0xf6] });
  assert.is(refusal(() => vocabulary.decode(noOk, { methodOf })).field, 'ok');
  inFlight.clear();
});

test('events of unknown topics are dropped; known topics check their body', () => {
  // Proves one-way notices get the same checks, and an unknown topic costs only that frame.
  const unknown = refusal(() => vocabulary.decode(frame({ t: text('event'), v: [0x01], topic: text('test.other'), body: [0xf6] })));
  assert.is(unknown.code, WireErrorCode.TopicUnknown);
  assert.is(unknown.closesLink, false);
  const bad = refusal(() => vocabulary.decode(frame({ t: text('event'), v: [0x01], topic: text('test.status'), body: map([[text('state'), text('sideways')]]) })));
  assert.is(bad.field, 'body.state');
});

test('encoding checks bodies too, and needs the method of a successful response', () => {
  // Proves a body wrong for its method never leaves, and an ok response without its method cannot be checked, so is refused.
  const wrong = refusal(() => vocabulary.encode({ t: 'request', id: 1, method: 'test.append', body: { term: 1, entries: [{ index: 1, data: 'x' }] } } as never));
  assert.is(wrong.field, 'body.entries[0].data');
  const noMethod = refusal(() => vocabulary.encode({ t: 'response', id: 1, ok: true, body: null } as never));
  assert.is(noMethod.code, WireErrorCode.MethodUnknown);
  const unknownMethod = refusal(() => vocabulary.encode({ t: 'request', id: 1, method: 'test.nope', body: null } as never));
  assert.is(unknownMethod.code, WireErrorCode.MethodUnknown);
  const unknownTopic = refusal(() => vocabulary.encode({ t: 'event', topic: 'test.nope', body: null } as never));
  assert.is(unknownTopic.code, WireErrorCode.TopicUnknown);
});

test('cancel round-trips and carries its id in errors', () => {
  // Proves the cancel frame and that a broken one still reports the id it was about.
  assert.equal(vocabulary.decode(vocabulary.encode({ t: 'cancel', id: 11 })), { t: 'cancel', v: 1, id: 11 } as TestMessage);
  const error = refusal(() => vocabulary.decode(frame({ t: text('cancel'), v: [0x01], id: [0x0b], why: text('x') })));
  assert.is(error.rpcId, 11);
  assert.is(error.field, 'why');
});

test('decoded byte strings are copies, not views of the frame', () => {
  // Proves a handler keeping an entry does not pin the frame buffer or see it change when the buffer is reused.
  const encoded = vocabulary.encode({ t: 'request', id: 1, method: 'test.append', body: { term: 1, entries: [{ index: 1, data: Uint8Array.of(7, 7, 7) }] } });
  const decoded = vocabulary.decode(encoded);
  if (decoded.t !== 'request' || decoded.method !== 'test.append') throw new Error('wrong type');
  const data = decoded.body.entries[0]!.data;
  encoded.fill(0);
  assert.equal([...data], [7, 7, 7]);
  assert.is.not(data.buffer, encoded.buffer);
});

test('rpcErrorOf fits any EdgeError into the response schema', () => {
  // Proves answering with an error cannot fail: long messages are cut at a character, lone surrogates dropped.
  const long = new EdgeError('EDGE_TEST_LONG', '€'.repeat(2000), { retryable: true });
  const carried = rpcErrorOf(long);
  assert.ok(utf8ByteLength(carried.message) <= rpcErrorMessageBytesMax);
  assert.ok(carried.message.endsWith('...'));
  assert.is(carried.retryable, true);
  const odd = rpcErrorOf(new EdgeError('', 'bad \ud800 text'));
  assert.is(odd.code, 'EDGE_ERROR_CODE_INVALID');
  assert.is(odd.message, 'bad  text');
  for (const error of [long, new EdgeError('', 'bad \ud800 text'), new EdgeError('EDGE_X', 'short')]) {
    vocabulary.encode({ t: 'response', id: 1, ok: false, error: rpcErrorOf(error) });
  }
});
test.run();
