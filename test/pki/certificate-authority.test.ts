import { X509Certificate, createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../runtime/common/clock.js';
import { CertificateAuthority } from '../../runtime/pki/certificate-authority.js';
import { createNodeKeyAndRequest, readCertificateRequest } from '../../runtime/pki/certificate-request.js';
import { generateKeyPair } from '../../runtime/pki/key-pair.js';
import { identityFromCertificate } from '../../runtime/pki/peer-identity.js';
import { NODE_CERT_VALIDITY_MS_DEFAULT, NOT_BEFORE_BACKDATE_MS, SIGNING_ALGORITHM } from '../../runtime/pki/policy.js';
import { loadX509Library } from '../../runtime/pki/x509-library.js';
import { DAY_MS, PLAUSIBLE_MS, issueNode, makeCa, rejectsWith, timeAt } from './helpers.js';

test('a new root CA is a self-signed P-256 CA certificate naming the cluster', async () => {
  // Proves: the root is a CA, self-signed, ECDSA P-256, O = cluster id, dated from the injected clock, and digestHex is SHA-256 of its DER.
  const { ca } = await makeCa('cluster-a');
  const root = ca.certificate;
  assert.ok(root.ca);
  assert.ok(root.checkIssued(root));
  assert.ok(root.verify(root.publicKey));
  assert.is(root.publicKey.asymmetricKeyType, 'ec');
  assert.is(root.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.ok(root.subject.split('\n').includes('O=cluster-a'));
  assert.ok(root.subject.split('\n').includes('CN=edgectl root CA g1'));
  assert.is(Date.parse(root.validFrom), PLAUSIBLE_MS - NOT_BEFORE_BACKDATE_MS);
  assert.ok(Date.parse(root.validTo) > PLAUSIBLE_MS + 19 * 365 * DAY_MS);
  assert.is(ca.digestHex, createHash('sha256').update(root.raw).digest('hex'));
  assert.is(ca.clusterId, 'cluster-a');
  assert.is(ca.generation, 1);
});

test('a node certificate has the CA-chosen CN/OU/O, the CSR SAN, both EKUs, a P-256 key and 90 days', async () => {
  // Proves every field the issue lists: identity from the manager, addresses from the CSR, EKU, key type, default validity.
  const { ca } = await makeCa('cluster-a');
  const { certPem, keyPem } = await issueNode(ca, { nodeId: 'node-42', role: 'worker', hostname: 'pi-kitchen', addresses: ['10.0.0.7', 'fd00::7'] });
  const leaf = new X509Certificate(certPem);
  assert.equal(leaf.subject.split('\n').sort(), ['CN=node-42', 'O=cluster-a', 'OU=edge-worker']);
  assert.equal(leaf.subjectAltName?.split(', ').sort(), ['DNS:pi-kitchen', 'IP Address:10.0.0.7', 'IP Address:FD00:0:0:0:0:0:0:7']);
  assert.equal([...(leaf.keyUsage ?? [])].sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.is(leaf.ca, false);
  assert.is(leaf.publicKey.asymmetricKeyType, 'ec');
  assert.is(leaf.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.is(Date.parse(leaf.validFrom), PLAUSIBLE_MS - NOT_BEFORE_BACKDATE_MS);
  assert.is(Date.parse(leaf.validTo), PLAUSIBLE_MS + NODE_CERT_VALIDITY_MS_DEFAULT);
  assert.is(NODE_CERT_VALIDITY_MS_DEFAULT, 90 * DAY_MS);
  assert.ok(leaf.checkIssued(ca.certificate));
  assert.ok(leaf.verify(ca.certificate.publicKey));
  const { createPrivateKey } = await import('node:crypto');
  assert.ok(leaf.checkPrivateKey(createPrivateKey(keyPem)));
  const identity = identityFromCertificate(certPem);
  assert.equal(
    { nodeId: identity.nodeId, role: identity.role, clusterId: identity.clusterId, serial: identity.serial },
    { nodeId: 'node-42', role: 'worker', clusterId: 'cluster-a', serial: leaf.serialNumber.toLowerCase() },
  );
  assert.is(identity.fingerprint, `sha256:${createHash('sha256').update(leaf.raw).digest('hex')}`);
  assert.is(identity.notAfterMs - identity.notBeforeMs, NODE_CERT_VALIDITY_MS_DEFAULT + NOT_BEFORE_BACKDATE_MS);
});

test('the role and identity come from the CA, not from what the CSR claims', async () => {
  // Proves: a CSR whose subject claims to be a manager of another cluster still yields the role and ids the manager passed.
  const { ca } = await makeCa('cluster-a');
  const x509 = await loadX509Library();
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: ['node-evil'] }, { OU: ['edge-manager'] }, { O: ['cluster-b'] }],
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
  });
  const certPem = await ca.issueNodeCertificate({ csrPem: csr.toString('pem'), nodeId: 'node-7', role: 'worker' });
  const identity = identityFromCertificate(certPem);
  assert.equal([identity.nodeId, identity.role, identity.clusterId], ['node-7', 'worker', 'cluster-a']);
  const manager = identityFromCertificate(await ca.issueNodeCertificate({ csrPem: csr.toString('pem'), nodeId: 'node-8', role: 'manager' }));
  assert.is(manager.role, 'manager');
  assert.ok(new X509Certificate(await ca.issueNodeCertificate({ csrPem: csr.toString('pem'), nodeId: 'node-8', role: 'manager' })).subject.includes('OU=edge-manager'));
});

