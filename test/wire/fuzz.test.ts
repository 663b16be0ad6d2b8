// Fuzzing the decoder with random and mutated frames. Replay a failure with
//   WIRE_FUZZ_SEED=<seed> node --import tsx test/wire/fuzz.test.ts
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SeededRng, type Rng } from '../../runtime/common/rng.js';
import { encodeCbor } from '../../runtime/wire/codec.js';
import { definePart, defineMessage, defineMethod, defineTopic } from '../../runtime/wire/definitions.js';
import { WireError, WireErrorCode } from '../../runtime/wire/errors.js';
import { defaultWireLimits, wireLimits } from '../../runtime/wire/limits.js';
import { link } from '../../runtime/wire/messages/link.js';
import { any, array, bool, bytes, float, int, object, oneOf, optional, record, string, uint } from '../../runtime/wire/schema.js';
import { createVocabulary, type DecodeOptions } from '../../runtime/wire/vocabulary.js';
import { head } from './cbor-builder.js';
import { sampleAny, sampleEvent, sampleMessage, sampleOkResponse, sampleRequest } from './samples.js';

const framesMin = 100_000;
const seed = process.env.WIRE_FUZZ_SEED === undefined ? (Date.now() ^ (process.pid << 16)) >>> 0 : Number(process.env.WIRE_FUZZ_SEED);
console.log(`wire fuzz seed ${seed} (replay: WIRE_FUZZ_SEED=${seed} node --import tsx test/wire/fuzz.test.ts)`);

// Every schema kind appears somewhere, so mutations reach every check.
const entry = object({ index: uint(), term: uint({ max: 2 ** 32 }), kind: oneOf('normal', 'conf'), data: bytes({ maxBytes: 256 }) });
const everything = defineMessage({
  type: 'fuzz.everything',
  version: 2,
  fields: {
    count: int({ min: -100, max: 100 }),
    ratio: float(),
    flag: bool(),
    name: string({ maxBytes: 24 }),
    note: optional(string({ minBytes: 1, maxBytes: 8 })),
    labels: record(string({ maxBytes: 16 }), { maxEntries: 4, keyMaxBytes: 12 }),
    entries: array(entry, { maxItems: 8 }),
    extra: optional(any()),
  },
});
const appendMethod = defineMethod({ method: 'fuzz.append', request: object({ term: uint(), entries: array(entry, { maxItems: 8 }) }), response: object({ ok: bool() }) });
const opaqueMethod = defineMethod({ method: 'fuzz.opaque', request: any(), response: any() });
const topic = defineTopic({ topic: 'fuzz.news', body: object({ headline: string({ maxBytes: 32 }) }) });
const vocabulary = createVocabulary([link, definePart({ owner: 'fuzz', messages: [everything], methods: [appendMethod, opaqueMethod], topics: [topic] })]);
const { messages, methods, topics } = vocabulary.definitions();

const tightLimits = wireLimits({ frameBytesMax: 512, depthMax: 6, itemsMax: 64, stringBytesMax: 40, keyBytesMax: 16 });
const knownCodes = new Set<string>(Object.values(WireErrorCode));

function pick<T>(rng: Rng, values: readonly T[]): T {
  return values[rng.int(values.length)]!;
}

/** Methods of the responses generated so far, by id: the fuzzer's requests in flight. */
const inFlight = new Map<number, string>();

/** A valid message object of any kind the vocabulary knows (as a sender passes it). */
function validMessage(rng: Rng): Record<string, unknown> {
  const choice = rng.int(4);
  if (choice === 0) return sampleRequest(pick(rng, methods), rng);
  if (choice === 1) {
    const response = sampleOkResponse(pick(rng, methods), rng);
    // Most responses answer a request in flight; the rest arrive late.
    if (rng.next() < 0.8) inFlight.set(response.id as number, response.method as string);
    return response;
  }
  if (choice === 2) return sampleEvent(pick(rng, topics), rng);
  const definition = pick(rng, messages.filter((message) => !['request', 'response', 'event'].includes(message.type)));
  return sampleMessage(definition, rng);
}

const hostileValues: unknown[] = [
  -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, 2 ** 64, 2n ** 60n, -(2n ** 63n), '', 'x'.repeat(100), 'é'.repeat(30),
  new Uint8Array(300), new Date(0), new Map([[1, 2]]), new Set([1]), undefined, null, true, [], {}, [[[[[[[[]]]]]]]],
  JSON.parse('{"__proto__": {"polluted": true}}'), { 1: 'numeric key' }, 'request', 'response', 'fuzz.append', 0, 2, 3,
];

