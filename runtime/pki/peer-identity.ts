/**
 * The identity a verified peer certificate carries, in the form the transport
 * uses for per-message authorization. Reading it does not verify anything:
 * call it on a certificate that verifyPeerChain() accepted, or on our own.
 */
import type { X509Certificate } from 'node:crypto';
import { PkiError } from './errors.js';
import { subjectIdentity, type NodeRole } from './names.js';
import { certificateSha256Hex, toCertificate, type CertificateInput } from './pem.js';

export interface PeerIdentity {
  /** CN: the node id the manager assigned at join. */
  nodeId: string;
  /** OU: what the node may do, decided by which join token it used. */
  role: NodeRole;
  /** O: the cluster the issuing CA belongs to. */
  clusterId: string;
  /** Serial number, lowercase hex without separators. */
  serial: string;
  notBeforeMs: number;
  notAfterMs: number;
  /** "sha256:" + lowercase hex of the certificate's DER. */
  fingerprint: string;
}

export interface ValidityWindow {
  notBeforeMs: number;
  notAfterMs: number;
}

/**
 * notBefore/notAfter in epoch milliseconds. Node 20's X509Certificate only
 * gives text ("Jan  1 00:00:00 2027 GMT"), which V8's Date.parse reads.
 */
export function certificateValidity(certificate: X509Certificate): ValidityWindow {
  const notBeforeMs = Date.parse(certificate.validFrom);
  const notAfterMs = Date.parse(certificate.validTo);
  if (!Number.isFinite(notBeforeMs) || !Number.isFinite(notAfterMs)) {
    throw new PkiError('EDGE_PKI_CERT_MALFORMED', `the certificate's validity dates cannot be read (${certificate.validFrom} to ${certificate.validTo})`, {
      reason: 'validity',
    });
  }
  return { notBeforeMs, notAfterMs };
}

export function identityFromCertificate(input: CertificateInput): PeerIdentity {
  const certificate = toCertificate(input);
  const { nodeId, role, clusterId } = subjectIdentity(certificate.subject);
  return {
    nodeId,
    role,
    clusterId,
    serial: certificate.serialNumber.toLowerCase(),
    ...certificateValidity(certificate),
    fingerprint: `sha256:${certificateSha256Hex(certificate)}`,
  };
}
