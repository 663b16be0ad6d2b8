import { X509Certificate } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JoinTokenRegistry } from '../../runtime/pki/join-token-registry.js';
import { certificatesFromPem } from '../../runtime/pki/pem.js';
import { verifyPeerChain } from '../../runtime/pki/peer-verifier.js';
import { beginRootRotation, chainToPresent, finishRootRotation } from '../../runtime/pki/root-rotation.js';
import { TrustBundle } from '../../runtime/pki/trust-bundle.js';
import { DAY_MS, PLAUSIBLE_MS, issueNode, makeCa, throwsWith, timeAt } from './helpers.js';

const { ca: oldRoot, clock } = await makeCa('cluster-a');
const trustBefore = TrustBundle.of([oldRoot.certificate]);
const nodeOnOldRoot = await issueNode(oldRoot, { nodeId: 'node-old' });
clock.advance(DAY_MS);
const rotation = await beginRootRotation(oldRoot, trustBefore, clock);
const nodeOnNewRoot = await issueNode(rotation.next, { nodeId: 'node-new' });
const trustAfter = finishRootRotation(rotation.trustDuringRotation, oldRoot.digestHex);

function verifies(chainPem: string, trust: TrustBundle): string {
  const chain = certificatesFromPem(chainPem);
  return verifyPeerChain(chain, { trust, time: timeAt(PLAUSIBLE_MS + 2 * DAY_MS).time, peerTlsRole: 'client' }).nodeId;
}

test('the new root is the next generation of the same cluster, cross-signed by the old one', () => {
  // Proves the shape of the bridge: same subject and key as the new root, issued and signed by the old root, a CA.
  assert.is(rotation.next.clusterId, 'cluster-a');
  assert.is(rotation.next.generation, 2);
  assert.is.not(rotation.next.digestHex, oldRoot.digestHex);
  const cross = new X509Certificate(rotation.crossSignedPem);
  assert.ok(cross.ca);
  assert.is(cross.subject, rotation.next.certificate.subject);
  assert.is(cross.issuer, oldRoot.certificate.subject);
  assert.ok(cross.publicKey.equals(rotation.next.certificate.publicKey));
  assert.ok(cross.verify(oldRoot.certificate.publicKey));
  assert.equal(rotation.trustDuringRotation.digestsHex, [oldRoot.digestHex, rotation.next.digestHex]);
  assert.equal(trustAfter.digestsHex, [rotation.next.digestHex]);
});

test('during rotation a leaf of either root is accepted by a node trusting both', () => {
  // Proves step 1: with the two-root bundle, old leaves and new leaves (with or without the bridge) all verify.
  assert.is(verifies(nodeOnOldRoot.certPem, rotation.trustDuringRotation), 'node-old');
  assert.is(verifies(nodeOnNewRoot.certPem, rotation.trustDuringRotation), 'node-new');
  assert.is(verifies(chainToPresent(nodeOnNewRoot.certPem, rotation), rotation.trustDuringRotation), 'node-new');
});

test('a node still trusting only the old root accepts a new leaf through the cross-signed certificate', () => {
  // Proves no downtime for lagging nodes: the bridge is what makes it work (without it the same leaf is refused).
  assert.is(verifies(chainToPresent(nodeOnNewRoot.certPem, rotation), trustBefore), 'node-new');
  throwsWith(() => verifies(nodeOnNewRoot.certPem, trustBefore), 'EDGE_PKI_CERT_UNTRUSTED');
});

test('after the old root is dropped, its leaves are refused and new leaves still pass', () => {
  // Proves step 3: the old root stops being trusted, the new one carries on (bridge presented or not).
  throwsWith(() => verifies(nodeOnOldRoot.certPem, trustAfter), 'EDGE_PKI_CERT_UNTRUSTED');
  throwsWith(() => verifies(`${nodeOnOldRoot.certPem}${oldRoot.certPem}`, trustAfter), 'EDGE_PKI_CERT_UNTRUSTED');
  assert.is(verifies(nodeOnNewRoot.certPem, trustAfter), 'node-new');
  assert.is(verifies(chainToPresent(nodeOnNewRoot.certPem, rotation), trustAfter), 'node-new');
});

test('join tokens follow the rotation: either pin during it, the new pin after re-issue', () => {
  // Proves the manager side of a rotation: accepting both digests, then rotating tokens to pin the new root.
  const { registry, tokens } = JoinTokenRegistry.create(oldRoot.digestHex, clock);
  assert.is(registry.roleForToken(tokens.worker, rotation.trustDuringRotation.digestsHex), 'worker');
  throwsWith(() => registry.roleForToken(tokens.worker, trustAfter.digestsHex), 'EDGE_PKI_TOKEN_WRONG_CA');
  const fresh = registry.rotate('worker', rotation.next.digestHex, clock);
  assert.is(registry.roleForToken(fresh, trustAfter.digestsHex), 'worker');
});

test('a bundle cannot be emptied, and dropping an unknown root is an error', () => {
  // Proves the guard rails on finishRootRotation: a cluster never ends up trusting nothing.
  throwsWith(() => finishRootRotation(trustAfter, rotation.next.digestHex), 'EDGE_PKI_CERT_MALFORMED', 'empty-bundle');
  throwsWith(() => finishRootRotation(trustAfter, oldRoot.digestHex), 'EDGE_PKI_CERT_UNTRUSTED', 'unknown-root');
});

test('issuerOf names the root that signed a leaf, by signature, not by name alone', async () => {
  // Proves how a node tells whether it has moved to the new root: a root of another cluster with the same name does not count.
  assert.is(rotation.trustDuringRotation.issuerOf(nodeOnOldRoot.certPem)?.digestHex, oldRoot.digestHex);
  assert.is(rotation.trustDuringRotation.issuerOf(nodeOnNewRoot.certPem)?.digestHex, rotation.next.digestHex);
  assert.is(trustAfter.issuerOf(nodeOnOldRoot.certPem), undefined);
  const { ca: lookalike } = await makeCa('cluster-a');
  assert.is(lookalike.certificate.subject, oldRoot.certificate.subject);
  assert.is(TrustBundle.of([lookalike.certificate]).issuerOf(nodeOnOldRoot.certPem), undefined);
});

test.run();
