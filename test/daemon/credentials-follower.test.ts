// A node's side of a root rotation, with real certificates: the step each
// node takes at each stage (keep, renew, replace), and the trust decisions
// between nodes at different stages: a node that has not heard of the
// rotation yet, one that moved, a joiner holding the old token, and a node
// restored with its pre-rotation credentials after the end.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JoinTokenRegistry } from '../../runtime/pki/join-token-registry.js';
import { formatJoinToken, trustFromJoinToken } from '../../runtime/pki/join-token.js';
import type { NodeCredentials } from '../../runtime/pki/credentials-store.js';
import { certificatesFromPem } from '../../runtime/pki/pem.js';
import { verifyPeerChain } from '../../runtime/pki/peer-verifier.js';
import { beginRootRotation } from '../../runtime/pki/root-rotation.js';
import { TrustBundle } from '../../runtime/pki/trust-bundle.js';
import { applyCommand } from '../../runtime/store/apply.js';
import { caDirective } from '../../runtime/store/ca-rotation.js';
import { emptyState, type ClusterState } from '../../runtime/store/state.js';
import type { CertificateAuthority } from '../../runtime/pki/certificate-authority.js';
import { certificateReport, credentialsFromAnswer, nextCredentialsStep } from '../../runtime/daemon/credentials-follower.js';
import { DAY_MS, PLAUSIBLE_MS, issueNode, makeCa, throwsWith, timeAt } from '../pki/helpers.js';

const { ca: oldRoot, clock } = await makeCa('cluster-a');
const rotation = await beginRootRotation(oldRoot, TrustBundle.of([oldRoot.certificate]), clock);
const tokens = JoinTokenRegistry.create(oldRoot.digestHex, clock);

function nodeRecord(id: string) {
  return {
    id, hostname: id, role: 'worker' as const, raftId: 0, addr: '10.0.0.1:4270', labels: {}, availability: 'active' as const, status: 'ready' as const,
    statusMessage: '', statusChangedAtMs: 1, certSerials: [], platform: { os: 'linux', arch: 'arm64' }, board: 'pi4b', memoryBytes: 1, allocatableBytes: 1, cores: 1, joinedAtMs: 1,
  };
}

const state: ClusterState = emptyState();
applyCommand(state, { op: 'cluster.init', clusterId: 'cluster-a', createdAtMs: 1, ca: { certPem: oldRoot.certPem, keyPem: await oldRoot.exportKeyPem() }, tokens: tokens.registry.state(), node: nodeRecord('a') });
const before = caDirective(state);
applyCommand(state, {
  op: 'ca.rotation.begin',
  rotation: {
    next: { certPem: rotation.next.certPem, keyPem: await rotation.next.exportKeyPem() },
    nextDigestHex: rotation.next.digestHex,
    previousDigestHex: oldRoot.digestHex,
    crossSignedPem: rotation.crossSignedPem,
    startedAtMs: 1,
    nextTokens: tokens.registry.state(),
  },
});
const during = caDirective(state);
applyCommand(state, { op: 'node.tls', id: 'a', tls: { serial: '0a', rootDigestHex: rotation.next.digestHex } });
applyCommand(state, { op: 'ca.rotation.finish', nextDigestHex: rotation.next.digestHex });
const after = caDirective(state);

/** A node issued by `ca`, holding what the directive in force told it. */
async function nodeIssuedBy(ca: CertificateAuthority, directive: typeof before, nodeId: string): Promise<NodeCredentials> {
  const issued = await issueNode(ca, { nodeId });
  return credentialsFromAnswer(issued.keyPem, { certPem: issued.certPem, caPem: directive.trustPem, chainPem: directive.chainPem });
}

function accepts(verifier: NodeCredentials, peer: NodeCredentials): string {
  const trust = TrustBundle.fromPem(verifier.caBundlePem);
  return verifyPeerChain(certificatesFromPem(peer.certPem), { trust, time: timeAt(PLAUSIBLE_MS + DAY_MS).time, peerTlsRole: 'client' }).nodeId;
}

const laggard = await nodeIssuedBy(oldRoot, before, 'laggard');
const moved = await nodeIssuedBy(rotation.next, during, 'moved');

