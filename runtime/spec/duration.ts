/**
 * Durations as Compose files and Docker flags write them: Go's syntax, a
 * sequence of number+unit ("1m30s", "1.5s", "500ms", "2h"), or a bare "0".
 * Specs count whole milliseconds, so anything finer is refused rather than
 * rounded: "2000us" is fine, "1500us" is not.
 */
import { SpecError } from './errors.js';
import { durationMsMax } from './limits.js';

/** Longer text than this is not a duration anyone meant. */
const durationCharsMax = 64;

const unitNanoseconds: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const nanosecondsPerMs = 1_000_000n;
const shapePattern = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const termPattern = /(\d+)(?:\.(\d+))?(ns|us|µs|ms|s|m|h)/g;
const example = 'write a number with a unit, e.g. 30s, 1m30s, 500ms or 2h (units h, m, s, ms, us)';

/** Parses a duration into whole milliseconds within [0, durationMsMax]. */
export function parseDurationMs(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  if (trimmed.startsWith('-')) throw new SpecError('EDGE_SPEC_BAD_DURATION', `"${clip(text)}" is negative; durations are 0 or more`);
  if (trimmed.length === 0 || trimmed.length > durationCharsMax || !shapePattern.test(trimmed)) {
    const hint = /^\d+(\.\d+)?$/.test(trimmed) ? ` (a bare number has no unit: did you mean ${trimmed}s?)` : '';
    throw new SpecError('EDGE_SPEC_BAD_DURATION', `"${clip(text)}" is not a duration${hint}; ${example}`);
  }
  let totalNs = 0n;
  for (const match of trimmed.matchAll(termPattern)) {
    const whole = match[1] ?? '0';
    const fraction = match[2] ?? '';
    const unit = unitNanoseconds[match[3] ?? ''] ?? 0n;
    const scale = 10n ** BigInt(fraction.length);
    const scaledNs = BigInt(whole + fraction) * unit;
    if (scaledNs % scale !== 0n) throw new SpecError('EDGE_SPEC_BAD_DURATION', `"${clip(text)}" is finer than a nanosecond`);
    totalNs += scaledNs / scale;
  }
  if (totalNs % nanosecondsPerMs !== 0n) {
    throw new SpecError('EDGE_SPEC_BAD_DURATION', `"${clip(text)}" is not a whole number of milliseconds; edgectl counts durations in milliseconds`);
  }
  const totalMs = totalNs / nanosecondsPerMs;
  if (totalMs > BigInt(durationMsMax)) {
    throw new SpecError('EDGE_SPEC_BAD_DURATION', `"${clip(text)}" is longer than the maximum ${formatDuration(durationMsMax)}`);
  }
  return Number(totalMs);
}

/** Milliseconds as Go writes them, largest units first: 90000 → "1m30s", 1500 → "1.5s", 0 → "0s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  let text = '';
  if (hours > 0) text += `${hours}h`;
  if (minutes > 0) text += `${minutes}m`;
  if (seconds > 0) text += `${seconds}s`;
  return text;
}

function clip(text: string): string {
  return text.length > durationCharsMax ? `${text.slice(0, durationCharsMax)}…` : text;
}
