// How many bytes a plain value takes as CBOR, computed without encoding it.
// The core needs this to keep the piggybacked updates of one message under
// piggybackBytesMax, and must not depend on an encoder to do so. The rules
// follow what cbor-x writes with `useRecords: false` (objects as maps with a
// 16-bit length header, integers beyond 32 bits as float64), which is what
// the wire module uses; a test checks the two agree on every message shape.
import { assert } from '../common/assert.js';
import { utf8Bytes } from './messages.js';

/** Bytes of a CBOR head carrying `length` (major types 0, 2, 3, 4). */
function headBytes(length: number): number {
  if (length < 24) return 1;
  if (length < 0x100) return 2;
  if (length < 0x10000) return 3;
  if (length < 0x1_0000_0000) return 5;
  return 9;
}

function numberBytes(value: number): number {
  if (Number.isInteger(value)) {
    if (value >= 0 && value < 0x1_0000_0000) return headBytes(value);
    if (value < 0 && value >= -0x1_0000_0000) return headBytes(-1 - value);
  }
  // cbor-x writes other numbers (fractions, integers past 32 bits) as float64.
  return 9;
}

/** Encoded size of `value` in bytes. Only the plain-data shapes of messages.ts are supported. */
export function encodedBytes(value: unknown): number {
  switch (typeof value) {
    case 'number':
      return numberBytes(value);
    case 'string': {
      const length = utf8Bytes(value);
      return headBytes(length) + length;
    }
    case 'boolean':
    case 'undefined':
      return 1;
    case 'object': {
      if (value === null) return 1;
      if (value instanceof Uint8Array) return headBytes(value.byteLength) + value.byteLength;
      if (Array.isArray(value)) {
        let bytes = headBytes(value.length);
        for (const item of value) bytes += encodedBytes(item);
        return bytes;
      }
      // cbor-x always writes an object's map head as 0xb9 plus a 16-bit count.
      let bytes = 3;
      for (const [key, item] of Object.entries(value)) bytes += encodedBytes(key) + encodedBytes(item);
      return bytes;
    }
    default:
      assert(false, `encodedBytes: ${typeof value} is not plain message data`);
  }
}
