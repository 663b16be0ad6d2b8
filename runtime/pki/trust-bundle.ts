/**
 * The set of root certificates a node trusts. Normally one; two while the
 * root is being rotated (old and new), then one again when the old root is
 * dropped. Immutable: a rotation step makes a new bundle, so a verification
 * in progress never sees a half-changed set.
 */
import type { X509Certificate } from 'node:crypto';
import { PkiError } from './errors.js';
import { certificateSha256Hex, certificateToPem, certificatesFromPem, toCertificate, type CertificateInput } from './pem.js';

export interface TrustedRoot {
  certificate: X509Certificate;
  /** SHA-256 of the root's DER, hex. */
  digestHex: string;
}

export class TrustBundle {
  readonly roots: readonly TrustedRoot[];

  private constructor(roots: readonly TrustedRoot[]) {
    this.roots = roots;
  }

  /** Builds a bundle; each certificate must be a self-signed CA, and there must be at least one. */
  static of(certificates: readonly CertificateInput[]): TrustBundle {
    if (certificates.length === 0) {
      throw new PkiError('EDGE_PKI_CERT_MALFORMED', 'a trust bundle needs at least one root certificate', { reason: 'empty-bundle' });
    }
    const roots: TrustedRoot[] = [];
    for (const input of certificates) {
      const certificate = toCertificate(input, 'trusted root');
      if (!certificate.ca || !certificate.checkIssued(certificate) || !certificate.verify(certificate.publicKey)) {
        throw new PkiError(
          'EDGE_PKI_CERT_MALFORMED',
          `the trust bundle holds "${certificate.subject.replace(/\n/g, ', ')}", which is not a self-signed CA certificate: only roots belong in it`,
          { reason: 'not-a-root' },
        );
      }
      const digestHex = certificateSha256Hex(certificate);
      if (!roots.some((root) => root.digestHex === digestHex)) roots.push({ certificate, digestHex });
    }
    return new TrustBundle(roots);
  }

  static fromPem(pem: string): TrustBundle {
    return TrustBundle.of(certificatesFromPem(pem, 'trust bundle'));
  }

  /** A bundle that also trusts `root` (rotation: start). */
  withRoot(root: CertificateInput): TrustBundle {
    return TrustBundle.of([...this.roots.map((entry) => entry.certificate), root]);
  }

  /** A bundle without the root whose digest is `digestHex` (rotation: finish). Refuses to empty the bundle. */
  withoutRoot(digestHex: string): TrustBundle {
    const kept = this.roots.filter((root) => root.digestHex !== digestHex.toLowerCase());
    if (kept.length === this.roots.length) {
      throw new PkiError('EDGE_PKI_CERT_UNTRUSTED', `the trust bundle holds no root with digest sha256:${digestHex}; nothing to drop`, { reason: 'unknown-root' });
    }
    if (kept.length === 0) {
      throw new PkiError('EDGE_PKI_CERT_MALFORMED', 'dropping that root would leave no trusted root: add the new root first', { reason: 'empty-bundle' });
    }
    return new TrustBundle(kept);
  }

  /**
   * The root in this bundle whose key signed `leaf` directly, if any. During
   * a rotation this tells a node whether its own certificate already comes
   * from the new root (an issuer name match alone is not proof: the
   * signature is checked too).
   */
  issuerOf(leaf: CertificateInput): TrustedRoot | undefined {
    const certificate = toCertificate(leaf, 'certificate');
    return this.roots.find((root) => certificate.checkIssued(root.certificate) && certificate.verify(root.certificate.publicKey));
  }

  includes(digestHex: string): boolean {
    return this.roots.some((root) => root.digestHex === digestHex.toLowerCase());
  }

  get digestsHex(): string[] {
    return this.roots.map((root) => root.digestHex);
  }

  toPem(): string {
    return this.roots.map((root) => certificateToPem(root.certificate)).join('');
  }
}
