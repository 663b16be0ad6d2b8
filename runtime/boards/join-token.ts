/**
 * The shape of a join token, checked where tokens enter from outside the
 * cluster (the firmware command's --token, edgectl.yaml on a boot partition).
 * This is a format check only: it never sees the CA, so whether the digest is
 * the right one is decided by the joiner against the manager it reaches.
 *
 *   EDGE1-<sha256 of the root CA certificate, 64 hex>-<secret, 16+ letters/digits>
 */
import { JoinTokenMalformedError } from './errors.js';

export interface JoinTokenParts {
  /** Lower-case hex sha256 of the root CA certificate the joiner must see. */
  caDigestHex: string;
  secret: string;
}

const TOKEN_PREFIX = 'EDGE1-';
const SECRET_CHARS_MIN = 16;
/** Bounds what we copy around and write to a boot partition. */
const SECRET_CHARS_MAX = 256;

/**
 * Parses a token or throws EDGE_JOIN_TOKEN_MALFORMED naming `source`. The
 * message never repeats the token: it is a credential and ends up in logs.
 */
export function parseJoinTokenFormat(token: string, source: string): JoinTokenParts {
  const fail = (problem: string): never => {
    throw new JoinTokenMalformedError(source, problem);
  };
  if (!token.startsWith(TOKEN_PREFIX)) fail(`must start with "${TOKEN_PREFIX}"`);
  const rest = token.slice(TOKEN_PREFIX.length);
  const dash = rest.indexOf('-');
  if (dash < 0) fail('must have three parts separated by "-"');
  const digest = rest.slice(0, dash);
  const secret = rest.slice(dash + 1);
  if (!/^[0-9a-fA-F]{64}$/.test(digest)) fail(`has a CA digest of ${digest.length} characters; it must be 64 hex digits (a sha256)`);
  if (!/^[A-Za-z0-9]*$/.test(secret)) fail('has a secret with characters other than A-Z, a-z and 0-9');
  if (secret.length < SECRET_CHARS_MIN) fail(`has a secret of ${secret.length} characters; it needs at least ${SECRET_CHARS_MIN}`);
  if (secret.length > SECRET_CHARS_MAX) fail(`has a secret longer than ${SECRET_CHARS_MAX} characters`);
  return { caDigestHex: digest.toLowerCase(), secret };
}
