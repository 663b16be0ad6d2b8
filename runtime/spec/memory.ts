/**
 * Memory sizes as Docker writes them: a number with an optional unit, where
 * k, m, g and t are powers of 1024 whether or not an "i" follows ("512M",
 * "512m", "512MB", "512MiB" are all 512 × 2^20 bytes). A bare number is bytes.
 * Docker reads "MB" as binary too; following it keeps files portable.
 */
import { SpecError } from './errors.js';
import { memoryBytesMax, memoryBytesMin } from './limits.js';

const sizeCharsMax = 32;
const sizePattern = /^(\d+(?:\.\d+)?) ?(?:([kmgt])(?:i?b)?|b)?$/i;
const unitBytes: Readonly<Record<string, number>> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/**
 * Parses a size into bytes. "0" means no limit and returns 0; anything else
 * must lie within [memoryBytesMin, memoryBytesMax]. Fractions of a byte are
 * dropped (1.5k is 1536, 0.3k is 307).
 */
export function parseMemoryBytes(text: string): number {
  const trimmed = text.trim();
  const match = trimmed.length <= sizeCharsMax ? sizePattern.exec(trimmed) : null;
  if (match === null) {
    throw new SpecError('EDGE_SPEC_BAD_MEMORY', `"${trimmed.slice(0, sizeCharsMax)}" is not a memory size; write a number with a unit, e.g. 512M, 1g or 1.5GiB`);
  }
  const unit = (match[2] ?? '').toLowerCase();
  const bytes = Math.floor(Number(match[1]) * (unitBytes[unit] ?? 1));
  if (bytes === 0) return 0;
  if (bytes < memoryBytesMin) {
    const hint = unit === '' ? ` (a bare number is bytes: did you mean ${trimmed}M?)` : '';
    throw new SpecError('EDGE_SPEC_BAD_MEMORY', `${trimmed} is less than the minimum ${formatBytes(memoryBytesMin)}${hint}`);
  }
  if (bytes > memoryBytesMax) throw new SpecError('EDGE_SPEC_BAD_MEMORY', `${trimmed} is more than the maximum ${formatBytes(memoryBytesMax)}`);
  return bytes;
}

/** Bytes in the largest binary unit that keeps it short: 6291456 → "6MiB", 1536 → "1.5KiB". */
export function formatBytes(bytes: number): string {
  const units: Array<[string, number]> = [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]];
  for (const [name, size] of units) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(2))}${name}`;
  }
  return `${bytes}B`;
}
