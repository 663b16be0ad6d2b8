/**
 * Every refusal the PKI makes, as one EdgeError subclass with a stable code.
 * runtime/pki/README.md lists each code with its meaning and the fix; keep the
 * two in step when adding one.
 */
import { EdgeError } from '../common/errors.js';

export const PKI_ERROR_CODES = [
  'EDGE_PKI_TOKEN_MALFORMED',
  'EDGE_PKI_TOKEN_INVALID',
  'EDGE_PKI_TOKEN_WRONG_CA',
  'EDGE_PKI_CA_MISMATCH',
  'EDGE_PKI_CSR_INVALID',
  'EDGE_PKI_NAME_INVALID',
  'EDGE_PKI_CERT_MALFORMED',
  'EDGE_PKI_CERT_UNTRUSTED',
  'EDGE_PKI_CERT_SIGNATURE_INVALID',
  'EDGE_PKI_CERT_EXPIRED',
  'EDGE_PKI_CERT_NOT_YET_VALID',
  'EDGE_PKI_CERT_PURPOSE',
  'EDGE_PKI_CERT_IDENTITY_INVALID',
  'EDGE_PKI_CERT_WRONG_CLUSTER',
  'EDGE_PKI_CHAIN_TOO_LONG',
  'EDGE_PKI_CLOCK_IMPLAUSIBLE',
  'EDGE_PKI_PEER_NO_CERT',
  'EDGE_PKI_KEY_FILE_PERMISSIONS',
  'EDGE_PKI_CREDENTIALS_MISSING',
  'EDGE_PKI_CREDENTIALS_CORRUPT',
] as const;

export type PkiErrorCode = (typeof PKI_ERROR_CODES)[number];

export class PkiError extends EdgeError {
  declare readonly code: PkiErrorCode;
  /**
   * A finer, also stable, reason inside one code (for example which part of a
   * join token is wrong), for scripts and tests that need it.
   */
  readonly reason: string | undefined;

  constructor(code: PkiErrorCode, message: string, options: { retryable?: boolean; cause?: unknown; reason?: string } = {}) {
    super(code, message, options);
    this.name = 'PkiError';
    this.reason = options.reason;
  }
}

export function isPkiError(value: unknown, code?: PkiErrorCode): value is PkiError {
  return value instanceof PkiError && (code === undefined || value.code === code);
}
