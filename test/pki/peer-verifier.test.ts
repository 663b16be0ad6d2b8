import { X509Certificate } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Extension } from '@peculiar/x509';
import { ManualClock } from '../../runtime/common/clock.js';
import { CertificateAuthority } from '../../runtime/pki/certificate-authority.js';
import { keyPairFromPem, generateKeyPair } from '../../runtime/pki/key-pair.js';
import { verifyPeerChain, type PeerVerifyOptions } from '../../runtime/pki/peer-verifier.js';
import { EKU_SERVER_AUTH_OID, SIGNING_ALGORITHM } from '../../runtime/pki/policy.js';
import { TrustBundle } from '../../runtime/pki/trust-bundle.js';
import { loadX509Library } from '../../runtime/pki/x509-library.js';
import { DAY_MS, PLAUSIBLE_MS, craftLeaf, issueNode, makeCa, patchDer, throwsWith, timeAt } from './helpers.js';

const { ca } = await makeCa('cluster-a');
const trust = TrustBundle.of([ca.certificate]);
const node = await issueNode(ca, { nodeId: 'node-1', role: 'manager' });

function options(overrides: Partial<PeerVerifyOptions> = {}): PeerVerifyOptions {
  return { trust, time: timeAt(PLAUSIBLE_MS + DAY_MS).time, peerTlsRole: 'client', ...overrides };
}

test('accepts a node certificate from the trusted CA and returns its identity', () => {
  // Proves the happy path in both TLS roles, with and without the root appended, and that the identity matches the certificate.
  const leaf = new X509Certificate(node.certPem);
  for (const peerTlsRole of ['client', 'server'] as const) {
    for (const chain of [[node.certPem], [node.certPem, ca.certPem], [leaf.raw]]) {
      const identity = verifyPeerChain(chain, options({ peerTlsRole }));
      assert.equal([identity.nodeId, identity.role, identity.clusterId], ['node-1', 'manager', 'cluster-a']);
      assert.is(identity.serial, leaf.serialNumber.toLowerCase());
    }
  }
});

test('refuses a certificate from another CA, even one claiming the same cluster id', async () => {
  // Proves trust comes from the root's key, not from names: a second CA for "cluster-a" is still a stranger.
  const { ca: impostor } = await makeCa('cluster-a');
  const stranger = await issueNode(impostor, { nodeId: 'node-1', role: 'manager' });
  assert.equal(impostor.certificate.subject, ca.certificate.subject);
  const error = throwsWith(() => verifyPeerChain([stranger.certPem], options()), 'EDGE_PKI_CERT_UNTRUSTED');
  assert.match(error.message, 'not a trusted root');
  throwsWith(() => verifyPeerChain([stranger.certPem, impostor.certPem], options()), 'EDGE_PKI_CERT_UNTRUSTED');
  const { ca: other } = await makeCa('cluster-b');
  const otherCluster = await issueNode(other);
  throwsWith(() => verifyPeerChain([otherCluster.certPem], options()), 'EDGE_PKI_CERT_UNTRUSTED');
});

test('refuses an expired certificate and accepts it while still valid', async () => {
  // Proves the expiry check uses TrustedTime: the same certificate passes at day 0.5 and fails at day 2 of a one-day life.
  const shortLived = await issueNode(ca, { validityMs: DAY_MS });
  verifyPeerChain([shortLived.certPem], options({ time: timeAt(PLAUSIBLE_MS + DAY_MS / 2).time }));
  const error = throwsWith(() => verifyPeerChain([shortLived.certPem], options({ time: timeAt(PLAUSIBLE_MS + 2 * DAY_MS).time })), 'EDGE_PKI_CERT_EXPIRED');
  assert.match(error.message, 'node-1 expired at');
});

