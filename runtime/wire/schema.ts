// The schema language: plain data describing what a field may hold. Every
// string, byte string, array and record has an explicit bound, because a
// schema is also a statement of how much memory a peer may make us spend.
//
// Types follow from schemas (`Infer<typeof schema>`), so a message's
// TypeScript type and its decode-time check cannot drift apart.
import { assert } from '../common/assert.js';

export interface UintSchema {
  readonly kind: 'uint';
  /** Largest accepted value (inclusive). */
  readonly max: number;
}
export interface IntSchema {
  readonly kind: 'int';
  readonly min: number;
  readonly max: number;
}
/** Any finite number (integers included: CBOR encoders write integral floats as integers). */
export interface FloatSchema {
  readonly kind: 'float';
}
export interface BoolSchema {
  readonly kind: 'bool';
}
export interface StringSchema {
  readonly kind: 'string';
  readonly minBytes: number;
  /** Longest accepted value in UTF-8 bytes (not UTF-16 units). */
  readonly maxBytes: number;
}
export interface BytesSchema {
  readonly kind: 'bytes';
  readonly maxBytes: number;
}
export interface OneOfSchema<L extends string = string> {
  readonly kind: 'oneOf';
  readonly values: readonly L[];
}
export interface ArraySchema<S extends Schema = Schema> {
  readonly kind: 'array';
  readonly of: S;
  readonly maxItems: number;
}
export interface ObjectSchema<F extends Fields = Fields> {
  readonly kind: 'object';
  readonly fields: F;
}
/** A map with keys chosen by the sender (labels, environment), values all of one schema. */
export interface RecordSchema<S extends Schema = Schema> {
  readonly kind: 'record';
  readonly of: S;
  readonly maxEntries: number;
  readonly keyMaxBytes: number;
}
/** Only meaningful as an object field: the key may be absent. */
export interface OptionalSchema<S extends Schema = Schema> {
  readonly kind: 'optional';
  readonly of: S;
}
/** Opaque data, bounded only by the frame limits (depth, items, string bytes). */
export interface AnySchema {
  readonly kind: 'any';
}

export type Schema =
  | UintSchema
  | IntSchema
  | FloatSchema
  | BoolSchema
  | StringSchema
  | BytesSchema
  | OneOfSchema
  | ArraySchema
  | ObjectSchema
  | RecordSchema
  | OptionalSchema
  | AnySchema;

export type Fields = { readonly [name: string]: Schema };

/** What an `any` field holds after decoding: the CBOR subset the scanner lets through. */
export type WireValue = null | boolean | number | string | Uint8Array | readonly WireValue[] | { readonly [key: string]: WireValue };

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type OptionalKeys<F> = { [K in keyof F]: F[K] extends OptionalSchema ? K : never }[keyof F];
type RequiredKeys<F> = Exclude<keyof F, OptionalKeys<F>>;

/**
 * The TypeScript type of the values a schema accepts. The general `Schema`
 * (a definition not yet narrowed) infers `unknown`; expanding it would recurse
 * forever, since arrays of any schema contain any schema.
 */
export type Infer<S> = Schema extends S ? unknown : InferNarrow<S>;

type InferNarrow<S> = S extends UintSchema | IntSchema | FloatSchema
  ? number
  : S extends BoolSchema
    ? boolean
    : S extends StringSchema
      ? string
      : S extends BytesSchema
        ? Uint8Array
        : S extends OneOfSchema<infer L>
          ? L
          : S extends ArraySchema<infer O>
            ? readonly Infer<O>[]
            : S extends RecordSchema<infer O>
              ? { readonly [key: string]: Infer<O> }
              : S extends ObjectSchema<infer F>
                ? ObjectOf<F>
                : S extends OptionalSchema<infer O>
                  ? Infer<O> | undefined
                  : S extends AnySchema
                    ? WireValue
                    : never;

