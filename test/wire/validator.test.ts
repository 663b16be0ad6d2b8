import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AssertionFailure } from '../../runtime/common/assert.js';
import { any, array, bool, bytes, float, int, object, oneOf, optional, record, string, uint, type Schema } from '../../runtime/wire/schema.js';
import { conform, conformFields, formatPath, Violation, type ConformContext } from '../../runtime/wire/validator.js';

const decoding: ConformContext = { mode: 'decode', depthMax: 32 };
const encoding: ConformContext = { mode: 'encode', depthMax: 32 };

function violation(schema: Schema, value: unknown, context = decoding): Violation {
  try {
    conform(schema, value, context);
  } catch (error) {
    if (error instanceof Violation) return error;
    throw error;
  }
  throw new Error(`accepted ${String(value)}`);
}

function passes(schema: Schema, value: unknown): void {
  assert.is(conform(schema, value, decoding), value);
}

test('scalar schemas accept their values and refuse the rest', () => {
  // Proves each scalar kind checks type and bounds, including the edges.
  passes(uint(), 0); passes(uint(), Number.MAX_SAFE_INTEGER); passes(uint({ max: 10 }), 10);
  for (const bad of [-1, 1.5, 2 ** 53, '1', null, Number.NaN, 11]) violation(uint({ max: 10 }), bad);
  passes(int({ min: -5, max: 5 }), -5);
  violation(int({ min: -5, max: 5 }), -6); violation(int(), 0.5);
  passes(float(), 1.5); passes(float(), 3);
  violation(float(), Number.POSITIVE_INFINITY); violation(float(), Number.NaN); violation(float(), '1');
  passes(bool(), false); violation(bool(), 0);
  passes(string({ maxBytes: 4 }), 'éé'); violation(string({ maxBytes: 3 }), 'éé');
  violation(string({ minBytes: 1, maxBytes: 3 }), '');
  passes(bytes({ maxBytes: 2 }), Uint8Array.of(1, 2)); violation(bytes({ maxBytes: 2 }), Uint8Array.of(1, 2, 3));
  violation(bytes({ maxBytes: 2 }), [1, 2]);
  passes(oneOf('a', 'b'), 'b'); violation(oneOf('a', 'b'), 'c'); violation(oneOf('a', 'b'), 1);
});

test('string bounds count UTF-8 bytes and refuse lone surrogates', () => {
  // Proves a 2-unit emoji counts as 4 bytes and that an unencodable string cannot be sent.
  violation(string({ maxBytes: 3 }), '😀');
  passes(string({ maxBytes: 4 }), '😀');
  const error = violation(string({ maxBytes: 10 }), 'a\ud800', encoding);
  assert.match(error.reason, /surrogate/);
});

test('a violation names the path down to the failing field', () => {
  // Proves the path reads like `entries[3].data` so the error says exactly where a frame went wrong.
  const entry = object({ term: uint(), data: bytes({ maxBytes: 4 }) });
  const schema = object({ entries: array(entry, { maxItems: 8 }), labels: record(string({ maxBytes: 4 }), { maxEntries: 4, keyMaxBytes: 16 }) });
  const good = { term: 1, data: Uint8Array.of(1) };
  const error = violation(schema, { entries: [good, good, good, { term: 1, data: 'text' }], labels: {} });
  assert.is(formatPath(error.path), 'entries[3].data');
  assert.match(error.reason, /byte string of at most 4 bytes, got a text string of 4 bytes/);
  const labelError = violation(schema, { entries: [], labels: { 'zone a': 5 } });
  assert.is(formatPath(labelError.path), 'labels["zone a"]');
});

test('objects refuse unknown and missing fields, accept absent optional ones', () => {
  // Proves a map must carry exactly the schema's fields, so a newer sender's extra field is not silently dropped.
  const schema = object({ id: uint(), note: optional(string({ maxBytes: 8 })) });
  passes(schema, { id: 1 });
  passes(schema, { id: 1, note: 'x' });
  assert.equal(formatPath(violation(schema, { id: 1, extra: true }).path), 'extra');
  assert.match(violation(schema, { note: 'x' }).reason, /missing/);
  violation(schema, [1]);
  violation(schema, new Map([['id', 1]]));
  violation(schema, Object.assign(Object.create({ inherited: true }) as object, { id: 1 }));
});