test('refuses a chain whose root has expired even if the leaf has not', async () => {
  // Proves every certificate in the path is checked at TrustedTime, not only the leaf.
  const clock = new ManualClock(PLAUSIBLE_MS);
  const shortRoot = await CertificateAuthority.create({ clusterId: 'cluster-a', clock, validityMs: 30 * DAY_MS });
  const outliving = await craftLeaf(shortRoot, { notAfterMs: PLAUSIBLE_MS + 60 * DAY_MS });
  const shortTrust = TrustBundle.of([shortRoot.certificate]);
  verifyPeerChain([outliving], options({ trust: shortTrust, time: timeAt(PLAUSIBLE_MS + 20 * DAY_MS).time }));
  const error = throwsWith(() => verifyPeerChain([outliving], options({ trust: shortTrust, time: timeAt(PLAUSIBLE_MS + 40 * DAY_MS).time })), 'EDGE_PKI_CERT_EXPIRED');
  assert.match(error.message, 'the CA certificate');
});

test('refuses a certificate not yet valid when the clock is plausible', () => {
  // Proves notBefore is enforced when the local clock can be believed (here: a month before issue, well past the floor).
  throwsWith(() => verifyPeerChain([node.certPem], options({ time: timeAt(PLAUSIBLE_MS - 30 * DAY_MS).time })), 'EDGE_PKI_CERT_NOT_YET_VALID');
});

test('refuses a certificate whose EKU lacks clientAuth when the peer is a TLS client', async () => {
  // Proves the EKU check is specific: a serverAuth-only certificate passes as a server and fails as a client.
  const serverOnly = await craftLeaf(ca, { ekus: [EKU_SERVER_AUTH_OID] });
  verifyPeerChain([serverOnly], options({ peerTlsRole: 'server' }));
  throwsWith(() => verifyPeerChain([serverOnly], options({ peerTlsRole: 'client' })), 'EDGE_PKI_CERT_PURPOSE', 'eku-clientAuth');
});

test('refuses a tampered certificate (changed subject, changed signature)', () => {
  // Proves signatures are checked: editing the node id inside the DER, or a signature byte, breaks verification.
  const renamed = patchDer(node.certPem, 'node-1', 'node-2');
  assert.ok(new X509Certificate(renamed).subject.includes('CN=node-2'));
  throwsWith(() => verifyPeerChain([renamed], options()), 'EDGE_PKI_CERT_SIGNATURE_INVALID');
  const der = Buffer.from(new X509Certificate(node.certPem).raw);
  der[der.length - 5]! ^= 0x01;
  throwsWith(() => verifyPeerChain([der], options()), 'EDGE_PKI_CERT_SIGNATURE_INVALID');
});

test('refuses a CA certificate presented as a node certificate', () => {
  // Proves a peer cannot present the root (or any CA) itself as its identity.
  throwsWith(() => verifyPeerChain([ca.certPem], options()), 'EDGE_PKI_CERT_PURPOSE', 'ca-as-leaf');
});