/** The value with one spot somewhere inside it replaced, removed or added to. */
function mutateValue(value: unknown, rng: Rng): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array) && rng.next() < 0.75) {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    const action = rng.int(4);
    if (action === 0 && keys.length > 0) delete copy[pick(rng, keys)];
    else if (action === 1) copy[pick(rng, ['extra', 'body', 'id', 't', 'v', 'ok', 'error', 'zz'])] = rng.next() < 0.5 ? pick(rng, hostileValues) : sampleAny(rng, 2);
    else if (keys.length > 0) {
      const key = pick(rng, keys);
      copy[key] = mutateValue(copy[key], rng);
    }
    return copy;
  }
  if (Array.isArray(value) && value.length > 0 && rng.next() < 0.75) {
    const copy = [...value];
    const index = rng.int(copy.length);
    copy[index] = mutateValue(copy[index], rng);
    return copy;
  }
  return rng.next() < 0.6 ? pick(rng, hostileValues) : sampleAny(rng, 3);
}

/** Heads a hostile peer might send: huge lengths, tags, indefinite starts, odd simple values. */
function hostileHead(rng: Rng): number[] {
  const huge = pick(rng, [2 ** 31, 2 ** 32, 2n ** 53n, 2n ** 64n - 1n, 4096, 1_000_000]);
  switch (rng.int(6)) {
    case 0: return head(rng.int(8), huge);
    case 1: return [0xc0 + rng.int(24)];
    case 2: return [pick(rng, [0x5f, 0x7f, 0x9f, 0xbf, 0xff, 0xf7, 0xf8, 0x1c, 0x1d, 0x1e, 0x3f])];
    case 3: return [0xd8, pick(rng, [1, 2, 28, 29, 64, 105, 258, 259])];
    case 4: return new Array<number>(rng.int(200) + 1).fill(pick(rng, [0x81, 0xa1, 0x9f]));
    default: return [rng.int(256), rng.int(256)];
  }
}

function nestedFrame(rng: Rng): Uint8Array {
  const levels = rng.next() < 0.2 ? 10_000 : rng.int(64) + 1;
  const opener = pick(rng, [[0x81], [0xa1, 0x61, 0x61], [0xa1, 0x61, 0x74]]);
  const bytesOut: number[] = [0xa3, 0x61, 0x74, 0x64, 0x70, 0x69, 0x6e, 0x67, 0x61, 0x76, 0x01, 0x63, 0x73, 0x65, 0x71];
  for (let i = 0; i < levels; i++) bytesOut.push(...opener);
  bytesOut.push(0x00);
  return Uint8Array.from(bytesOut);
}

/** A ping whose seq is an array of many one-byte items: too many for the tight limits, wrong type otherwise. */
function wideFrame(rng: Rng): Uint8Array {
  const items = rng.int(400) + 1;
  const bytesOut = [0xa3, 0x61, 0x74, 0x64, 0x70, 0x69, 0x6e, 0x67, 0x61, 0x76, 0x01, 0x63, 0x73, 0x65, 0x71, ...head(4, items)];
  for (let i = 0; i < items; i++) bytesOut.push(rng.int(24));
  return Uint8Array.from(bytesOut);
}

/** The message as it travels: a response's method is local knowledge, not a wire field. */
function onTheWire(message: Record<string, unknown>, version: number): Record<string, unknown> {
  const { method: _local, ...rest } = message;
  return message.t === 'response' ? { v: version, ...rest } : { v: version, ...message };
}

/** One frame, by one of several strategies. */
function fuzzFrame(rng: Rng): Uint8Array {
  const strategy = rng.int(9);
  if (strategy === 0) return Uint8Array.from({ length: rng.int(96) }, () => rng.int(256));
  if (strategy === 1) return nestedFrame(rng);
  if (strategy === 8) return wideFrame(rng);
  if (strategy === 2) return Uint8Array.from(encodeCbor(mutateValue(onTheWire(validMessage(rng), rng.int(4)), rng)));
  const valid = Uint8Array.from(encodeCbor(onTheWire(validMessage(rng), rng.next() < 0.9 ? 1 : rng.int(4))));
  if (strategy === 3) return valid.subarray(0, rng.int(valid.length + 1));
  if (strategy === 4) {
    for (let edits = rng.int(4) + 1; edits > 0; edits--) {
      const at = rng.int(valid.length);
      valid[at] = rng.next() < 0.5 ? valid[at]! ^ (1 << rng.int(8)) : rng.int(256);
    }
    return valid;
  }
  if (strategy === 5) {
    const at = rng.int(valid.length + 1);
    return Uint8Array.from([...valid.subarray(0, at), ...hostileHead(rng), ...valid.subarray(at)]);
  }
  if (strategy === 6) return Uint8Array.from([...valid, ...Array.from({ length: rng.int(8) + 1 }, () => rng.int(256))]);
  return valid; // also exercises the accept path and version refusal (v up to 3)
}

function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

