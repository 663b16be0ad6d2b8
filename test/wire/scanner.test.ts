import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WireError, WireErrorCode, type WireErrorCode as Code } from '../../runtime/wire/errors.js';
import { defaultWireLimits, wireLimits, type WireLimits } from '../../runtime/wire/limits.js';
import { scanCbor } from '../../runtime/wire/scanner.js';
import { arrayOf, fromHex, head, map, text, uintItem } from './cbor-builder.js';

function refusal(bytes: Uint8Array, limits: WireLimits = defaultWireLimits): WireError {
  try {
    scanCbor(bytes, limits);
  } catch (error) {
    if (error instanceof WireError) return error;
    throw error;
  }
  throw new Error('the scanner accepted bytes it should refuse');
}

function refuses(hex: string, code: Code, limits?: WireLimits): WireError {
  const error = refusal(fromHex(hex), limits);
  assert.is(error.code, code, `${hex}: ${error.message}`);
  return error;
}

function accepts(hex: string, limits: WireLimits = defaultWireLimits): void {
  scanCbor(fromHex(hex), limits);
}

test('every item kind of the accepted subset passes', () => {
  // Proves the scanner lets through all it promises: ints of each width, bytes, UTF-8 text, arrays, maps, floats, true/false/null.
  accepts('00'); accepts('17'); accepts('1818'); accepts('190100'); accepts('1a00010000');
  accepts('1b001fffffffffffff'); // 2^53-1, the largest safe integer
  accepts('20'); accepts('3b001ffffffffffffe'); // -(2^53-1)
  accepts('43010203'); accepts('40');
  accepts('6568c3a96c6c'); // "héllo"
  accepts('64f09f9880'); // one emoji
  accepts('8301820203a0'); // [1, [2, 3], {}]
  accepts('a26161016162a1616301'); // {a: 1, b: {c: 1}}
  accepts('f93c00'); accepts('fa3fc00000'); accepts('fb3ff8000000000000');
  accepts('f4'); accepts('f5'); accepts('f6');
});

test('a frame cut anywhere is refused as malformed, never read past its end', () => {
  // Proves truncation at every byte position is caught by the length checks, not by an out-of-range read.
  const valid = Uint8Array.from(
    map([
      [text('t'), [0x01]],
      [text('id'), arrayOf([uintItem(2n ** 53n - 1n), text('héllo')])],
      [text('bin'), [0x43, 1, 2, 3]],
      [text('f'), [0xfb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]],
    ]),
  );
  scanCbor(valid, defaultWireLimits);
  for (let length = 0; length < valid.length; length++) {
    const error = refusal(valid.subarray(0, length));
    assert.is(error.code, WireErrorCode.Malformed, `prefix of ${length} bytes: ${error.message}`);
  }
});

test('bytes after the single top-level item are refused', () => {
  // Proves two items glued together cannot pass as one frame.
  const error = refuses('a0a0', WireErrorCode.Malformed);
  assert.is(error.offset, 1);
});

test('huge declared lengths are refused from the header alone', () => {
  // Proves 4 GiB strings, 2^32-item arrays and 2^64-1 lengths fail on the length check without allocating.
  refuses('7b0000000100000000', WireErrorCode.StringTooLong); // text over stringBytesMax is refused first
  refuses('5b0000000100000000', WireErrorCode.Malformed); // 4 GiB byte string in a 9-byte frame
  refuses('5bffffffffffffffff', WireErrorCode.Malformed);
  refuses('9b0000000100000000', WireErrorCode.Malformed); // 2^32 items
  refuses('9a7fffffff00', WireErrorCode.Malformed);
  refuses('bb0000000100000000', WireErrorCode.Malformed); // 2^32 map entries
  refuses('a2616100', WireErrorCode.Malformed); // two entries declared, one and a half present
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 1000; i++) refusal(fromHex('9b00000000ffffffff00'));
  assert.ok(process.memoryUsage().heapUsed - before < 32 * 1024 * 1024, 'refusing big headers must not allocate their size');
});

test('10,000 levels of nesting are refused at depthMax without recursion', () => {
  // Proves deep nesting stops at the limit with a typed error instead of a stack overflow.
  const deep = new Uint8Array(10_001).fill(0x81);
  deep[10_000] = 0x00;
  const error = refusal(deep);
  assert.is(error.code, WireErrorCode.TooDeep);
  assert.is(error.offset, defaultWireLimits.depthMax);
  const deepMaps = Uint8Array.from(Array.from({ length: 5000 }, () => [0xa1, 0x61, 0x61]).flat().concat([0x00]));
  assert.is(refusal(deepMaps).code, WireErrorCode.TooDeep);
});

test('depthMax counts the outer map as level one', () => {
  // Proves the depth bound is exact: depthMax levels pass, one more is refused.
  const limits = wireLimits({ depthMax: 3 });
  accepts('a161618181 00'.replace(' ', ''), limits); // map > array > array > 0
  refuses('a16161818181 00'.replace(' ', ''), WireErrorCode.TooDeep, limits);
  accepts('a1616180', limits); // empty containers count too, but one level fits
});

test('itemsMax bounds the number of data items', () => {
  // Proves a frame of many one-byte items is refused once it would exceed itemsMax.
  const limits = wireLimits({ itemsMax: 100 });
  const fits = Uint8Array.from(arrayOf(Array.from({ length: 99 }, () => [0x00])));
  scanCbor(fits, limits);
  const tooMany = Uint8Array.from(arrayOf(Array.from({ length: 100 }, () => [0x00])));
  assert.is(refusal(tooMany, limits).code, WireErrorCode.TooManyItems);
});