test('a node certificate cannot act as an issuer', async () => {
  // Proves intermediates must be CAs: a leaf signed with another valid node's key, presented with that node's certificate, is refused.
  const x509 = await loadX509Library();
  const issuerKeys = await keyPairFromPem(node.keyPem);
  const keys = await generateKeyPair();
  const extensions: Extension[] = [new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'])];
  const forged = await x509.X509CertificateGenerator.create({
    subject: [{ CN: ['node-forged'] }, { OU: ['edge-manager'] }, { O: ['cluster-a'] }],
    issuer: new x509.X509Certificate(new X509Certificate(node.certPem).raw).subjectName,
    notBefore: new Date(PLAUSIBLE_MS - DAY_MS),
    notAfter: new Date(PLAUSIBLE_MS + 10 * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: issuerKeys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions,
  });
  throwsWith(() => verifyPeerChain([forged.toString('pem'), node.certPem], options()), 'EDGE_PKI_CERT_UNTRUSTED', 'unknown-issuer');

  // Even a non-CA certificate that (wrongly) allows keyCertSign is not accepted as an intermediate.
  const signerKeys = await generateKeyPair();
  const signerPem = await craftLeaf(ca, {
    keys: signerKeys,
    subject: [{ CN: ['node-signer'] }, { OU: ['edge-worker'] }, { O: ['cluster-a'] }],
    keyUsages: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign,
  });
  const viaSigner = await x509.X509CertificateGenerator.create({
    subject: [{ CN: ['node-forged'] }, { OU: ['edge-manager'] }, { O: ['cluster-a'] }],
    issuer: new x509.X509Certificate(new X509Certificate(signerPem).raw).subjectName,
    notBefore: new Date(PLAUSIBLE_MS - DAY_MS),
    notAfter: new Date(PLAUSIBLE_MS + 10 * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: signerKeys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions,
  });
  assert.ok(new X509Certificate(viaSigner.toString('pem')).checkIssued(new X509Certificate(signerPem)));
  throwsWith(() => verifyPeerChain([viaSigner.toString('pem'), signerPem], options()), 'EDGE_PKI_CERT_UNTRUSTED', 'issuer-not-ca');
});

test('refuses a certificate of another cluster when a cluster id is required, and a subject that names no node', async () => {
  // Proves the cluster and identity checks: an explicit clusterId must match, and a CA-signed leaf without OU is not a node.
  throwsWith(() => verifyPeerChain([node.certPem], options({ clusterId: 'cluster-b' })), 'EDGE_PKI_CERT_WRONG_CLUSTER');
  const mislabelled = await craftLeaf(ca, { subject: [{ CN: ['node-3'] }, { OU: ['edge-worker'] }, { O: ['cluster-b'] }] });
  throwsWith(() => verifyPeerChain([mislabelled], options()), 'EDGE_PKI_CERT_WRONG_CLUSTER');
  const noRole = await craftLeaf(ca, { subject: [{ CN: ['node-3'] }, { O: ['cluster-a'] }] });
  throwsWith(() => verifyPeerChain([noRole], options()), 'EDGE_PKI_CERT_IDENTITY_INVALID');
  const badRole = await craftLeaf(ca, { subject: [{ CN: ['node-3'] }, { OU: ['edge-admin'] }, { O: ['cluster-a'] }] });
  throwsWith(() => verifyPeerChain([badRole], options()), 'EDGE_PKI_CERT_IDENTITY_INVALID');
});

test('refuses no certificate, too many, and garbage', () => {
  // Proves the bounds and parse errors are typed rather than crashes.
  throwsWith(() => verifyPeerChain([], options()), 'EDGE_PKI_PEER_NO_CERT');
  throwsWith(() => verifyPeerChain(Array(5).fill(node.certPem), options()), 'EDGE_PKI_CHAIN_TOO_LONG');
  throwsWith(() => verifyPeerChain([Buffer.from('not a certificate')], options()), 'EDGE_PKI_CERT_MALFORMED', 'der');
  throwsWith(() => verifyPeerChain(['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'], options()), 'EDGE_PKI_CERT_MALFORMED');
  throwsWith(() => verifyPeerChain([node.certPem + ca.certPem], options()), 'EDGE_PKI_CERT_MALFORMED', 'pem');
  throwsWith(() => verifyPeerChain([Buffer.alloc(20_000)], options()), 'EDGE_PKI_CERT_MALFORMED', 'too-large');
});

test('a trust bundle holds only self-signed CA roots', () => {
  // Proves a node certificate cannot be configured as a trusted root by mistake.
  throwsWith(() => TrustBundle.of([node.certPem]), 'EDGE_PKI_CERT_MALFORMED', 'not-a-root');
  throwsWith(() => TrustBundle.of([]), 'EDGE_PKI_CERT_MALFORMED', 'empty-bundle');
  assert.equal(TrustBundle.fromPem(trust.toPem()).digestsHex, [ca.digestHex]);
});

test.run();
