/**
 * Shape and bound checks over a value that claims to be a ServiceSpec but
 * may have come from anywhere (a CBOR frame, an old store snapshot). Each
 * check records a problem naming the field and returns whether it passed;
 * nothing throws, so validateServiceSpec reports everything at once.
 */
import { SpecError, type SpecErrorCode } from './errors.js';
import { problemsShownMax } from './limits.js';

export interface SpecFieldProblem {
  code: SpecErrorCode;
  /** Path in the ServiceSpec: "resources.memoryLimitBytes", "ports[1].published". */
  field: string;
  /** A sentence starting with the field. */
  message: string;
}

export type PlainObject = Record<string, unknown>;

export class FieldChecker {
  readonly problems: SpecFieldProblem[] = [];

  add(code: SpecErrorCode, field: string, predicate: string): false {
    if (this.problems.length < problemsShownMax) this.problems.push({ code, field, message: `${field} ${predicate}` });
    return false;
  }

  /** A plain object holding exactly `keys` (a missing or extra key is a problem). */
  object(value: unknown, field: string, keys: readonly string[]): PlainObject | null {
    if (!isPlainObject(value)) {
      this.add('EDGE_SPEC_BAD_TYPE', field, `must be an object, not ${describe(value)}`);
      return null;
    }
    for (const key of keys) if (!Object.hasOwn(value, key)) this.add('EDGE_SPEC_MISSING_KEY', `${field}.${key}`, 'is missing');
    for (const key of Object.keys(value)) if (!keys.includes(key)) this.add('EDGE_SPEC_UNKNOWN_KEY', `${field}.${key}`, 'is not a field of a service spec');
    return value;
  }

  /** A plain object used as a string→string map (env, labels). */
  record(value: unknown, field: string, countMax: number): Array<[string, unknown]> | null {
    if (!isPlainObject(value)) {
      this.add('EDGE_SPEC_BAD_TYPE', field, `must be an object of strings, not ${describe(value)}`);
      return null;
    }
    const entries = Object.entries(value);
    if (entries.length > countMax) {
      this.add('EDGE_SPEC_TOO_LARGE', field, `has ${entries.length} entries; at most ${countMax} are allowed`);
      return null;
    }
    return entries;
  }

  array(value: unknown, field: string, countMax: number): unknown[] | null {
    if (!Array.isArray(value)) {
      this.add('EDGE_SPEC_BAD_TYPE', field, `must be a list, not ${describe(value)}`);
      return null;
    }
    if (value.length > countMax) {
      this.add('EDGE_SPEC_TOO_LARGE', field, `has ${value.length} entries; at most ${countMax} are allowed`);
      return null;
    }
    return value;
  }

  string(value: unknown, field: string): value is string {
    if (typeof value === 'string' && !value.includes('\0')) return true;
    return this.add('EDGE_SPEC_BAD_TYPE', field, `must be a string without NUL bytes, not ${describe(value)}`);
  }

  boolean(value: unknown, field: string): value is boolean {
    return typeof value === 'boolean' || this.add('EDGE_SPEC_BAD_TYPE', field, `must be true or false, not ${describe(value)}`);
  }

  integer(value: unknown, field: string, min: number, max: number, unit = ''): value is number {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max) return true;
    return this.add('EDGE_SPEC_BAD_VALUE', field, `must be a whole number from ${min} to ${max}${unit}, not ${describe(value)}`);
  }

  number(value: unknown, field: string, min: number, max: number): value is number {
    if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) return true;
    return this.add('EDGE_SPEC_BAD_VALUE', field, `must be a number from ${min} to ${max}, not ${describe(value)}`);
  }

  choice<T extends string>(value: unknown, field: string, choices: readonly T[]): value is T {
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return true;
    return this.add('EDGE_SPEC_BAD_VALUE', field, `must be one of ${choices.join(', ')}, not ${describe(value)}`);
  }

  /** Runs a value parser that throws SpecError; its message becomes the problem. */
  parsed<T>(field: string, parse: () => T): T | null {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      if (this.problems.length < problemsShownMax) this.problems.push({ code: error.code, field, message: `${field}: ${error.message}` });
      return null;
    }
  }
}

export function isPlainObject(value: unknown): value is PlainObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}
