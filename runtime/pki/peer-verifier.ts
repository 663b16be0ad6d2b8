/**
 * The one check that decides whether a peer is a node of this cluster.
 *
 * Node's TLS verification cannot be used for that: it checks validity against
 * the local clock, so a board booted at 1970 would refuse every peer (see
 * trusted-time.ts). The transport therefore connects with
 * `rejectUnauthorized: false` and calls verifyPeerChain() (or verifyTlsPeer()
 * in tls-peer.ts) before sending or accepting anything. That makes this
 * function the whole of the trust decision, so it checks everything:
 *
 *   1. a chain from the leaf to a root in the TrustBundle, each link's issuer
 *      name and signature (node:crypto checkIssued + verify), intermediates
 *      only from what the peer sent and only CA certificates, at most
 *      PEER_CHAIN_CERTS_MAX long;
 *   2. every certificate in that chain within its validity window at
 *      TrustedTime;
 *   3. the leaf is not a CA and its EKU allows the TLS role the peer played;
 *   4. the leaf names a node (CN, OU role, O cluster) of the root's cluster.
 *
 * Uses node:crypto only: a worker that just verifies never loads
 * @peculiar/x509.
 */
import type { X509Certificate } from 'node:crypto';
import { PkiError } from './errors.js';
import { subjectIdentity } from './names.js';
import { shortDigest, toCertificate, type CertificateInput } from './pem.js';
import { certificateValidity, identityFromCertificate, type PeerIdentity } from './peer-identity.js';
import { EKU_CLIENT_AUTH_OID, EKU_SERVER_AUTH_OID, PEER_CHAIN_CERTS_MAX } from './policy.js';
import type { TrustBundle, TrustedRoot } from './trust-bundle.js';
import type { TrustedTime } from './trusted-time.js';

export interface PeerVerifyOptions {
  /** Roots this node trusts (two during a root rotation). */
  trust: TrustBundle;
  /** Time for validity checks; tolerates a board whose clock is unset. */
  time: TrustedTime;
  /**
   * The part the peer played in the TLS handshake: 'client' requires EKU
   * clientAuth, 'server' requires serverAuth. (A node plays both, and its
   * certificate carries both.)
   */
  peerTlsRole: 'client' | 'server';
  /** When set, the leaf's cluster must be this one (it must always match its root's). */
  clusterId?: string;
}

/**
 * Verifies `chain` (the peer's leaf first, then whatever it sent after it)
 * and returns the identity in the leaf, or throws a PkiError saying why not.
 */
export function verifyPeerChain(chain: readonly CertificateInput[], options: PeerVerifyOptions): PeerIdentity {
  if (chain.length === 0) {
    throw new PkiError('EDGE_PKI_PEER_NO_CERT', 'the peer presented no certificate: every edgectl link needs a client certificate; re-join that node');
  }
  if (chain.length > PEER_CHAIN_CERTS_MAX) {
    throw new PkiError('EDGE_PKI_CHAIN_TOO_LONG', `the peer presented ${chain.length} certificates, more than ${PEER_CHAIN_CERTS_MAX}: it is not an edgectl node`);
  }
  const certificates = chain.map((input) => toCertificate(input, 'peer certificate'));
  const leaf = certificates[0]!;
  const name = describeLeaf(leaf);
  const path = buildPath(leaf, certificates.slice(1), options.trust, name);
  for (const certificate of path.certificates) {
    options.time.checkValidity(certificateValidity(certificate), certificate === leaf ? name : `the CA certificate "${oneLine(certificate.subject)}" in the chain of ${name}`);
  }
  checkLeafPurpose(leaf, options.peerTlsRole, name);
  const identity = identityFromCertificate(leaf);
  const rootCluster = rootClusterId(path.root.certificate);
  const expectedCluster = options.clusterId ?? rootCluster;
  if (identity.clusterId !== rootCluster || identity.clusterId !== expectedCluster) {
    throw new PkiError(
      'EDGE_PKI_CERT_WRONG_CLUSTER',
      `${name} belongs to cluster ${JSON.stringify(identity.clusterId)}, this node to ${JSON.stringify(expectedCluster)}: the peer is from another cluster`
    );
  }
  return identity;
}

