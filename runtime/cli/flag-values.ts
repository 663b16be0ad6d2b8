// Checks of flag and argument values, done before edged is asked, so that a
// typo gets an answer naming the flag instead of a failure deep in a join.
// Each parser takes `what` (e.g. "--cert-expiry") to name in its error.
import { isIP } from 'node:net';
import { cliErrors } from './errors.js';

/** Port edged's node endpoint listens on unless told otherwise. */
export const defaultNodePort = 4270;

const durationUnitsMs: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
/** Longest duration text parsed; "3650d" or "2160h30m" need far less. */
const durationCharsMax = 32;

/**
 * "90d", "2160h", "1h30m", "45s" → milliseconds, within [minMs, maxMs].
 * Units: d (days), h, m, s. Go-style durations like Swarm's "2160h0m0s" parse too.
 */
export function parseDuration(text: string, what: string, bounds: { minMs: number; maxMs: number }): number {
  const shape = 'a duration like 90d, 2160h or 1h30m (units d, h, m, s)';
  if (text.length === 0 || text.length > durationCharsMax || !/^(\d+[dhms])+$/.test(text)) {
    throw cliErrors.invalidValue(what, `"${text.slice(0, durationCharsMax)}" is not ${shape}`);
  }
  let totalMs = 0;
  for (const match of text.matchAll(/(\d+)([dhms])/g)) {
    totalMs += Number(match[1]) * durationUnitsMs[match[2]!]!;
  }
  if (!Number.isSafeInteger(totalMs) || totalMs < bounds.minMs || totalMs > bounds.maxMs) {
    throw cliErrors.invalidValue(what, `${text} is outside the allowed range ${describeDuration(bounds.minMs)} to ${describeDuration(bounds.maxMs)}`);
  }
  return totalMs;
}

/** The largest whole unit that divides `ms`: 90d, 36h, 90s. */
export function describeDuration(ms: number): string {
  for (const [unit, unitMs] of Object.entries(durationUnitsMs)) {
    if (ms >= unitMs && ms % unitMs === 0) return `${ms / unitMs}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * A node address as IP or IP:PORT (IPv6 in brackets when a port follows),
 * normalised to host:port with the default port 4270. Names are refused:
 * on a LAN mDNS finds managers without any address, and an IP is what edged
 * advertises and pins.
 */
export function parseNodeAddress(text: string, what: string): string {
  const shape = 'expected IP or IP:PORT, e.g. 192.168.1.20 or 192.168.1.20:4270 ([fe80::1]:4270 for IPv6)';
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    if (isIP(bracketed[1]!) !== 6) throw cliErrors.invalidValue(what, `"${text}" has no IPv6 address inside the brackets; ${shape}`);
    return `[${bracketed[1]}]:${parsePort(bracketed[2], text, what)}`;
  }
  if (isIP(text) === 6) return `[${text}]:${defaultNodePort}`;
  const colon = text.lastIndexOf(':');
  const host = colon >= 0 ? text.slice(0, colon) : text;
  if (isIP(host) !== 4) throw cliErrors.invalidValue(what, `"${text.slice(0, 80)}" is not an IP address; ${shape}`);
  return `${host}:${parsePort(colon >= 0 ? text.slice(colon + 1) : undefined, text, what)}`;
}

function parsePort(text: string | undefined, address: string, what: string): number {
  if (text === undefined) return defaultNodePort;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65_535)) throw cliErrors.invalidValue(what, `"${address}" has port "${text}"; a port is a number from 1 to 65535 (edged listens on ${defaultNodePort})`);
  return port;
}

/** Secrets shorter than this are certainly mistyped; edged checks the real rules. */
const tokenSecretCharsMin = 16;
/** The control API carries at most this many bytes of token. */
const tokenCharsMax = 256;

/**
 * Checks the shape EDGE1-<sha256 hex of the root CA>-<secret>. Only the shape:
 * whether the digest matches is decided by edged against the manager it
 * reaches. The message never repeats the token: it is a credential.
 */
export function parseJoinToken(text: string, what: string): string {
  const token = text.trim();
  if (token.length > tokenCharsMax) throw cliErrors.tokenMalformed(what, `is ${token.length} characters long, more than ${tokenCharsMax}`);
  if (!token.startsWith('EDGE1-')) throw cliErrors.tokenMalformed(what, 'does not start with "EDGE1-"');
  const parts = token.split('-');
  if (parts.length !== 3) throw cliErrors.tokenMalformed(what, `has ${parts.length} dash-separated parts instead of 3`);
  const digest = parts[1]!;
  const secret = parts[2]!;
  if (!/^[0-9a-fA-F]{64}$/.test(digest)) throw cliErrors.tokenMalformed(what, `has a CA digest of ${digest.length} characters; it must be 64 hex digits (a SHA-256)`);
  if (!/^[A-Za-z0-9]+$/.test(secret)) throw cliErrors.tokenMalformed(what, 'has a secret with characters other than letters and digits');
  if (secret.length < tokenSecretCharsMin) throw cliErrors.tokenMalformed(what, `has a secret of ${secret.length} characters, fewer than ${tokenSecretCharsMin}`);
  return token;
}

/** One of a fixed set of words, e.g. --availability active|pause|drain. */
export function parseChoice<const C extends readonly string[]>(text: string, what: string, choices: C): C[number] {
  if (choices.includes(text)) return text;
  throw cliErrors.invalidValue(what, `"${text.slice(0, 80)}" is not one of ${choices.join(', ')}`);
}

/** Bounds shared with the control API's labels record. */
export const labelKeyBytesMax = 63;
export const labelValueBytesMax = 255;
export const labelsMax = 64;

/** A label key: printable, no spaces or "=", 1..63 bytes. */
export function parseLabelKey(key: string, what: string): string {
  const bytes = Buffer.byteLength(key);
  if (bytes === 0 || bytes > labelKeyBytesMax) throw cliErrors.invalidValue(what, `label key "${key.slice(0, 80)}" must be 1 to ${labelKeyBytesMax} bytes`);
  if (!/^[^\s=\p{Cc}]+$/u.test(key)) throw cliErrors.invalidValue(what, `label key "${key}" holds a space, "=" or a control character; use letters, digits and . _ - /`);
  return key;
}

/** "key=value" or "key" (empty value), as `docker node update --label-add` takes. */
export function parseLabel(text: string, what: string): [key: string, value: string] {
  const equals = text.indexOf('=');
  const key = parseLabelKey(equals >= 0 ? text.slice(0, equals) : text, what);
  const value = equals >= 0 ? text.slice(equals + 1) : '';
  if (Buffer.byteLength(value) > labelValueBytesMax) throw cliErrors.invalidValue(what, `the value of label ${key} is longer than ${labelValueBytesMax} bytes`);
  return [key, value];
}

/** Node IDs are at most 64 characters and hostnames 253 bytes: longer is a mistake. */
const nodeRefBytesMax = 253;

export function parseNodeRef(text: string, what: string): string {
  const bytes = Buffer.byteLength(text);
  if (bytes === 0 || bytes > nodeRefBytesMax) throw cliErrors.invalidValue(what, `a node ID or hostname is 1 to ${nodeRefBytesMax} bytes, got ${bytes}`);
  return text;
}
