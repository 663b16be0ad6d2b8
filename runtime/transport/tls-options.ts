// TLS settings shared by both ends of a link. TLS 1.3 only; certificates are
// checked by the cluster's own verifier (verifyPeer) rather than by OpenSSL's
// chain check, because a board that booted with its clock at 1970 would
// otherwise refuse every valid certificate as "not yet valid" and never get
// the time from the cluster. The verifier still checks the whole chain.
import type { X509Certificate } from 'node:crypto';
import type { PeerIdentity } from './authorization.js';

export interface TlsMaterial {
  /** This node's private key, PEM. */
  keyPem: string;
  /** This node's certificate followed by the CA certificate(s), PEM. */
  certChainPem: string;
  /** The CA certificates this node trusts (more than one during a CA rotation), PEM. */
  trustedCaPem: string;
}

/**
 * Checks a peer's chain (leaf first) and returns who it is, or throws an
 * EdgeError saying why the peer is not trusted.
 */
export type PeerVerifier = (chain: X509Certificate[]) => PeerIdentity;

/** Largest frame a link accepts, bytes; see wire limits. */
export const defaultFrameBytesMax = 4 * 1024 * 1024;

export function tlsContextOptions(material: TlsMaterial | undefined): {
  key?: string;
  cert?: string;
  ca?: string;
  minVersion: 'TLSv1.3';
  maxVersion: 'TLSv1.3';
} {
  return {
    ...(material ? { key: material.keyPem, cert: material.certChainPem, ca: material.trustedCaPem } : {}),
    minVersion: 'TLSv1.3',
    maxVersion: 'TLSv1.3',
  };
}

export const linkPath = '/edge/v1/link';
export const joinPath = '/edge/v1/join';