test('the CA refuses a tampered CSR, a non-P-256 key, and a bad node id', async () => {
  // Proves proof-of-possession is checked and input the certificate could not carry is refused with typed errors.
  const { ca } = await makeCa();
  const { csrPem } = await createNodeKeyAndRequest({ hostname: 'pi-a', addresses: ['10.0.0.1'] });
  const x509 = await loadX509Library();
  const der = Buffer.from(new x509.Pkcs10CertificateRequest(csrPem).rawData);
  const at = der.indexOf(Buffer.from('pi-a'));
  der.write('pi-b', at, 'ascii');
  const tampered = new x509.Pkcs10CertificateRequest(der).toString('pem');
  await rejectsWith(ca.issueNodeCertificate({ csrPem: tampered, nodeId: 'node-1', role: 'worker' }), 'EDGE_PKI_CSR_INVALID', 'signature');

  const { webcrypto } = await import('node:crypto');
  const rsaAlgorithm = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  const rsaKeys = await webcrypto.subtle.generateKey(rsaAlgorithm, true, ['sign', 'verify']);
  const rsaCsr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=rsa', keys: rsaKeys, signingAlgorithm: rsaAlgorithm });
  await rejectsWith(ca.issueNodeCertificate({ csrPem: rsaCsr.toString('pem'), nodeId: 'node-1', role: 'worker' }), 'EDGE_PKI_CSR_INVALID', 'key-type');

  await rejectsWith(ca.issueNodeCertificate({ csrPem, nodeId: 'node 1\nOU=edge-manager', role: 'worker' }), 'EDGE_PKI_NAME_INVALID', 'node-id');
  await rejectsWith(ca.issueNodeCertificate({ csrPem: 'not a csr', nodeId: 'node-1', role: 'worker' }), 'EDGE_PKI_CSR_INVALID', 'parse');
  const parsed = await readCertificateRequest(csrPem);
  assert.equal([parsed.dnsNames, parsed.ipAddresses], [['pi-a'], ['10.0.0.1']]);
});

test('a joiner cannot put invalid names in its CSR', async () => {
  // Proves SAN validation on both sides: the joiner's helper refuses bad input, and so does the CA reading a hand-made CSR.
  await rejectsWith(createNodeKeyAndRequest({ hostname: 'bad_host!' }), 'EDGE_PKI_CSR_INVALID', 'san-dns');
  await rejectsWith(createNodeKeyAndRequest({ addresses: ['10.0.0.300'] }), 'EDGE_PKI_CSR_INVALID', 'san-ip');
  const x509 = await loadX509Library();
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=x',
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'email', value: 'a@b.c' }])],
  });
  const { ca } = await makeCa();
  await rejectsWith(ca.issueNodeCertificate({ csrPem: csr.toString('pem'), nodeId: 'node-1', role: 'worker' }), 'EDGE_PKI_CSR_INVALID', 'san-type');
});

test('a CA whose clock reads 1970 refuses to create or issue', async () => {
  // Proves a manager with an unset clock cannot mint certificates that would be expired everywhere else; cluster time is enough.
  await rejectsWith(CertificateAuthority.create({ clusterId: 'c', clock: new ManualClock(0) }), 'EDGE_PKI_CLOCK_IMPLAUSIBLE');
  const { ca, clock } = await makeCa();
  const { csrPem } = await createNodeKeyAndRequest({ hostname: 'pi-a' });
  clock.setWall(1000);
  await rejectsWith(ca.issueNodeCertificate({ csrPem, nodeId: 'node-1', role: 'worker' }), 'EDGE_PKI_CLOCK_IMPLAUSIBLE');
  const unset = timeAt(0).time;
  await rejectsWith(CertificateAuthority.create({ clusterId: 'c', clock: unset }), 'EDGE_PKI_CLOCK_IMPLAUSIBLE');
  unset.learnClusterTime(PLAUSIBLE_MS);
  const dated = await CertificateAuthority.create({ clusterId: 'c', clock: unset });
  assert.is(Date.parse(dated.certificate.validFrom), PLAUSIBLE_MS - NOT_BEFORE_BACKDATE_MS);
});

test('a saved CA reloads and keeps issuing; a foreign key is refused', async () => {
  // Proves the CA survives a restart via certPem + exportKeyPem, and fromPem checks the key belongs to the certificate.
  const { ca, clock } = await makeCa('cluster-a');
  const reloaded = await CertificateAuthority.fromPem({ certPem: ca.certPem, keyPem: await ca.exportKeyPem() }, clock);
  assert.is(reloaded.digestHex, ca.digestHex);
  const { certPem } = await issueNode(reloaded);
  assert.ok(new X509Certificate(certPem).verify(ca.certificate.publicKey));
  const { ca: other } = await makeCa('cluster-a');
  await rejectsWith(CertificateAuthority.fromPem({ certPem: ca.certPem, keyPem: await other.exportKeyPem() }, clock), 'EDGE_PKI_CREDENTIALS_CORRUPT', 'ca-key-mismatch');
});

test('a node certificate never outlives its root', async () => {
  // Proves the leaf notAfter is capped at the root's notAfter.
  const clock = new ManualClock(PLAUSIBLE_MS);
  const ca = await CertificateAuthority.create({ clusterId: 'short', clock, validityMs: 30 * DAY_MS });
  const { certPem } = await issueNode(ca);
  assert.is(Date.parse(new X509Certificate(certPem).validTo), Date.parse(ca.certificate.validTo));
});

test.run();