test('fields inherited from Object.prototype do not count as present', () => {
  // Proves a field named like a prototype member must be an own property.
  const schema = object({ toString: optional(uint()), constructor: uint() });
  violation(schema, {});
  passes(schema, { constructor: 3 });
});

test('arrays and records enforce their item and entry counts', () => {
  // Proves maxItems and maxEntries are exact bounds.
  passes(array(uint(), { maxItems: 2 }), [1, 2]);
  violation(array(uint(), { maxItems: 2 }), [1, 2, 3]);
  passes(record(uint(), { maxEntries: 1, keyMaxBytes: 3 }), { abc: 1 });
  violation(record(uint(), { maxEntries: 1, keyMaxBytes: 3 }), { a: 1, b: 2 });
  violation(record(uint(), { maxEntries: 1, keyMaxBytes: 3 }), { abcd: 1 });
});

test('encoding returns a clean copy: schema order, absent optionals dropped', () => {
  // Proves the encoder never hands cbor-x an undefined (which peers refuse) and writes fields in schema order.
  const schema = object({ a: uint(), b: optional(uint()), c: array(object({ x: optional(bool()) }), { maxItems: 2 }) });
  const input = { c: [{ x: undefined }], b: undefined, a: 1 };
  const output = conform(schema, input, encoding) as Record<string, unknown>;
  assert.is.not(output, input);
  assert.equal(Object.keys(output), ['a', 'c']);
  assert.equal(output, { a: 1, c: [{}] });
  // Decoding hands on the same objects: they came fresh from the decoder.
  const decoded = { a: 1, c: [] };
  assert.is(conform(schema, decoded, decoding), decoded);
});

test('any() on encode accepts plain data only and stops cycles', () => {
  // Proves opaque payloads cannot smuggle Dates, Maps, bigints, undefined or a cycle into cbor-x.
  const schema = object({ body: any() });
  conform(schema, { body: { a: [1, 'x', null, true, Uint8Array.of(1), { b: 2.5 }] } }, encoding);
  for (const bad of [new Date(0), new Map(), 1n, undefined, () => 1, [undefined], { a: new Set() }]) {
    const error = violation(schema, { body: { wrapped: bad } }, encoding);
    assert.ok(formatPath(error.path).startsWith('body.wrapped'), formatPath(error.path));
  }
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assert.match(violation(schema, { body: cycle }, encoding).reason, /deeper than depthMax/);
});

test('conformFields skips envelope keys and fills the given output', () => {
  // Proves t and v are left to the vocabulary and lead the encoded frame.
  const output: Record<string, unknown> = { t: 'x', v: 1 };
  conformFields({ n: uint() }, { t: 'x', n: 2 }, encoding, { handledKeys: new Set(['t', 'v']), output });
  assert.equal(Object.keys(output), ['t', 'v', 'n']);
  assert.throws(() => conformFields({ n: uint() }, { t: 'x', n: 2 }, decoding), (error: unknown) => error instanceof Violation);
});

test('schema constructors refuse nonsense bounds as programmer errors', () => {
  // Proves a bad schema crashes at definition time (assertion), not on the first frame.
  assert.throws(() => string({ maxBytes: -1 }), (error: unknown) => error instanceof AssertionFailure);
  assert.throws(() => string({ minBytes: 5, maxBytes: 4 }), (error: unknown) => error instanceof AssertionFailure);
  assert.throws(() => array(optional(uint()), { maxItems: 1 }), (error: unknown) => error instanceof AssertionFailure);
  assert.throws(() => oneOf('a', 'a'), (error: unknown) => error instanceof AssertionFailure);
  assert.throws(() => int({ min: 2, max: 1 }), (error: unknown) => error instanceof AssertionFailure);
});
test.run();
