// Random values that fit a schema, so round-trip and fuzz tests cover every
// message, method and topic in a vocabulary, including ones other modules
// add later, without anyone writing samples by hand.
import type { Rng } from '../../runtime/common/rng.js';
import type { MessageDef, MethodDef, TopicDef } from '../../runtime/wire/definitions.js';
import type { Schema, WireValue } from '../../runtime/wire/schema.js';

/** Strings mixing 1- to 4-byte UTF-8 characters. */
const characters = ['a', 'Z', '0', ' ', '_', 'é', 'ß', '€', '中', '😀'];
const byteSizes = new Map(characters.map((character) => [character, new TextEncoder().encode(character).length]));

/** Largest sample size for a string, byte string or list (the schema may allow more). */
const sampleSizeMax = 48;

function pick<T>(rng: Rng, values: readonly T[]): T {
  return values[rng.int(values.length)]!;
}

function integerBetween(rng: Rng, low: number, high: number): number {
  const edges = [low, high, 0, 1, 23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, -1, -24, -25, -256, -257].filter((value) => value >= low && value <= high);
  if (rng.next() < 0.5) return pick(rng, edges);
  const span = Math.min(high - low, 2 ** 40);
  return low + Math.floor(rng.next() * (span + 1));
}

export function sampleString(rng: Rng, minBytes: number, maxBytes: number): string {
  // Sometimes exactly at the bound, when that is small enough to build.
  const cap = Math.max(minBytes, Math.min(maxBytes, sampleSizeMax));
  const target = rng.next() < 0.2 && maxBytes <= 4096 ? maxBytes : minBytes + rng.int(cap - minBytes + 1);
  let text = '';
  let size = 0;
  while (size < target) {
    const character = pick(rng, characters);
    const width = byteSizes.get(character)!;
    if (size + width > target) {
      text += 'a';
      size += 1;
    } else {
      text += character;
      size += width;
    }
  }
  return text;
}

function sampleBytes(rng: Rng, maxBytes: number): Uint8Array {
  const length = rng.next() < 0.2 && maxBytes <= 4096 ? maxBytes : rng.int(Math.min(maxBytes, sampleSizeMax) + 1);
  const value = new Uint8Array(length);
  for (let i = 0; i < length; i++) value[i] = rng.int(256);
  return value;
}

/** Plain data as an `any` field may carry, nested at most `depth` levels. */
export function sampleAny(rng: Rng, depth: number): WireValue {
  const choice = rng.int(depth > 0 ? 9 : 7);
  switch (choice) {
    case 0: return null;
    case 1: return rng.next() < 0.5;
    case 2: return integerBetween(rng, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    case 3: return (rng.next() - 0.5) * 1e6;
    case 4: return sampleString(rng, 0, 16);
    case 5: return sampleBytes(rng, 16);
    case 6: return '';
    case 7: return Array.from({ length: rng.int(4) }, () => sampleAny(rng, depth - 1));
    default: {
      const value: Record<string, WireValue> = {};
      for (let i = rng.int(4); i > 0; i--) value[sampleString(rng, 1, 8)] = sampleAny(rng, depth - 1);
      return value;
    }
  }
}

export function sampleOf(schema: Schema, rng: Rng): unknown {
  switch (schema.kind) {
    case 'uint': return integerBetween(rng, 0, schema.max);
    case 'int': return integerBetween(rng, schema.min, schema.max);
    case 'float': return pick(rng, [0, 0.5, -1.25, 1e300, -3.5e-300, rng.next()]);
    case 'bool': return rng.next() < 0.5;
    case 'string': return sampleString(rng, schema.minBytes, schema.maxBytes);
    case 'bytes': return sampleBytes(rng, schema.maxBytes);
    case 'oneOf': return pick(rng, schema.values);
    case 'array': {
      const length = rng.next() < 0.1 && schema.maxItems <= 16 ? schema.maxItems : rng.int(Math.min(schema.maxItems, 4) + 1);
      return Array.from({ length }, () => sampleOf(schema.of, rng));
    }
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const [name, field] of Object.entries(schema.fields)) {
        if (field.kind === 'optional') {
          if (rng.next() < 0.5) value[name] = sampleOf(field.of, rng);
        } else value[name] = sampleOf(field, rng);
      }
      return value;
    }
    case 'record': {
      const value: Record<string, unknown> = {};
      for (let i = rng.int(Math.min(schema.maxEntries, 3) + 1); i > 0; i--) {
        value[sampleString(rng, 1, Math.min(schema.keyMaxBytes, 12))] = sampleOf(schema.of, rng);
      }
      return value;
    }
    case 'optional': return sampleOf(schema.of, rng);
    case 'any': return sampleAny(rng, 3);
  }
}

/** A message for a plain message type, without `v` (as a sender passes it). */
export function sampleMessage(definition: MessageDef, rng: Rng): Record<string, unknown> {
  return { t: definition.type, ...(sampleOf(definition.schema, rng) as Record<string, unknown>) };
}

export function sampleRequest(method: MethodDef, rng: Rng): Record<string, unknown> {
  return { t: 'request', id: integerBetween(rng, 0, Number.MAX_SAFE_INTEGER), method: method.method, body: sampleOf(method.request, rng) };
}

export function sampleOkResponse(method: MethodDef, rng: Rng): Record<string, unknown> {
  return { t: 'response', id: integerBetween(rng, 0, Number.MAX_SAFE_INTEGER), method: method.method, ok: true, body: sampleOf(method.response, rng) };
}

export function sampleEvent(topic: TopicDef, rng: Rng): Record<string, unknown> {
  return { t: 'event', topic: topic.topic, body: sampleOf(topic.body, rng) };
}

/** A comparable form: byte strings (Uint8Array or Buffer) become tagged hex, so deep equality ignores the class. */
export function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('hex') };
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined).map(([key, item]) => [key, normalize(item)]));
  }
  return value;
}
