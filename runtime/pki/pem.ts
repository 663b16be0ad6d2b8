/**
 * PEM and DER in and out, and the SHA-256 digest of a certificate that join
 * tokens pin. Uses node:crypto only, so verifiers can import it without
 * loading the certificate-building library.
 */
import type { X509Certificate } from 'node:crypto';
import { nodeCrypto } from '../common/builtin.js';
import { PkiError } from './errors.js';
import { CERT_BYTES_MAX } from './policy.js';

/** A certificate as PEM text, DER bytes, or already parsed by node:crypto. */
export type CertificateInput = string | Uint8Array | X509Certificate;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\s]+?)-----END \1-----/g;

/** Bundles hold the trusted roots; more than this is a mistake, not a cluster. */
const BUNDLE_CERTS_MAX = 16;

export function derToPem(der: Uint8Array, label: string): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The PEM blocks with `label` in `text`, each decoded to DER, in order. */
export function pemBlocks(text: string, label: string): Buffer[] {
  const blocks: Buffer[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    if (match[1] === label) blocks.push(Buffer.from((match[2] ?? '').replace(/\s+/g, ''), 'base64'));
  }
  return blocks;
}

/** Parses one certificate; anything else (garbage, oversize, two in one) is EDGE_PKI_CERT_MALFORMED. */
export function toCertificate(input: CertificateInput, what = 'certificate'): X509Certificate {
  if (input instanceof nodeCrypto().X509Certificate) return input;
  const size = typeof input === 'string' ? input.length : input.byteLength;
  if (size > CERT_BYTES_MAX) {
    throw new PkiError('EDGE_PKI_CERT_MALFORMED', `the ${what} is ${size} bytes, more than the ${CERT_BYTES_MAX} accepted: it is not an edgectl certificate`, {
      reason: 'too-large',
    });
  }
  if (typeof input === 'string' && pemBlocks(input, 'CERTIFICATE').length !== 1) {
    throw new PkiError('EDGE_PKI_CERT_MALFORMED', `the ${what} must be exactly one PEM "CERTIFICATE" block`, { reason: 'pem' });
  }
  try {
    return new (nodeCrypto().X509Certificate)(typeof input === 'string' ? input : Buffer.from(input));
  } catch (error) {
    throw new PkiError('EDGE_PKI_CERT_MALFORMED', `the ${what} cannot be parsed as X.509 (${(error as Error).message}): it is corrupt or not a certificate`, {
      cause: error,
      reason: 'der',
    });
  }
}

/** Every certificate in a PEM bundle, in order; an empty or oversize bundle is refused. */
export function certificatesFromPem(text: string, what = 'certificate bundle'): X509Certificate[] {
  const blocks = pemBlocks(text, 'CERTIFICATE');
  if (blocks.length === 0) {
    throw new PkiError('EDGE_PKI_CERT_MALFORMED', `the ${what} holds no PEM "CERTIFICATE" block`, { reason: 'pem' });
  }
  if (blocks.length > BUNDLE_CERTS_MAX) {
    throw new PkiError('EDGE_PKI_CERT_MALFORMED', `the ${what} holds ${blocks.length} certificates, more than ${BUNDLE_CERTS_MAX}`, { reason: 'too-many' });
  }
  return blocks.map((der) => toCertificate(der, what));
}

export function certificateToPem(certificate: X509Certificate): string {
  return derToPem(certificate.raw, 'CERTIFICATE');
}

/** SHA-256 of the certificate's DER, lowercase hex: what a join token pins and what `fingerprint` shows. */
export function certificateSha256Hex(input: CertificateInput): string {
  return nodeCrypto().createHash('sha256').update(toCertificate(input).raw).digest('hex');
}

/** A short, readable form for messages: "sha256:1a2b3c4d5e6f…". */
export function shortDigest(hex: string): string {
  return `sha256:${hex.slice(0, 12)}…`;
}
