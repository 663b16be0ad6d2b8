// A node's side of a root CA rotation: compare the credentials it holds with
// what the cluster says every node should hold (a CaDirective, from the store
// on a manager or from the session answer on a worker) and decide the one
// step to take. Pure: the daemon does the renewing and saving.
//
//   rotation begins   the node's certificate is not from the signing root → renew
//                     (the answer brings the two-root bundle and the bridge chain)
//   rotation ends     certificate already from the new root, but the node still
//                     trusts the old root and presents the bridge → replace the
//                     bundle and chain, same key and certificate
//   otherwise         keep (also when the directive is stale: see nextCredentialsStep)
import type { X509Certificate } from 'node:crypto';
import { rootGeneration } from '../pki/certificate-authority.js';
import type { NodeCredentials } from '../pki/credentials-store.js';
import { certificatesFromPem } from '../pki/pem.js';
import { TrustBundle } from '../pki/trust-bundle.js';
import type { CaDirective } from '../store/ca-rotation.js';
import type { NodeCertificateReport } from '../store/state.js';

export type CredentialsStep =
  | { kind: 'keep' }
  | { kind: 'renew'; reason: string }
  | { kind: 'replace'; credentials: NodeCredentials };

/** What a renewal or join answer carries. `chainPem` is absent from managers that predate root rotation: they present the root. */
export interface IssuedCertificate {
  certPem: string;
  caPem: string;
  chainPem?: string;
}

function block(pem: string): string {
  return `${pem.trimEnd()}\n`;
}

/** The credentials to save from an answer: the key, the certificate followed by what to present with it, and the roots to trust. */
export function credentialsFromAnswer(keyPem: string, answer: IssuedCertificate): NodeCredentials {
  return { keyPem, certPem: block(answer.certPem) + block(answer.chainPem ?? answer.caPem), caBundlePem: block(answer.caPem) };
}

function leafOf(credentials: NodeCredentials): X509Certificate {
  return certificatesFromPem(credentials.certPem, "this node's certificate")[0]!;
}

/** The certificate this node holds and the root (of its own bundle) that issued it; undefined if none of its roots did. */
export function certificateReport(credentials: NodeCredentials): NodeCertificateReport | undefined {
  // A manager asks at every store change; parsing and checking the chain each time would cost a busy Pi dearly.
  if (reports.has(credentials)) return reports.get(credentials);
  const leaf = leafOf(credentials);
  const issuer = TrustBundle.fromPem(credentials.caBundlePem).issuerOf(leaf);
  const report = issuer ? { serial: leaf.serialNumber.toLowerCase(), rootDigestHex: issuer.digestHex } : undefined;
  reports.set(credentials, report);
  return report;
}

/** Credentials objects are replaced, never changed, so a report computed once per object stays right. */
const reports = new WeakMap<NodeCredentials, NodeCertificateReport | undefined>();

/** Certificates compared by content, so PEM line breaks or a missing final newline never count as a change (a change means an SD write). */
function sameCertificates(leftPem: string, rightPem: string): boolean {
  const left = certificatesFromPem(leftPem).map((certificate) => certificate.fingerprint256);
  const right = certificatesFromPem(rightPem).map((certificate) => certificate.fingerprint256);
  return left.length === right.length && left.every((fingerprint, index) => fingerprint === right[index]);
}

/**
 * The step `directive` calls for. A directive can be stale: a manager
 * replaying its log after a restart, or one that is behind, describes a
 * state the cluster has left. Roots only move forward, so such a directive
 * is recognised and ignored rather than followed back: one whose signing root
 * is of an older generation than the root of this node's certificate, or one
 * that would add a root this node has already dropped.
 */
export function nextCredentialsStep(credentials: NodeCredentials, directive: CaDirective): CredentialsStep {
  const leaf = leafOf(credentials);
  const held = TrustBundle.fromPem(credentials.caBundlePem);
  const wanted = TrustBundle.fromPem(directive.trustPem);
  const issuer = wanted.issuerOf(leaf);
  if (issuer?.digestHex !== directive.signingRootDigestHex) {
    const heldIssuer = held.issuerOf(leaf);
    const signing = wanted.roots.find((root) => root.digestHex === directive.signingRootDigestHex);
    if (heldIssuer && signing && rootGeneration(heldIssuer.certificate) > rootGeneration(signing.certificate)) return { kind: 'keep' };
    return { kind: 'renew', reason: `this node's certificate is not from the signing root sha256:${directive.signingRootDigestHex.slice(0, 12)}…` };
  }
  if (wanted.digestsHex.some((digestHex) => !held.includes(digestHex))) return { kind: 'keep' };
  const certPem = block(leaf.toString()) + block(directive.chainPem);
  if (sameCertificates(certPem, credentials.certPem) && sameCertificates(directive.trustPem, credentials.caBundlePem)) return { kind: 'keep' };
  return { kind: 'replace', credentials: { keyPem: credentials.keyPem, certPem, caBundlePem: block(directive.trustPem) } };
}
