// A walker over raw CBOR bytes that runs before any decoder builds objects.
//
// It reads only data-item heads and never allocates in proportion to a
// declared length, so a frame claiming a 4 GiB string or a 2^32-item array
// costs a few byte reads, and 10,000 levels of nesting cost one bounded loop
// (no recursion). Only the subset of CBOR our frames use gets through:
// unsigned and negative integers within ±(2^53-1), byte strings, UTF-8 text
// strings, arrays, maps keyed by unique text strings, floats, true, false,
// null. Tags, indefinite lengths, undefined and other simple values are
// refused, so the decoder behind it can never be asked for a Date, a Set, a
// shared reference or a record definition.
import { WireError, WireErrorCode } from './errors.js';
import type { WireLimits } from './limits.js';
import { decodeUtf8, isWellFormedUtf8 } from './utf8.js';

const majorUnsigned = 0;
const majorNegative = 1;
const majorBytes = 2;
const majorText = 3;
const majorArray = 4;
const majorMap = 5;
const majorTag = 6;
const majorSimple = 7;

/** Key refused outright: assigning it to a plain object would replace its prototype. */
const prototypeKey = '__proto__';

/**
 * Checks that `bytes` holds exactly one CBOR data item of the accepted
 * subset, within `limits`. Throws WireError; returns nothing on success.
 * `limits.frameBytesMax` is the caller's to check (it knows the frame).
 */
export function scanCbor(bytes: Uint8Array, limits: WireLimits): void {
  const end = bytes.length;
  // Per open array or map: the items it still owes. Maps owe two per entry,
  // so an even count left means the next item is a key.
  const owed: number[] = [];
  // Per open container: the keys seen so far (maps), or null (arrays).
  const keysSeen: Array<Set<string> | null> = [];
  let position = 0;
  let items = 0;
  do {
    const depth = owed.length;
    let atKey = false;
    if (depth > 0) {
      const remaining = owed[depth - 1]!;
      atKey = keysSeen[depth - 1] !== null && remaining % 2 === 0;
      owed[depth - 1] = remaining - 1;
    }
    items += 1;
    if (items > limits.itemsMax) {
      throw scanError(WireErrorCode.TooManyItems, position, `more than itemsMax (${limits.itemsMax}) data items`);
    }
    const start = position;
    const head = readHead(bytes, position);
    position = head.next;
    if (atKey && head.major !== majorText) {
      throw scanError(WireErrorCode.CborUnsupported, start, 'map key is not a text string (the wire uses text keys only)');
    }
    switch (head.major) {
      case majorUnsigned:
        if (head.argument > Number.MAX_SAFE_INTEGER) throw unsafeInteger(start);
        break;
      case majorNegative:
        if (head.argument > Number.MAX_SAFE_INTEGER - 1) throw unsafeInteger(start);
        break;
      case majorBytes:
        position = skipString(head.argument, position, end, start, 'byte string');
        break;
      case majorText:
        if (atKey) checkKey(bytes, head.argument, position, start, limits, keysSeen[depth - 1]!);
        else checkText(bytes, head.argument, position, start, limits);
        position = skipString(head.argument, position, end, start, 'text string');
        break;
      case majorArray:
      case majorMap: {
        if (depth + 1 > limits.depthMax) {
          throw scanError(WireErrorCode.TooDeep, start, `arrays and maps nest deeper than depthMax (${limits.depthMax})`);
        }
        const isMap = head.major === majorMap;
        const owes = isMap ? head.argument * 2 : head.argument;
        // Each item takes at least one byte, so no honest header owes more than what is left.
        if (owes > end - position) {
          throw scanError(WireErrorCode.Malformed, start, `${isMap ? 'map' : 'array'} declares ${head.argument} entries but only ${end - position} bytes remain`);
        }
        if (owes > 0) {
          owed.push(owes);
          keysSeen.push(isMap ? new Set() : null);
        }
        break;
      }
      case majorTag:
        throw scanError(WireErrorCode.CborUnsupported, start, `CBOR tag ${head.argument} (the wire uses no tags)`);
      default:
        checkSimple(head.info, start);
    }
    while (owed.length > 0 && owed[owed.length - 1] === 0) {
      owed.pop();
      keysSeen.pop();
    }
  } while (owed.length > 0);
  if (position !== end) {
    throw scanError(WireErrorCode.Malformed, position, `${end - position} bytes trail the frame's single data item`);
  }
}