test('text longer than stringBytesMax and keys longer than keyBytesMax are refused', () => {
  // Proves both string bounds hold, keys against their own smaller bound.
  const limits = wireLimits({ stringBytesMax: 10, keyBytesMax: 8 });
  scanCbor(Uint8Array.from(text('0123456789')), limits);
  assert.is(refusal(Uint8Array.from(text('0123456789A')), limits).code, WireErrorCode.StringTooLong);
  scanCbor(Uint8Array.from(map([[text('12345678'), [0]]])), limits);
  assert.is(refusal(Uint8Array.from(map([[text('123456789'), [0]]])), limits).code, WireErrorCode.StringTooLong);
});

test('tags are refused, whatever they would have built', () => {
  // Proves dates, bignums, self-describe, shared references, records and typed arrays cannot reach the decoder.
  for (const hex of ['c11a5f000000', 'c249010000000000000000', 'd9d9f7a0', 'd81c80', 'd81d00', 'd86983616161616200', 'd84043010203', 'd9010280']) {
    refuses(hex, WireErrorCode.CborUnsupported);
  }
});

test('indefinite lengths, undefined and unknown simple values are refused', () => {
  // Proves only definite lengths and false/true/null/floats get through, and a stray break is malformed.
  for (const hex of ['5f4101ff', '7f6161ff', '9f00ff', 'bf616100ff', 'f7', 'f820', 'e0', 'f3']) {
    refuses(hex, WireErrorCode.CborUnsupported);
  }
  refuses('ff', WireErrorCode.Malformed);
  refuses('1c', WireErrorCode.Malformed); // reserved additional information 28
  refuses('7e', WireErrorCode.Malformed); // reserved 30 on a text string
});

test('map keys must be unique text strings other than __proto__', () => {
  // Proves non-text keys, duplicate keys and the prototype key are refused.
  refuses('a10102', WireErrorCode.CborUnsupported);
  refuses('a1410102', WireErrorCode.CborUnsupported);
  refuses('a2616101616102', WireErrorCode.CborUnsupported);
  refuses(Buffer.from(map([[text('__proto__'), map([[text('x'), [1]]])]])).toString('hex'), WireErrorCode.CborUnsupported);
  accepts(Buffer.from(map([[text('constructor'), [1]], [text('toString'), [2]]])).toString('hex'));
  // The same key in two different maps is fine.
  accepts(Buffer.from(map([[text('a'), map([[text('a'), [1]]])]])).toString('hex'));
});

test('duplicate keys are found in large maps too, in linear time', () => {
  // Proves the switch from byte comparison to a Set (past 16 keys) still catches repeats, and that a wide map scans in linear time.
  const keys = (count: number): Array<[number[], number[]]> => Array.from({ length: count }, (_, i) => [text(`k${i}`), [0x00]]);
  for (const count of [2, 16, 17, 40]) {
    accepts(Buffer.from(map(keys(count))).toString('hex'));
    const repeated = [...keys(count), [text('k0'), [0x01]] as [number[], number[]]];
    refuses(Buffer.from(map(repeated)).toString('hex'), WireErrorCode.CborUnsupported);
    const repeatedLate = [...keys(count), [text(`k${count - 1}`), [0x01]] as [number[], number[]]];
    refuses(Buffer.from(map(repeatedLate)).toString('hex'), WireErrorCode.CborUnsupported);
  }
  // Keys of an inner map do not clash with the outer map's keys, before or after it.
  accepts(Buffer.from(map([[text('a'), map([[text('a'), [1]], [text('b'), [2]]])], [text('b'), map(keys(20))], [text('c'), [3]]])).toString('hex'));
  // Compared with an array of as many items in the same moment, so a busy machine slows both alike;
  // linear key checks cost ~10-30 array items each, quadratic ones thousands at this size.
  const wideMap = Uint8Array.from(map(keys(20_000)));
  const wideArray = Uint8Array.from(arrayOf(Array.from({ length: 40_000 }, () => [0x00])));
  const fastestMs = (bytesIn: Uint8Array): number => {
    scanCbor(bytesIn, defaultWireLimits); // warm up the JIT first
    let best = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 5; round++) {
      const started = performance.now();
      scanCbor(bytesIn, defaultWireLimits);
      best = Math.min(best, performance.now() - started);
    }
    return best;
  };
  const ratio = fastestMs(wideMap) / Math.max(fastestMs(wideArray), 0.05);
  assert.ok(ratio < 200, `a 20,000-key map scanned ${ratio.toFixed(0)}x slower than 40,000 array items: duplicate checks went quadratic`);
});

test('integers JavaScript cannot hold exactly are refused', () => {
  // Proves ±2^53 and beyond fail instead of silently rounding.
  refuses(Buffer.from(uintItem(2n ** 53n)).toString('hex'), WireErrorCode.CborUnsupported);
  refuses(Buffer.from(uintItem(2n ** 64n - 1n)).toString('hex'), WireErrorCode.CborUnsupported);
  refuses(Buffer.from(head(1, 2n ** 53n - 1n)).toString('hex'), WireErrorCode.CborUnsupported); // -(2^53)
});

test('invalid UTF-8 in text values and keys is refused', () => {
  // Proves overlong forms, surrogates, stray continuation bytes and cut sequences never decode.
  for (const body of ['c0af', 'e08080', 'eda080', 'f4908080', '80', 'c3', 'ff']) {
    const length = body.length / 2;
    refuses(`${(0x60 | length).toString(16)}${body}`, WireErrorCode.Malformed);
    refuses(`a1${(0x60 | length).toString(16)}${body}00`, WireErrorCode.Malformed);
  }
});
test.run();