test(`${framesMin} random and mutated frames yield only WireError, with bounded heap`, () => {
  // Proves decode never throws anything but a typed WireError, never lets cbor-x fail behind a passed scan, and does not leak.
  const rng = new SeededRng(seed);
  const gc = collectGarbage();
  gc();
  const heapBaseline = process.memoryUsage().heapUsed;
  let heapPeak = heapBaseline;
  const outcomes = new Map<string, number>();
  const methodOf = (id: number): string | undefined => inFlight.get(id);
  for (let index = 0; index < framesMin; index++) {
    const bytesIn = fuzzFrame(rng);
    const options: DecodeOptions = { methodOf, limits: rng.next() < 0.25 ? tightLimits : defaultWireLimits };
    const where = `seed ${seed} frame ${index}: ${Buffer.from(bytesIn.subarray(0, 96)).toString('hex')}`;
    let outcome: string;
    try {
      const decoded = vocabulary.decode(bytesIn, options) as Record<string, unknown>;
      // What decode returns must pass the encoder's checks too: nothing unvalidated gets out.
      const { v: _version, ...outgoing } = decoded;
      vocabulary.encode(outgoing as never, { limits: options.limits });
      outcome = `accepted ${String(decoded.t)}`;
    } catch (error) {
      if (!(error instanceof WireError)) throw new Error(`${where}: threw ${String(error)}`, { cause: error });
      assert.ok(knownCodes.has(error.code), `${where}: unknown code ${error.code}`);
      assert.ok(error.cause === undefined, `${where}: cbor-x failed after the scan passed: ${String(error.cause)}`);
      outcome = error.code;
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    if (inFlight.size > 1000) inFlight.clear(); // bounded, like a real in-flight table
    if (index % 5000 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }
  gc();
  const heapRetainedBytes = process.memoryUsage().heapUsed - heapBaseline;
  console.log(`outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])))}`);
  console.log(`heap: peak +${((heapPeak - heapBaseline) / 2 ** 20).toFixed(1)} MiB, retained after gc +${(heapRetainedBytes / 2 ** 20).toFixed(1)} MiB`);
  assert.ok(heapPeak - heapBaseline < 128 * 2 ** 20, 'heap grew past 128 MiB while fuzzing');
  assert.ok(heapRetainedBytes < 8 * 2 ** 20, 'heap retained over 8 MiB after fuzzing: something keeps frames alive');
  // The fuzzer must reach every kind of refusal and also produce valid frames, or it proves little.
  for (const code of [
    WireErrorCode.Malformed, WireErrorCode.CborUnsupported, WireErrorCode.TooDeep, WireErrorCode.TooManyItems, WireErrorCode.StringTooLong,
    WireErrorCode.FrameTooLarge, WireErrorCode.TypeUnknown, WireErrorCode.VersionUnsupported, WireErrorCode.SchemaViolation,
    WireErrorCode.ResponseUnmatched,
  ]) {
    assert.ok((outcomes.get(code) ?? 0) > 0, `seed ${seed}: the fuzzer never produced ${code}`);
  }
  const accepted = [...outcomes].filter(([name]) => name.startsWith('accepted')).reduce((sum, [, count]) => sum + count, 0);
  assert.ok(accepted > framesMin / 20, `only ${accepted} frames were accepted`);
});

test('a 4 GiB string, a 2^32-item array and 10,000-deep nesting are refused cheaply', () => {
  // Proves the specific hostile frames the design names cost neither memory nor stack.
  const gc = collectGarbage();
  gc();
  const before = process.memoryUsage().heapUsed;
  const prefix = [0xa3, 0x61, 0x74, 0x64, 0x70, 0x69, 0x6e, 0x67, 0x61, 0x76, 0x01, 0x63, 0x73, 0x65, 0x71];
  const cases: Array<[Uint8Array, string]> = [
    [Uint8Array.from([...prefix, ...head(3, 2n ** 32n)]), WireErrorCode.StringTooLong],
    [Uint8Array.from([...prefix, ...head(2, 2n ** 32n)]), WireErrorCode.Malformed],
    [Uint8Array.from([...prefix, ...head(4, 2n ** 32n)]), WireErrorCode.Malformed],
    [Uint8Array.from([...prefix, ...head(5, 2n ** 32n)]), WireErrorCode.Malformed],
    [Uint8Array.from([...prefix, ...new Array<number>(10_000).fill(0x81), 0x00]), WireErrorCode.TooDeep],
  ];
  for (let round = 0; round < 200; round++) {
    for (const [bytesIn, code] of cases) {
      try {
        vocabulary.decode(bytesIn);
        assert.unreachable('a hostile frame was accepted');
      } catch (error) {
        assert.instance(error, WireError);
        assert.is((error as WireError).code, code);
      }
    }
  }
  assert.ok(process.memoryUsage().heapUsed - before < 16 * 2 ** 20);
});
test.run();