interface VerifiedPath {
  /** Leaf first, root last. */
  certificates: X509Certificate[];
  root: TrustedRoot;
}

function buildPath(leaf: X509Certificate, presented: X509Certificate[], trust: TrustBundle, name: string): VerifiedPath {
  const certificates = [leaf];
  const unused = [...presented];
  let current = leaf;
  let badSignature = false;
  let issuerNotCa = false;
  for (let depth = 0; depth < PEER_CHAIN_CERTS_MAX; depth++) {
    for (const root of trust.roots) {
      if (!current.checkIssued(root.certificate)) continue;
      if (current.verify(root.certificate.publicKey)) return { certificates: [...certificates, root.certificate], root };
      // A self-issued certificate here is another CA's root that happens to share our root's name: untrusted, not tampered.
      if (current.subject !== current.issuer) badSignature = true;
    }
    const named = unused.filter((candidate) => current.checkIssued(candidate));
    const issuer = named.find((candidate) => candidate.ca && current.verify(candidate.publicKey));
    if (issuer === undefined) {
      badSignature ||= named.some((candidate) => candidate.ca);
      issuerNotCa = named.some((candidate) => !candidate.ca);
      break;
    }
    unused.splice(unused.indexOf(issuer), 1);
    certificates.push(issuer);
    current = issuer;
  }
  if (badSignature) {
    throw new PkiError(
      'EDGE_PKI_CERT_SIGNATURE_INVALID',
      `${name} names a trusted issuer but its signature does not verify: it was altered or forged; refuse the peer and check that node`,
      { reason: 'signature' },
    );
  }
  const because = issuerNotCa ? 'a certificate that is not a CA' : `"${oneLine(current.issuer)}", which is not a trusted root`;
  throw new PkiError(
    'EDGE_PKI_CERT_UNTRUSTED',
    `${name} was issued by ${because} (trusted: ${trust.digestsHex.map(shortDigest).join(', ')}): the peer belongs to another cluster or CA; join it with this cluster's token`,
    { reason: issuerNotCa ? 'issuer-not-ca' : 'unknown-issuer' },
  );
}

function checkLeafPurpose(leaf: X509Certificate, peerTlsRole: 'client' | 'server', name: string): void {
  if (leaf.ca) {
    throw new PkiError('EDGE_PKI_CERT_PURPOSE', `${name} is a CA certificate, not a node certificate: a peer must present its own node certificate`, {
      reason: 'ca-as-leaf',
    });
  }
  const required = peerTlsRole === 'client' ? EKU_CLIENT_AUTH_OID : EKU_SERVER_AUTH_OID;
  // node:crypto names the extended key usage list `keyUsage`.
  const usages = leaf.keyUsage ?? [];
  if (!usages.includes(required)) {
    const wanted = peerTlsRole === 'client' ? 'clientAuth' : 'serverAuth';
    throw new PkiError(
      'EDGE_PKI_CERT_PURPOSE',
      `${name} is not allowed for TLS ${peerTlsRole} use (its extended key usage lacks ${wanted}): it was not issued by an edgectl CA; re-issue it`,
      { reason: `eku-${wanted}` },
    );
  }
}

function rootClusterId(root: X509Certificate): string {
  const organization = root.subject.split('\n').find((line) => line.startsWith('O='));
  return organization?.slice(2) ?? '';
}

/** "the peer certificate of node-7" when the subject reads as a node, else its subject. */
function describeLeaf(leaf: X509Certificate): string {
  try {
    return `the peer certificate of ${subjectIdentity(leaf.subject).nodeId}`;
  } catch {
    return `the peer certificate "${oneLine(leaf.subject)}"`;
  }
}

function oneLine(subject: string): string {
  return subject.replace(/\n/g, ', ');
}
