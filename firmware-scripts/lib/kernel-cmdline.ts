/**
 * Editing the kernel command line (Raspberry Pi: cmdline.txt on the boot
 * partition). The firmware reads only the first line, so the result is always
 * one line; running the command twice must not add a parameter twice.
 *
 * Without `cgroup_enable=memory cgroup_memory=1` the Pi kernel leaves the
 * memory controller off and no container can have a memory limit (k3s#8890,
 * meta-balena#2062).
 */
import { FirmwareError } from './errors.js';

/** Keys that may legitimately appear several times with different values. */
const MULTI_VALUED_KEYS = new Set(['cgroup_enable', 'cgroup_disable', 'console', 'modules-load']);
/** cmdline.txt is read into a fixed buffer by the Pi firmware; stay far below it. */
export const CMDLINE_BYTES_MAX = 4096;

function keyOf(token: string): string {
  const equals = token.indexOf('=');
  return equals < 0 ? token : token.slice(0, equals);
}

function valueOf(token: string): string {
  const equals = token.indexOf('=');
  return equals < 0 ? '' : token.slice(equals + 1);
}

/** Does `existing` contradict the wanted parameter (same single-valued key, or a disable of what we enable)? */
function contradicts(existing: string, wanted: string): boolean {
  const key = keyOf(wanted);
  if (existing === wanted) return false;
  if (keyOf(existing) === key && !MULTI_VALUED_KEYS.has(key)) return true;
  return key === 'cgroup_enable' && keyOf(existing) === 'cgroup_disable' && valueOf(existing) === valueOf(wanted);
}

/**
 * Returns the command line with every wanted parameter present exactly once
 * and contradicting ones removed; other parameters keep their order.
 */
export function withKernelParams(cmdline: string, wanted: readonly string[], source: string): { text: string; changed: boolean } {
  const lines = cmdline.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length > 1) {
    throw new FirmwareError(
      'EDGE_FIRMWARE_CMDLINE_INVALID',
      `${source} has ${lines.length} lines; the firmware reads only the first. Join them into one line in the base image and run again`,
    );
  }
  const tokens = (lines[0] ?? '').trim().split(/\s+/).filter((token) => token !== '');
  // A wanted parameter already there twice is kept once; other duplicates are not ours to judge.
  const kept = tokens.filter(
    (token, index) => !wanted.some((param) => contradicts(token, param)) && !(wanted.includes(token) && tokens.indexOf(token) !== index),
  );
  const added = wanted.filter((param) => !kept.includes(param));
  const text = `${[...kept, ...added].join(' ')}\n`;
  if (text.length > CMDLINE_BYTES_MAX) throw new FirmwareError('EDGE_FIRMWARE_CMDLINE_INVALID', `${source} would be ${text.length} bytes; the limit is ${CMDLINE_BYTES_MAX}`);
  return { text, changed: text !== cmdline };
}
