/**
 * The TXT record of an edgectl instance (RFC 6763 §6): `v=1`, `cluster=<id>`,
 * `ca=<hex prefix of the root CA's SHA-256>`, `role=manager|worker`,
 * `node=<id>`. Encoding is for our own advertisement; decoding takes whatever
 * the network sent and either returns a fully valid value or a stable reason.
 *
 * The CA prefix lets a joiner skip managers of other clusters without a TLS
 * handshake. It is a hint only: the joiner still verifies the manager's
 * certificate chain against the full digest pinned in its join token.
 */
import { isValidId } from './names.js';

export type PeerRole = 'manager' | 'worker';
export const PEER_ROLES: readonly PeerRole[] = ['manager', 'worker'];

export interface PeerTxt {
  /** Cluster id (same characters as a certificate's O). */
  cluster: string;
  /** Lowercase hex prefix of the SHA-256 of the cluster's root CA certificate, 16 to 64 characters. */
  ca: string;
  role: PeerRole;
  /** Node id (same characters as a certificate's CN). */
  node: string;
}

/** Bumped only when old readers would misread new records; readers refuse other versions. */
export const TXT_VERSION = '1';

/** 16 hex characters are 64 bits: enough to tell clusters on one LAN apart, short enough for a TXT string. */
export const CA_PREFIX_HEX_CHARS_DEFAULT = 16;
export const CA_PREFIX_HEX_CHARS_MIN = 16;
export const CA_PREFIX_HEX_CHARS_MAX = 64;

/** Strings in one TXT record we read; ours has 5, room is left for keys a later version adds. */
export const TXT_STRINGS_MAX = 16;
/** Bytes of one TXT record we read (RFC 6763 §6.2 suggests staying under 1300). */
export const TXT_BYTES_MAX = 1300;

const CA_PATTERN = /^[0-9a-f]+$/;

export type TxtRejection =
  | 'txt-shape'
  | 'txt-too-large'
  | 'txt-charset'
  | 'txt-version'
  | 'txt-missing-key'
  | 'txt-cluster'
  | 'txt-ca'
  | 'txt-role'
  | 'txt-node';

export function isValidCaPrefix(value: string): boolean {
  return value.length >= CA_PREFIX_HEX_CHARS_MIN && value.length <= CA_PREFIX_HEX_CHARS_MAX && CA_PATTERN.test(value);
}

/** The prefix an advertiser publishes, from the full hex digest a join token or CA holds. */
export function caPrefixOf(caDigestHex: string, chars = CA_PREFIX_HEX_CHARS_DEFAULT): string {
  return caDigestHex.toLowerCase().slice(0, chars);
}

/**
 * True when an advertised prefix and the digest (or prefix) a caller holds
 * agree on every character both have. Both must be valid prefixes, so a
 * two-character "prefix" can never match half the LAN.
 */
export function caPrefixMatches(advertised: string, wanted: string): boolean {
  const a = advertised.toLowerCase();
  const b = wanted.toLowerCase();
  if (!isValidCaPrefix(a) || !isValidCaPrefix(b)) return false;
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b);
}

/** Names the first invalid field of a TXT value we are about to publish, or undefined. */
export function txtProblem(txt: PeerTxt): TxtRejection | undefined {
  if (!isValidId(txt.cluster)) return 'txt-cluster';
  if (!isValidCaPrefix(txt.ca)) return 'txt-ca';
  if (!PEER_ROLES.includes(txt.role)) return 'txt-role';
  if (!isValidId(txt.node)) return 'txt-node';
  return undefined;
}

export function encodeTxt(txt: PeerTxt): string[] {
  return [`v=${TXT_VERSION}`, `cluster=${txt.cluster}`, `ca=${txt.ca}`, `role=${txt.role}`, `node=${txt.node}`];
}

export type TxtDecoding = { ok: true; txt: PeerTxt } | { ok: false; reason: TxtRejection };

/**
 * Reads a TXT record's strings as decoded by dns-packet (an array of byte
 * strings). Keys compare case-insensitively and only the first occurrence of
 * a key counts (RFC 6763 §6.4); keys we do not know are skipped.
 */
export function decodeTxt(data: unknown): TxtDecoding {
  const strings = Array.isArray(data) ? data : [data];
  if (strings.length > TXT_STRINGS_MAX) return { ok: false, reason: 'txt-too-large' };
  const fields = new Map<string, string>();
  let totalBytes = 0;
  for (const entry of strings) {
    const bytes = typeof entry === 'string' ? new TextEncoder().encode(entry) : entry;
    if (!(bytes instanceof Uint8Array)) return { ok: false, reason: 'txt-shape' };
    totalBytes += bytes.length + 1;
    if (bytes.length > 255 || totalBytes > TXT_BYTES_MAX) return { ok: false, reason: 'txt-too-large' };
    if (!bytes.every((byte) => byte >= 0x20 && byte <= 0x7e)) return { ok: false, reason: 'txt-charset' };
    const text = String.fromCharCode(...bytes);
    const separator = text.indexOf('=');
    if (separator === 0) return { ok: false, reason: 'txt-shape' };
    const key = (separator < 0 ? text : text.slice(0, separator)).toLowerCase();
    if (separator > 0 && !fields.has(key)) fields.set(key, text.slice(separator + 1));
  }
  return txtFromFields(fields);
}

function txtFromFields(fields: Map<string, string>): TxtDecoding {
  const version = fields.get('v');
  if (version === undefined) return { ok: false, reason: 'txt-missing-key' };
  if (version !== TXT_VERSION) return { ok: false, reason: 'txt-version' };
  const cluster = fields.get('cluster');
  const ca = fields.get('ca');
  const role = fields.get('role');
  const node = fields.get('node');
  if (cluster === undefined || ca === undefined || role === undefined || node === undefined) {
    return { ok: false, reason: 'txt-missing-key' };
  }
  const txt = { cluster, ca, role: role as PeerRole, node };
  const problem = txtProblem(txt);
  return problem === undefined ? { ok: true, txt } : { ok: false, reason: problem };
}

export function sameTxt(a: PeerTxt, b: PeerTxt): boolean {
  return a.cluster === b.cluster && a.ca === b.ca && a.role === b.role && a.node === b.node;
}