export type ObjectOf<F> = Simplify<
  { [K in RequiredKeys<F>]: Infer<F[K]> } & {
    [K in OptionalKeys<F>]?: F[K] extends OptionalSchema<infer O> ? Infer<O> : never;
  }
>;

function checkBound(value: number, what: string): void {
  assert(Number.isSafeInteger(value) && value >= 0, `${what} must be a non-negative whole number, got ${value}`);
}

export function uint(options: { max?: number } = {}): UintSchema {
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  checkBound(max, 'uint max');
  return { kind: 'uint', max };
}

export function int(options: { min?: number; max?: number } = {}): IntSchema {
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  assert(Number.isSafeInteger(min) && Number.isSafeInteger(max) && min <= max, `int bounds must be safe integers with min <= max`);
  return { kind: 'int', min, max };
}

export function float(): FloatSchema {
  return { kind: 'float' };
}

export function bool(): BoolSchema {
  return { kind: 'bool' };
}

export function string(options: { maxBytes: number; minBytes?: number }): StringSchema {
  const minBytes = options.minBytes ?? 0;
  checkBound(options.maxBytes, 'string maxBytes');
  checkBound(minBytes, 'string minBytes');
  assert(minBytes <= options.maxBytes, 'string minBytes must not exceed maxBytes');
  return { kind: 'string', minBytes, maxBytes: options.maxBytes };
}

export function bytes(options: { maxBytes: number }): BytesSchema {
  checkBound(options.maxBytes, 'bytes maxBytes');
  return { kind: 'bytes', maxBytes: options.maxBytes };
}

export function oneOf<const L extends readonly [string, ...string[]]>(...values: L): OneOfSchema<L[number]> {
  assert(new Set(values).size === values.length, `oneOf values must be distinct: ${values.join(', ')}`);
  return { kind: 'oneOf', values };
}

export function array<S extends Schema>(of: S, options: { maxItems: number }): ArraySchema<S> {
  assert(of.kind !== 'optional', 'array elements cannot be optional');
  checkBound(options.maxItems, 'array maxItems');
  return { kind: 'array', of, maxItems: options.maxItems };
}

export function object<const F extends Fields>(fields: F): ObjectSchema<F> {
  return { kind: 'object', fields };
}

export function record<S extends Schema>(of: S, options: { maxEntries: number; keyMaxBytes: number }): RecordSchema<S> {
  assert(of.kind !== 'optional', 'record values cannot be optional');
  checkBound(options.maxEntries, 'record maxEntries');
  checkBound(options.keyMaxBytes, 'record keyMaxBytes');
  return { kind: 'record', of, maxEntries: options.maxEntries, keyMaxBytes: options.keyMaxBytes };
}

export function optional<S extends Schema>(of: S): OptionalSchema<S> {
  assert(of.kind !== 'optional', 'optional(optional(x)) says nothing optional(x) does not');
  return { kind: 'optional', of };
}

export function any(): AnySchema {
  return { kind: 'any' };
}

/** A short human description of a schema, for error messages. */
export function describeSchema(schema: Schema): string {
  switch (schema.kind) {
    case 'uint':
      return schema.max === Number.MAX_SAFE_INTEGER ? 'an unsigned integer' : `an unsigned integer ≤ ${schema.max}`;
    case 'int':
      return `an integer from ${schema.min} to ${schema.max}`;
    case 'float':
      return 'a finite number';
    case 'bool':
      return 'true or false';
    case 'string':
      return `a text string of ${schema.minBytes}–${schema.maxBytes} UTF-8 bytes`;
    case 'bytes':
      return `a byte string of at most ${schema.maxBytes} bytes`;
    case 'oneOf':
      return `one of ${schema.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'array':
      return `an array of at most ${schema.maxItems} items`;
    case 'object':
      return 'a map';
    case 'record':
      return `a map of at most ${schema.maxEntries} entries`;
    case 'optional':
      return `${describeSchema(schema.of)} or nothing`;
    case 'any':
      return 'any value';
  }
}
