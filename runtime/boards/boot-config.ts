/**
 * edgectl.yaml: the file on a board's boot partition that makes it join a
 * cluster by itself on first boot. The firmware command writes it; a person
 * may edit it on any PC (the boot partition is FAT); edged reads it at start
 * from `<bootPartitionPath>/edgectl.yaml`, and the first-boot hostname script
 * reads `hostnamePattern` from it.
 *
 *   version: 1
 *   token: "EDGE1-<64 hex>-<secret>"
 *   hostnamePattern: "edge-{serial}"   # optional
 *   labels:                            # optional
 *     zone: "shelf-2"
 */
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BootConfigInvalidError } from './errors.js';
import { parseJoinTokenFormat } from './join-token.js';
import type { BoardProfile } from './profile.js';

export const BOOT_CONFIG_FILE = 'edgectl.yaml';
export const BOOT_CONFIG_VERSION = 1;
export const DEFAULT_HOSTNAME_PATTERN = 'edge-{serial}';

/** Labels detection sets; a boot config may not fake them. */
export const RESERVED_LABELS: readonly string[] = ['board', 'arch', 'memory'];

export interface BootConfig {
  version: 1;
  token: string;
  /** Hostname template; `{serial}` (required) is the last 8 hex digits of the board serial, `{board}` the profile id. */
  hostnamePattern: string;
  labels: Readonly<Record<string, string>>;
}

/** Hostname labels are at most 63 characters (RFC 1123). */
const HOSTNAME_CHARS_MAX = 63;
/** How many hex digits of the serial `{serial}` keeps: Pi serials share a 10000000 prefix, the tail differs. */
export const SERIAL_HEX_DIGITS = 8;
const BOARD_ID_CHARS_MAX = 32;
const LABELS_MAX = 32;
const LABEL_KEY_PATTERN = /^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?$/;
const LABEL_VALUE_PATTERN = /^[A-Za-z0-9._-]{0,63}$/;
const KNOWN_FIELDS = new Set(['version', 'token', 'hostnamePattern', 'labels']);

/** Where edged looks for the boot config on a running board. */
export function bootConfigPath(profile: BoardProfile): string {
  return posix.join(profile.bootPartitionPath, BOOT_CONFIG_FILE);
}

/** Checks a hostname pattern; returns a problem sentence, or null when it is fine. */
export function hostnamePatternProblem(pattern: string): string | null {
  if (!/^[a-z0-9{}-]+$/.test(pattern)) return 'may only use a-z, 0-9, "-" and the placeholders {serial} and {board}';
  const stripped = pattern.replaceAll('{serial}', '').replaceAll('{board}', '');
  if (/[{}]/.test(stripped)) return 'has a placeholder other than {serial} and {board}';
  if (!pattern.includes('{serial}')) return 'must contain {serial}, or every board flashed from one image gets the same name';
  const longest = pattern.replaceAll('{serial}', 'x'.repeat(SERIAL_HEX_DIGITS)).replaceAll('{board}', 'x'.repeat(BOARD_ID_CHARS_MAX));
  if (longest.length > HOSTNAME_CHARS_MAX) return `can expand to ${longest.length} characters; a hostname has at most ${HOSTNAME_CHARS_MAX}`;
  if (pattern.startsWith('-') || pattern.endsWith('-')) return 'may not start or end with "-"';
  return null;
}

/** The hostname a board with this serial gets; the first-boot script computes the same. */
export function expandHostnamePattern(pattern: string, facts: { serial: string; board: string }): string {
  const serial = facts.serial.toLowerCase().replace(/[^0-9a-f]/g, '').slice(-SERIAL_HEX_DIGITS);
  return pattern.replaceAll('{serial}', serial).replaceAll('{board}', facts.board);
}

/** Validates an already-parsed boot config; errors name `source` and the field. */
export function validateBootConfig(raw: unknown, source: string): BootConfig {
  const fail = (field: string, problem: string): never => {
    throw new BootConfigInvalidError(source, field, problem);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('(root)', 'must be a mapping of fields');
  const fields = raw as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (!KNOWN_FIELDS.has(key)) fail(key, 'is not a boot config field (a typo?)');
  if (fields.version !== BOOT_CONFIG_VERSION) fail('version', `must be ${BOOT_CONFIG_VERSION}`);
  if (typeof fields.token !== 'string') return fail('token', 'must be the join token from `edgectl swarm join-token worker`');
  parseJoinTokenFormat(fields.token, `${source}: field "token"`);
  const hostnamePattern = fields.hostnamePattern ?? DEFAULT_HOSTNAME_PATTERN;
  if (typeof hostnamePattern !== 'string') return fail('hostnamePattern', 'must be a string like "edge-{serial}"');
  const patternProblem = hostnamePatternProblem(hostnamePattern);
  if (patternProblem !== null) fail('hostnamePattern', patternProblem);
  return { version: 1, token: fields.token, hostnamePattern, labels: validateLabels(fields.labels ?? {}, fail) };
}

/** Checks node labels given by a person (boot config or --label flags). */
export function validateLabels(raw: unknown, fail: (field: string, problem: string) => never): Readonly<Record<string, string>> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('labels', 'must be a mapping of key: value');
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > LABELS_MAX) fail('labels', `has ${entries.length} entries; at most ${LABELS_MAX}`);
  const labels: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (!LABEL_KEY_PATTERN.test(key)) fail(`labels.${key}`, 'needs a key of a-z, 0-9, ".", "_", "/", "-" (at most 63, starting and ending with a letter or digit)');
    if (RESERVED_LABELS.includes(key)) fail(`labels.${key}`, 'is set by board detection and cannot be overridden');
    const text = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
    if (typeof text !== 'string' || !LABEL_VALUE_PATTERN.test(text)) fail(`labels.${key}`, 'needs a value of at most 63 letters, digits, ".", "_" or "-"');
    labels[key] = text as string;
  }
  return Object.freeze(labels);
}

/** Parses edgectl.yaml text; YAML syntax errors are EDGE_BOOT_CONFIG_INVALID too. */
export function parseBootConfig(text: string, source: string): BootConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new BootConfigInvalidError(source, '(file)', `is not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  return validateBootConfig(raw, source);
}

export function readBootConfig(path: string): BootConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BootConfigInvalidError(path, '(file)', `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseBootConfig(text, path);
}

/**
 * The file as written to a boot partition. Strings are double-quoted (JSON
 * strings are valid YAML) so `{serial}` never parses as a flow mapping; one
 * field per line so the first-boot shell script can read hostnamePattern.
 */
export function renderBootConfig(config: BootConfig): string {
  const lines = [
    '# edgectl boot config: read by edged at start to join the cluster by itself.',
    '# Edit on any computer before first boot. Fields: boards/README.md in the edgectl sources.',
    `version: ${config.version}`,
    `token: ${JSON.stringify(config.token)}`,
    `hostnamePattern: ${JSON.stringify(config.hostnamePattern)}`,
  ];
  const labels = Object.entries(config.labels);
  if (labels.length === 0) lines.push('labels: {}');
  else lines.push('labels:', ...labels.map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`));
  return `${lines.join('\n')}\n`;
}
