/**
 * Join tokens: `EDGE1-<sha256 of the root CA certificate DER, 64 hex>-<secret>`.
 *
 * The digest lets a joining board check, before it sends anything secret,
 * that the manager it reached belongs to the cluster that printed the token
 * (no trust on first use). The secret tells the manager which role to give
 * the board. One token per role; each can be rotated.
 *
 * Parsing never echoes the secret into an error message: error messages end
 * up in logs.
 */
import { nodeCrypto } from '../common/builtin.js';
import { PkiError } from './errors.js';
import { certificateSha256Hex, shortDigest, type CertificateInput } from './pem.js';
import { TrustBundle } from './trust-bundle.js';

export const JOIN_TOKEN_PREFIX = 'EDGE1';
/** Random bytes in a generated secret: 160 bits, far beyond guessing over a network. */
export const JOIN_TOKEN_SECRET_BYTES = 20;
/** Shortest secret accepted: 26 base32 characters is 130 bits. */
export const JOIN_TOKEN_SECRET_CHARS_MIN = 26;
/** Longest token parsed at all; bounds work on hostile input. */
export const JOIN_TOKEN_CHARS_MAX = 256;

const DIGEST_HEX_CHARS = 64;
const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const SECRET_PATTERN = /^[a-z2-7]+$/;

export interface JoinToken {
  /** SHA-256 of the root CA certificate DER, lowercase hex. */
  caDigestHex: string;
  /** Lowercase base32 secret. */
  secret: string;
}

export function formatJoinToken(token: JoinToken): string {
  return `${JOIN_TOKEN_PREFIX}-${token.caDigestHex}-${token.secret}`;
}

/** A fresh random secret, lowercase base32 without padding. */
export function generateJoinTokenSecret(): string {
  const bytes = nodeCrypto().randomBytes(JOIN_TOKEN_SECRET_BYTES);
  let bits = 0;
  let value = 0;
  let secret = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      secret += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) secret += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return secret;
}

/** Parses a token as typed or pasted (surrounding whitespace ignored); refuses with EDGE_PKI_TOKEN_MALFORMED and a reason. */
export function parseJoinToken(text: string): JoinToken {
  const trimmed = text.trim();
  if (trimmed.length > JOIN_TOKEN_CHARS_MAX) {
    throw malformed('length', `it is ${trimmed.length} characters long, more than ${JOIN_TOKEN_CHARS_MAX}`);
  }
  if (!trimmed.startsWith(`${JOIN_TOKEN_PREFIX}-`)) {
    const start = JSON.stringify(trimmed.slice(0, 6));
    throw malformed('prefix', `it starts with ${start}, edgectl join tokens start with "${JOIN_TOKEN_PREFIX}-"`);
  }
  const parts = trimmed.split('-');
  if (parts.length !== 3) {
    throw malformed('shape', `it has ${parts.length} dash-separated parts, expected 3 (${JOIN_TOKEN_PREFIX}, CA digest, secret)`);
  }
  const digest = parts[1]!;
  const secret = parts[2]!;
  if (digest.length !== DIGEST_HEX_CHARS) {
    throw malformed('digest-length', `its CA digest has ${digest.length} characters, a SHA-256 digest has ${DIGEST_HEX_CHARS}`);
  }
  if (!/^[0-9a-fA-F]+$/.test(digest)) throw malformed('digest-charset', 'its CA digest holds characters other than 0-9 and a-f');
  if (secret.length < JOIN_TOKEN_SECRET_CHARS_MIN) {
    throw malformed('secret-short', `its secret has ${secret.length} characters, fewer than ${JOIN_TOKEN_SECRET_CHARS_MIN}`);
  }
  if (!SECRET_PATTERN.test(secret)) throw malformed('secret-charset', 'its secret holds characters other than a-z and 2-7');
  return { caDigestHex: digest.toLowerCase(), secret };
}

/** True when `caCertificate` (PEM or DER of one certificate) is the root the token pins. */
export function caMatchesToken(caCertificate: CertificateInput, token: string | JoinToken): boolean {
  const parsed = typeof token === 'string' ? parseJoinToken(token) : token;
  return certificateSha256Hex(caCertificate) === parsed.caDigestHex;
}

/**
 * The joiner's first step: given the root CA a manager at `managerAddress`
 * presented, refuse it unless the token pins it, and return the trust bundle
 * to verify that manager's TLS certificate with. Nothing secret may be sent
 * before this returns.
 */
export function trustFromJoinToken(caCertificate: CertificateInput, token: string | JoinToken, managerAddress: string): TrustBundle {
  const parsed = typeof token === 'string' ? parseJoinToken(token) : token;
  const presentedHex = certificateSha256Hex(caCertificate);
  if (presentedHex !== parsed.caDigestHex) {
    throw new PkiError(
      'EDGE_PKI_CA_MISMATCH',
      `the manager at ${managerAddress} presents CA ${shortDigest(presentedHex)}, the token pins ${shortDigest(parsed.caDigestHex)}: check you copied the token from this cluster (or that this address is its manager); if the cluster's root CA was rotated since (edgectl swarm ca --rotate), tokens from before are refused: get a current one with \`edgectl swarm join-token worker|manager\``,
    );
  }
  return TrustBundle.of([caCertificate]);
}

function malformed(reason: string, detail: string): PkiError {
  return new PkiError(
    'EDGE_PKI_TOKEN_MALFORMED',
    `the join token is malformed: ${detail}; copy it again from \`edgectl swarm join-token worker|manager\` on a manager`,
    { reason },
  );
}
