/**
 * Readers for the value kinds several Compose sections share: durations,
 * memory sizes and fixed word choices. Each records its own problem on the
 * value and returns null, like YamlValue's own readers.
 */
import { parseDurationMs } from './duration.js';
import { parseMemoryBytes } from './memory.js';
import type { YamlValue } from './yaml-value.js';

/** A duration of at least `minMs`; null when absent or refused. */
export function readDuration(value: YamlValue | undefined, minMs: number): number | null {
  if (value === undefined) return null;
  const text = value.text();
  const ms = text === null ? null : value.parse(text, parseDurationMs);
  if (ms !== null && ms < minMs) return value.report('EDGE_SPEC_BAD_DURATION', `must be at least ${minMs} ms, not ${text}`);
  return ms;
}

/** A memory size ("512M", "1.5GiB", or a bare number of bytes); null when absent or refused. */
export function readMemory(value: YamlValue | undefined): number | null {
  if (value === undefined) return null;
  const text = value.text();
  return text === null ? null : value.parse(text, parseMemoryBytes);
}

/** One of a fixed set of words; null when absent or refused. */
export function readChoice<T extends string>(value: YamlValue | undefined, choices: readonly T[]): T | null {
  if (value === undefined) return null;
  const text = value.string();
  if (text === null) return null;
  if ((choices as readonly string[]).includes(text)) return text as T;
  return value.report('EDGE_SPEC_BAD_VALUE', `must be one of ${choices.join(', ')}, not "${text.slice(0, 40)}"`);
}
