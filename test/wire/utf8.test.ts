import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRng } from '../../runtime/common/rng.js';
import { decodeUtf8, isWellFormedUtf8, utf8ByteLength } from '../../runtime/wire/utf8.js';

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function referenceValid(bytes: Uint8Array): boolean {
  try {
    strictDecoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

test('the UTF-8 check agrees with a strict decoder on 50,000 random byte strings', () => {
  // Proves isWellFormedUtf8 accepts and refuses exactly what WHATWG's fatal decoder does (biased toward multibyte edges).
  const seed = 0x5eed_0001;
  const rng = new SeededRng(seed);
  const edgeBytes = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xee, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
  for (let round = 0; round < 50_000; round++) {
    const bytes = new Uint8Array(rng.int(8));
    for (let i = 0; i < bytes.length; i++) bytes[i] = rng.next() < 0.7 ? edgeBytes[rng.int(edgeBytes.length)]! : rng.int(256);
    assert.is(isWellFormedUtf8(bytes, 0, bytes.length), referenceValid(bytes), `seed ${seed} round ${round}: ${Buffer.from(bytes).toString('hex')}`);
  }
});

test('the check honours its start and end offsets', () => {
  // Proves a valid slice inside invalid surroundings passes, and a sequence cut by `end` fails.
  const bytes = Uint8Array.from([0xff, 0x61, 0xc3, 0xa9, 0xff]);
  assert.ok(isWellFormedUtf8(bytes, 1, 4));
  assert.not.ok(isWellFormedUtf8(bytes, 1, 3));
  assert.not.ok(isWellFormedUtf8(bytes, 0, 4));
});

test('decodeUtf8 returns the text for valid bytes and undefined for invalid ones', () => {
  // Proves both the short ASCII path and the long path decode correctly and refuse bad bytes.
  const encode = (value: string): Uint8Array => new TextEncoder().encode(value);
  for (const value of ['', 'seq', 'sentAtMs', 'é', '😀', 'x'.repeat(40), 'ü'.repeat(40)]) {
    const bytes = encode(value);
    assert.is(decodeUtf8(bytes, 0, bytes.length), value);
  }
  assert.is(decodeUtf8(Uint8Array.from([0x61, 0xc3]), 0, 2), undefined);
  assert.is(decodeUtf8(Uint8Array.from([...encode('a'.repeat(40)), 0xed, 0xa0, 0x80]), 0, 43), undefined);
});

test('utf8ByteLength matches the encoded length and flags lone surrogates', () => {
  // Proves string bounds count UTF-8 bytes (not UTF-16 units) and that unencodable strings are detected.
  for (const value of ['', 'abc', 'é', '€', '😀', 'a😀é€', '\u07ff\u0800\uffff']) {
    assert.is(utf8ByteLength(value), Buffer.byteLength(value, 'utf8'), value);
  }
  assert.is(utf8ByteLength('\ud800'), -1);
  assert.is(utf8ByteLength('a\udc00b'), -1);
  assert.is(utf8ByteLength('\ud83d'), -1); // high surrogate at the end
  assert.is(utf8ByteLength('\ud83dx'), -1);
});
test.run();
