/**
 * Environment variables and labels, from "KEY=VALUE" text (flags, Compose
 * lists) or from maps. Variable names follow the executor's rule (letters,
 * digits and "_", not starting with a digit) so a spec the manager accepts
 * never fails later on a board.
 */
import { SpecError } from './errors.js';
import { envEntryBytesMax, envNameCharsMax, labelKeyCharsMax, labelValueBytesMax } from './limits.js';

const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
const labelKeyPattern = /^[^\s=\0]+$/;

/**
 * Splits "KEY=VALUE" at the first "=". A bare KEY is a label with an empty
 * value (as in Docker) but never a variable: Docker would copy a bare
 * variable from the deploying shell, which a file on a fleet must not depend on.
 */
export function splitKeyValue(text: string, what: 'variable' | 'label'): { key: string; value: string } {
  const equals = text.indexOf('=');
  if (equals < 0) {
    if (what === 'label') return { key: text, value: '' };
    throw new SpecError('EDGE_SPEC_UNSUPPORTED_VALUE', `"${clip(text)}" has no value; edgectl does not copy variables from the deploying shell, so write ${clip(text)}=VALUE`);
  }
  return { key: text.slice(0, equals), value: text.slice(equals + 1) };
}

export function checkEnvName(name: string): string {
  if (name.length === 0 || name.length > envNameCharsMax || !envNamePattern.test(name)) {
    throw new SpecError('EDGE_SPEC_BAD_VALUE', `"${clip(name)}" is not a variable name: letters, digits and "_", not starting with a digit, at most ${envNameCharsMax}`);
  }
  return name;
}

export function checkEnvValue(name: string, value: string): string {
  if (value.includes('\0')) throw new SpecError('EDGE_SPEC_BAD_VALUE', `the value of ${clip(name)} has a NUL byte`);
  if (Buffer.byteLength(name) + 1 + Buffer.byteLength(value) > envEntryBytesMax) {
    throw new SpecError('EDGE_SPEC_TOO_LARGE', `${clip(name)}=… is longer than ${envEntryBytesMax} bytes`);
  }
  return value;
}

export function checkLabelKey(key: string): string {
  if (key.length === 0 || key.length > labelKeyCharsMax || !labelKeyPattern.test(key)) {
    throw new SpecError('EDGE_SPEC_BAD_VALUE', `"${clip(key)}" is not a label key: 1–${labelKeyCharsMax} characters without spaces or "="`);
  }
  return key;
}

export function checkLabelValue(key: string, value: string): string {
  if (value.includes('\0')) throw new SpecError('EDGE_SPEC_BAD_VALUE', `the value of label ${clip(key)} has a NUL byte`);
  if (Buffer.byteLength(value) > labelValueBytesMax) throw new SpecError('EDGE_SPEC_TOO_LARGE', `the value of label ${clip(key)} is longer than ${labelValueBytesMax} bytes`);
  return value;
}

/** Parses and checks one "NAME=value" environment entry. */
export function parseEnvEntry(text: string): { key: string; value: string } {
  const { key, value } = splitKeyValue(text, 'variable');
  return { key: checkEnvName(key), value: checkEnvValue(key, value) };
}

/** Parses and checks one "key=value" label ("key" alone gives an empty value, as in Docker). */
export function parseLabelEntry(text: string): { key: string; value: string } {
  const { key, value } = splitKeyValue(text, 'label');
  return { key: checkLabelKey(key), value: checkLabelValue(key, value) };
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