test('each stage calls for one step: keep, renew onto the signing root, or replace bundle and chain', () => {
  // Proves the decision table of credentials-follower.ts.
  assert.is(nextCredentialsStep(laggard, before).kind, 'keep');
  const renew = nextCredentialsStep(laggard, during);
  assert.is(renew.kind, 'renew');
  assert.is(nextCredentialsStep(moved, during).kind, 'keep');
  const replace = nextCredentialsStep(moved, after);
  assert.is(replace.kind, 'replace');
  if (replace.kind !== 'replace') return;
  assert.is(replace.credentials.keyPem, moved.keyPem, 'same key');
  assert.is(certificatesFromPem(replace.credentials.certPem)[0]!.serialNumber, certificatesFromPem(moved.certPem)[0]!.serialNumber, 'same certificate');
  assert.equal(TrustBundle.fromPem(replace.credentials.caBundlePem).digestsHex, [rotation.next.digestHex]);
  assert.is(nextCredentialsStep(replace.credentials, after).kind, 'keep', 'one replacement, then nothing');
  // A leaf from a root the cluster no longer trusts at all: renewing is the only way (it will be refused; re-join).
  assert.is(nextCredentialsStep(laggard, after).kind, 'renew');
});

test('a stale directive (a manager replaying its log, or behind) is not followed backwards', () => {
  // Proves roots only move forward on a node: an older signing root, or a root already dropped, changes nothing.
  const step = nextCredentialsStep(moved, after);
  if (step.kind !== 'replace') throw new Error('expected a replacement');
  const finished = step.credentials;
  assert.is(nextCredentialsStep(finished, before).kind, 'keep', 'a directive from before the rotation: no renewal onto the old root');
  assert.is(nextCredentialsStep(finished, during).kind, 'keep', 'a directive from during the rotation: the old root is not trusted again');
  assert.is(nextCredentialsStep(moved, before).kind, 'keep');
});

test('PEM formatting alone is never a change (a change is an SD card write)', () => {
  // Proves the comparison is by certificate content, not text.
  const reformatted: NodeCredentials = { ...moved, certPem: moved.certPem.replace(/\n/g, '\r\n').trimEnd(), caBundlePem: `\n${moved.caBundlePem}\n\n` };
  assert.is(nextCredentialsStep(reformatted, during).kind, 'keep');
});

test('certificate reports name the root that signed the certificate, from the node’s own bundle', () => {
  // Proves what a node tells the cluster: the rotation counts it moved only with a new-root certificate.
  assert.equal(certificateReport(laggard), { serial: certificatesFromPem(laggard.certPem)[0]!.serialNumber.toLowerCase(), rootDigestHex: oldRoot.digestHex });
  assert.is(certificateReport(moved)?.rootDigestHex, rotation.next.digestHex);
});

test('during the rotation a moved node and a laggard accept each other both ways', () => {
  // Proves "links keep working": the laggard trusts only the old root and reaches the new leaf through the bridge.
  assert.is(accepts(laggard, moved), 'moved');
  assert.is(accepts(moved, laggard), 'laggard');
});

test('a joiner holding the old token verifies a moved manager (the old root ends its chain)', () => {
  // Proves joins keep working during a rotation: the joiner pins the last certificate of the chain to its token.
  const chain = certificatesFromPem(moved.certPem);
  const token = formatJoinToken({ caDigestHex: oldRoot.digestHex, secret: 'a'.repeat(32) });
  const trust = trustFromJoinToken(chain[chain.length - 1]!, token, '10.0.0.1:4270');
  assert.is(verifyPeerChain(chain, { trust, time: timeAt(PLAUSIBLE_MS + DAY_MS).time, peerTlsRole: 'server' }).nodeId, 'moved');
});

test('after the rotation the old credentials are refused, moved nodes still accept each other', () => {
  // Proves a node put back on its pre-rotation credentials cannot connect.
  const step = nextCredentialsStep(moved, after);
  assert.is(step.kind, 'replace');
  if (step.kind !== 'replace') return;
  const finished = step.credentials;
  assert.is(accepts(finished, finished), 'moved');
  assert.is(accepts(finished, moved), 'moved', 'a node that has not dropped the bridge yet is still accepted');
  throwsWith(() => accepts(finished, laggard), 'EDGE_PKI_CERT_UNTRUSTED');
});

test.run();