interface Head {
  major: number;
  info: number;
  /** The head's argument: a length, a count, an integer or float bits. Above 2^53 it is approximate (only compared). */
  argument: number;
  /** Offset just past the head. */
  next: number;
}

function readHead(bytes: Uint8Array, position: number): Head {
  const end = bytes.length;
  if (position >= end) throw scanError(WireErrorCode.Malformed, position, 'frame ends where a data item should start');
  const initial = bytes[position]!;
  const major = initial >>> 5;
  const info = initial & 0x1f;
  let next = position + 1;
  if (info < 24) return { major, info, argument: info, next };
  if (info === 31) {
    const indefinite = major >= majorBytes && major <= majorMap;
    throw indefinite
      ? scanError(WireErrorCode.CborUnsupported, position, 'indefinite-length item (the wire uses definite lengths only)')
      : scanError(WireErrorCode.Malformed, position, 'break code outside an indefinite-length item');
  }
  if (info > 27) throw scanError(WireErrorCode.Malformed, position, `reserved additional information ${info}`);
  const size = 1 << (info - 24);
  if (size > end - next) throw scanError(WireErrorCode.Malformed, position, `frame ends inside a ${size}-byte argument`);
  let argument = 0;
  if (size === 8) {
    const high = ((bytes[next]! << 24) | (bytes[next + 1]! << 16) | (bytes[next + 2]! << 8) | bytes[next + 3]!) >>> 0;
    const low = ((bytes[next + 4]! << 24) | (bytes[next + 5]! << 16) | (bytes[next + 6]! << 8) | bytes[next + 7]!) >>> 0;
    argument = high * 0x1_0000_0000 + low;
  } else {
    for (let i = 0; i < size; i++) argument = argument * 256 + bytes[next + i]!;
  }
  next += size;
  return { major, info, argument, next };
}

function skipString(length: number, position: number, end: number, start: number, what: string): number {
  if (length > end - position) {
    throw scanError(WireErrorCode.Malformed, start, `${what} declares ${length} bytes but only ${end - position} remain`);
  }
  return position + length;
}

function checkText(bytes: Uint8Array, length: number, position: number, start: number, limits: WireLimits): void {
  if (length > limits.stringBytesMax) {
    throw scanError(WireErrorCode.StringTooLong, start, `text string of ${length} bytes exceeds stringBytesMax (${limits.stringBytesMax})`);
  }
  if (length > bytes.length - position) return; // skipString reports the truncation
  if (!isWellFormedUtf8(bytes, position, position + length)) {
    throw scanError(WireErrorCode.Malformed, start, 'text string is not valid UTF-8');
  }
}

function checkKey(bytes: Uint8Array, length: number, position: number, start: number, limits: WireLimits, seen: Set<string>): void {
  if (length > limits.keyBytesMax) {
    throw scanError(WireErrorCode.StringTooLong, start, `map key of ${length} bytes exceeds keyBytesMax (${limits.keyBytesMax})`);
  }
  if (length > bytes.length - position) return; // skipString reports the truncation
  const key = decodeUtf8(bytes, position, position + length);
  if (key === undefined) throw scanError(WireErrorCode.Malformed, start, 'map key is not valid UTF-8');
  if (key === prototypeKey) throw scanError(WireErrorCode.CborUnsupported, start, `map key "${prototypeKey}" is refused`);
  // Two decoders may keep different copies of a duplicated key; refusing it leaves nothing to disagree on.
  if (seen.has(key)) throw scanError(WireErrorCode.CborUnsupported, start, `map key "${key}" appears twice`);
  seen.add(key);
}

function checkSimple(info: number, start: number): void {
  switch (info) {
    case 20: // false
    case 21: // true
    case 22: // null
    case 25: // half-precision float
    case 26: // single-precision float
    case 27: // double-precision float
      return;
    case 23:
      throw scanError(WireErrorCode.CborUnsupported, start, 'undefined (omit the field instead)');
    default:
      throw scanError(WireErrorCode.CborUnsupported, start, `simple value ${info} (only false, true, null and floats)`);
  }
}

function unsafeInteger(start: number): WireError {
  return scanError(WireErrorCode.CborUnsupported, start, 'integer beyond ±(2^53-1), which JavaScript cannot hold exactly');
}

function scanError(code: WireErrorCode, offset: number, what: string): WireError {
  return new WireError(code, `refused frame at byte ${offset}: ${what}`, { offset });
}
