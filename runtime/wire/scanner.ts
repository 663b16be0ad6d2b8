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

/** Key refused outright: assigning it to a plain object would replace its prototype. */
const prototypeKey = '__proto__';

/**
 * Checks that `bytes` holds exactly one CBOR data item of the accepted
 * subset, within `limits`. Throws WireError; returns nothing on success.
 * `limits.frameBytesMax` is the caller's to check (it knows the frame).
 */
export function scanCbor(bytes: Uint8Array, limits: WireLimits): void {
  new CborScan(bytes, limits).run();
}

/** Maps with more keys than this switch duplicate detection from byte comparison to a Set. */
const keysComparedMax = 16;
const prototypeKeyBytes = Array.from(prototypeKey, (character) => character.charCodeAt(0));

/** One pass over one frame. Fields hold the head being read, so no object is allocated per item. */
class CborScan {
  private position = 0;
  private items = 0;
  private major = 0;
  private info = 0;
  /** The current head's argument: a length, a count, an integer or float bits. Above 2^53 it is approximate (only compared). */
  private argument = 0;
  /** Per open array or map: the items it still owes. Maps owe two per entry, so an even count left means a key comes next. */
  private readonly owed: number[] = [];
  /** Per open container: where its keys start in keyOffsets, or -1 for an array. */
  private readonly keyBase: number[] = [];
  /** Per open container: its keys as strings once it has many, else null. */
  private readonly keySets: Array<Set<string> | null> = [];
  /** Start and length of each key of the open maps, innermost map last. */
  private readonly keyOffsets: number[] = [];

  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: WireLimits,
  ) {}

  run(): void {
    const { bytes, limits, owed } = this;
    const end = bytes.length;
    do {
      const depth = owed.length;
      let atKey = false;
      if (depth > 0) {
        const remaining = owed[depth - 1]!;
        atKey = this.keyBase[depth - 1] !== -1 && remaining % 2 === 0;
        owed[depth - 1] = remaining - 1;
      }
      this.items += 1;
      if (this.items > limits.itemsMax) {
        throw scanError(WireErrorCode.TooManyItems, this.position, `more than itemsMax (${limits.itemsMax}) data items`);
      }
      const start = this.position;
      this.readHead();
      if (atKey && this.major !== majorText) {
        throw scanError(WireErrorCode.CborUnsupported, start, 'map key is not a text string (the wire uses text keys only)');
      }
      switch (this.major) {
        case majorUnsigned:
          if (this.argument > Number.MAX_SAFE_INTEGER) throw unsafeInteger(start);
          break;
        case majorNegative:
          if (this.argument > Number.MAX_SAFE_INTEGER - 1) throw unsafeInteger(start);
          break;
        case majorBytes:
          this.skipString(start, 'byte string');
          break;
        case majorText:
          if (atKey) this.checkKey(start);
          else this.checkText(start);
          this.skipString(start, 'text string');
          break;
        case majorArray:
        case majorMap:
          this.open(start, depth);
          break;
        case majorTag:
          throw scanError(WireErrorCode.CborUnsupported, start, `CBOR tag ${this.argument} (the wire uses no tags)`);
        default:
          checkSimple(this.info, start);
      }
      while (owed.length > 0 && owed[owed.length - 1] === 0) this.close();
    } while (owed.length > 0);
    if (this.position !== end) {
      throw scanError(WireErrorCode.Malformed, this.position, `${end - this.position} bytes trail the frame's single data item`);
    }
  }

  /** Reads the head at `position` into major, info and argument, and moves past it. */
  private readHead(): void {
    const { bytes } = this;
    const end = bytes.length;
    const at = this.position;
    if (at >= end) throw scanError(WireErrorCode.Malformed, at, 'frame ends where a data item should start');
    const initial = bytes[at]!;
    const major = initial >>> 5;
    const info = initial & 0x1f;
    this.major = major;
    this.info = info;
    this.position = at + 1;
    if (info < 24) {
      this.argument = info;
      return;
    }
    if (info === 31) {
      const indefinite = major >= majorBytes && major <= majorMap;
      throw indefinite
        ? scanError(WireErrorCode.CborUnsupported, at, 'indefinite-length item (the wire uses definite lengths only)')
        : scanError(WireErrorCode.Malformed, at, 'break code outside an indefinite-length item');
    }
    if (info > 27) throw scanError(WireErrorCode.Malformed, at, `reserved additional information ${info}`);
    const size = 1 << (info - 24);
    const next = at + 1;
    if (size > end - next) throw scanError(WireErrorCode.Malformed, at, `frame ends inside a ${size}-byte argument`);
    let argument = 0;
    if (size === 8) {
      const high = ((bytes[next]! << 24) | (bytes[next + 1]! << 16) | (bytes[next + 2]! << 8) | bytes[next + 3]!) >>> 0;
      const low = ((bytes[next + 4]! << 24) | (bytes[next + 5]! << 16) | (bytes[next + 6]! << 8) | bytes[next + 7]!) >>> 0;
      argument = high * 0x1_0000_0000 + low;
    } else {
      for (let i = 0; i < size; i++) argument = argument * 256 + bytes[next + i]!;
    }
    this.argument = argument;
    this.position = next + size;
  }

  private skipString(start: number, what: string): void {
    const left = this.bytes.length - this.position;
    if (this.argument > left) throw scanError(WireErrorCode.Malformed, start, `${what} declares ${this.argument} bytes but only ${left} remain`);
    this.position += this.argument;
  }

  private open(start: number, depth: number): void {
    const { limits } = this;
    if (depth + 1 > limits.depthMax) {
      throw scanError(WireErrorCode.TooDeep, start, `arrays and maps nest deeper than depthMax (${limits.depthMax})`);
    }
    const isMap = this.major === majorMap;
    const owes = isMap ? this.argument * 2 : this.argument;
    // Each item takes at least one byte, so no honest header owes more than what is left.
    const left = this.bytes.length - this.position;
    if (owes > left) {
      throw scanError(WireErrorCode.Malformed, start, `${isMap ? 'map' : 'array'} declares ${this.argument} entries but only ${left} bytes remain`);
    }
    if (owes === 0) return;
    this.owed.push(owes);
    this.keyBase.push(isMap ? this.keyOffsets.length : -1);
    this.keySets.push(null);
  }

  private close(): void {
    const base = this.keyBase.pop()!;
    if (base !== -1) this.keyOffsets.length = base;
    this.owed.pop();
    this.keySets.pop();
  }

  private checkText(start: number): void {
    const length = this.argument;
    if (length > this.limits.stringBytesMax) {
      throw scanError(WireErrorCode.StringTooLong, start, `text string of ${length} bytes exceeds stringBytesMax (${this.limits.stringBytesMax})`);
    }
    if (length > this.bytes.length - this.position) return; // skipString reports the truncation
    if (!isWellFormedUtf8(this.bytes, this.position, this.position + length)) {
      throw scanError(WireErrorCode.Malformed, start, 'text string is not valid UTF-8');
    }
  }

  private checkKey(start: number): void {
    const { bytes, position } = this;
    const length = this.argument;
    if (length > this.limits.keyBytesMax) {
      throw scanError(WireErrorCode.StringTooLong, start, `map key of ${length} bytes exceeds keyBytesMax (${this.limits.keyBytesMax})`);
    }
    if (length > bytes.length - position) return; // skipString reports the truncation
    if (!isWellFormedUtf8(bytes, position, position + length)) throw scanError(WireErrorCode.Malformed, start, 'map key is not valid UTF-8');
    if (this.sameBytes(position, length, prototypeKeyBytes)) throw scanError(WireErrorCode.CborUnsupported, start, `map key "${prototypeKey}" is refused`);
    // Two decoders may keep different copies of a duplicated key; refusing it leaves nothing to disagree on.
    if (this.isRepeatedKey(position, length)) {
      throw scanError(WireErrorCode.CborUnsupported, start, `map key "${decodeUtf8(bytes, position, position + length) ?? ''}" appears twice`);
    }
  }

  /**
   * Records the key at [position, position+length) for the innermost map and
   * says whether that map already had it. Small maps compare bytes; a map
   * that grows past keysComparedMax keys moves to a Set, so a hostile map of
   * many keys costs O(n), not O(n^2).
   */
  private isRepeatedKey(position: number, length: number): boolean {
    const top = this.keyBase.length - 1;
    const base = this.keyBase[top]!;
    let keySet = this.keySets[top]!;
    const offsets = this.keyOffsets;
    if (keySet === null && offsets.length - base < keysComparedMax * 2) {
      for (let i = base; i < offsets.length; i += 2) {
        if (offsets[i + 1] === length && this.sameRange(offsets[i]!, position, length)) return true;
      }
      offsets.push(position, length);
      return false;
    }
    if (keySet === null) {
      keySet = new Set();
      for (let i = base; i < offsets.length; i += 2) keySet.add(decodeUtf8(this.bytes, offsets[i]!, offsets[i]! + offsets[i + 1]!)!);
      this.keySets[top] = keySet;
    }
    const key = decodeUtf8(this.bytes, position, position + length)!;
    if (keySet.has(key)) return true;
    keySet.add(key);
    return false;
  }

  private sameRange(first: number, second: number, length: number): boolean {
    const { bytes } = this;
    for (let i = 0; i < length; i++) if (bytes[first + i] !== bytes[second + i]) return false;
    return true;
  }

  private sameBytes(position: number, length: number, expected: readonly number[]): boolean {
    if (length !== expected.length) return false;
    for (let i = 0; i < length; i++) if (this.bytes[position + i] !== expected[i]) return false;
    return true;
  }
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
