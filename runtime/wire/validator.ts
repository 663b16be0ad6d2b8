// Checks a value against a schema. Decoding checks what cbor-x built from
// already-scanned bytes and hands the same objects on; encoding checks what
// a caller built and returns a clean copy (schema fields only, in schema
// order, absent optional fields dropped) for cbor-x to write.
import { describeSchema, type Fields, type Schema } from './schema.js';
import { utf8ByteLength } from './utf8.js';

export type ConformMode = 'decode' | 'encode';

export interface ConformContext {
  readonly mode: ConformMode;
  /** Nesting allowed inside `any` values on encode, which is where a cycle would otherwise recurse forever. */
  readonly depthMax: number;
}

/**
 * A value that does not fit its schema. Thrown inside the validator and
 * turned into a WireError by the caller, who knows the message type; each
 * level it passes through prepends its field name or index to `path`.
 */
export class Violation {
  readonly path: Array<string | number> = [];
  constructor(readonly reason: string) {}
}

/** `entries[3].data`, `labels["a b"]`. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

export function conform(schema: Schema, value: unknown, context: ConformContext): unknown {
  switch (schema.kind) {
    case 'uint':
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= schema.max) return value;
      throw mismatch(schema, value);
    case 'int':
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= schema.min && value <= schema.max) return value;
      throw mismatch(schema, value);
    case 'float':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      throw mismatch(schema, value);
    case 'bool':
      if (typeof value === 'boolean') return value;
      throw mismatch(schema, value);
    case 'string': {
      if (typeof value !== 'string') throw mismatch(schema, value);
      const length = utf8ByteLength(value);
      if (length < 0) throw new Violation('text string holds a lone UTF-16 surrogate, which has no UTF-8 form');
      if (length < schema.minBytes || length > schema.maxBytes) throw mismatch(schema, value);
      return value;
    }
    case 'bytes':
      if (value instanceof Uint8Array && value.length <= schema.maxBytes) return value;
      throw mismatch(schema, value);
    case 'oneOf':
      if (typeof value === 'string' && (schema.values as readonly string[]).includes(value)) return value;
      throw mismatch(schema, value);
    case 'array':
      return conformArray(schema.of, schema.maxItems, value, context, schema);
    case 'object':
      return conformFields(schema.fields, value, context);
    case 'record':
      return conformRecord(schema, value, context);
    case 'optional':
      // Only objects give meaning to absence; conformFields unwraps optional before it gets here.
      return conform(schema.of, value, context);
    case 'any':
      if (context.mode === 'encode') checkPlainData(value, context.depthMax);
      return value;
  }
}

/** What the vocabulary already handled when it checks a frame's top-level fields. */
export interface FrameEnvelope {
  /** Keys checked elsewhere (`t`, `v`; on encode also a response's local `method`). */
  readonly handledKeys: ReadonlySet<string>;
  /** Encode only: where conformed fields go (already holding `t` and `v`, so they lead the frame). */
  readonly output?: Record<string, unknown>;
}

/** Checks a map against named fields; refuses fields the schema does not name. */
export function conformFields(fields: Fields, value: unknown, context: ConformContext, envelope?: FrameEnvelope): Record<string, unknown> {
  if (!isPlainObject(value)) throw new Violation(`expected a map, got ${describeValue(value)}`);
  // for...in sees only own keys here: a plain object's prototype has no enumerable ones.
  for (const key in value) {
    if (Object.hasOwn(fields, key) || envelope?.handledKeys.has(key) === true) continue;
    if (context.mode === 'encode' && value[key] === undefined) continue;
    throw at(key, new Violation('unexpected field (not in this message version)'));
  }
  const output: Record<string, unknown> = context.mode === 'encode' ? (envelope?.output ?? {}) : value;
  for (const name of fieldNamesOf(fields)) {
    let schema = fields[name]!;
    const present = Object.hasOwn(value, name) && value[name] !== undefined;
    if (!present) {
      if (schema.kind === 'optional') continue;
      throw at(name, new Violation(`missing; expected ${describeSchema(schema)}`));
    }
    if (schema.kind === 'optional') schema = schema.of;
    try {
      const conformed = conform(schema, value[name], context);
      if (context.mode === 'encode') output[name] = conformed;
    } catch (error) {
      throw at(name, error);
    }
  }
  return output;
}

/** Field names per schema, computed once: schemas are defined at startup and never change. */
const fieldNames = new WeakMap<Fields, readonly string[]>();
function fieldNamesOf(fields: Fields): readonly string[] {
  let names = fieldNames.get(fields);
  if (names === undefined) {
    names = Object.keys(fields);
    fieldNames.set(fields, names);
  }
  return names;
}

function conformArray(of: Schema, maxItems: number, value: unknown, context: ConformContext, schema: Schema): unknown {
  if (!Array.isArray(value) || value.length > maxItems) throw mismatch(schema, value);
  const output: unknown[] = context.mode === 'encode' ? new Array<unknown>(value.length) : value;
  for (let index = 0; index < value.length; index++) {
    try {
      const conformed = conform(of, value[index], context);
      if (context.mode === 'encode') output[index] = conformed;
    } catch (error) {
      throw at(index, error);
    }
  }
  return output;
}

function conformRecord(schema: Schema & { kind: 'record' }, value: unknown, context: ConformContext): unknown {
  if (!isPlainObject(value)) throw mismatch(schema, value);
  const keys = Object.keys(value);
  if (keys.length > schema.maxEntries) throw mismatch(schema, value);
  const output: Record<string, unknown> = context.mode === 'encode' ? {} : value;
  for (const key of keys) {
    const length = utf8ByteLength(key);
    if (length < 0 || length > schema.keyMaxBytes) {
      throw at(key, new Violation(`key must be 0–${schema.keyMaxBytes} UTF-8 bytes`));
    }
    try {
      const conformed = conform(schema.of, value[key], context);
      if (context.mode === 'encode') output[key] = conformed;
    } catch (error) {
      throw at(key, error);
    }
  }
  return output;
}

/**
 * On encode, an `any` value must be data the scanner would accept back:
 * no undefined, functions, bigints, class instances, Maps or Dates, and no
 * cycles (caught as excess depth before cbor-x could recurse forever).
 */
function checkPlainData(value: unknown, depthLeft: number): void {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return;
  if (value instanceof Uint8Array) return;
  if (depthLeft <= 0) throw new Violation('nested deeper than depthMax (or holds a cycle)');
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      try {
        checkPlainData(value[index], depthLeft - 1);
      } catch (error) {
        throw at(index, error);
      }
    }
    return;
  }
  if (!isPlainObject(value)) throw new Violation(`expected plain data, got ${describeValue(value)}`);
  for (const key of Object.keys(value)) {
    try {
      checkPlainData(value[key], depthLeft - 1);
    } catch (error) {
      throw at(key, error);
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function at(segment: string | number, error: unknown): unknown {
  if (error instanceof Violation) error.path.unshift(segment);
  return error;
}

function mismatch(schema: Schema, value: unknown): Violation {
  return new Violation(`expected ${describeSchema(schema)}, got ${describeValue(value)}`);
}

/** What a value is, in the words of the error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  if (typeof value === 'string') return `a text string of ${utf8ByteLength(value)} bytes`;
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Uint8Array) return `a byte string of ${value.length} bytes`;
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (isPlainObject(value)) return 'a map';
  if (typeof value === 'object') return `an object of class ${(value as object).constructor?.name ?? 'unknown'}`;
  return `a ${typeof value}`;
}
