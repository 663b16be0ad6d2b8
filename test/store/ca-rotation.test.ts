// Root CA rotation in the replicated state: the begin/report/finish commands,
// what every node is told to hold at each step (caDirective), the progress
// the CLI shows, and the refusals that keep the old root until every node has
// moved.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JoinTokenRegistry } from '../../runtime/pki/join-token-registry.js';
import { certificatesFromPem } from '../../runtime/pki/pem.js';
import { beginRootRotation } from '../../runtime/pki/root-rotation.js';
import { TrustBundle } from '../../runtime/pki/trust-bundle.js';
import { applyCommand, type ApplyResult } from '../../runtime/store/apply.js';
import { acceptedTokenDigestsHex, caDirective, rotationProgress, signingCa } from '../../runtime/store/ca-rotation.js';
import type { Command } from '../../runtime/store/commands.js';
import { emptyState, type CaRotationRecord, type ClusterState, type NodeRecord } from '../../runtime/store/state.js';
import { ClusterStore } from '../../runtime/store/store.js';
import { EntryType } from '../../runtime/raft/types.js';
import { encodeCommand } from '../../runtime/store/commands.js';
import { makeCa } from '../pki/helpers.js';

const { ca: oldRoot, clock } = await makeCa('cluster-a');
const rotation = await beginRootRotation(oldRoot, TrustBundle.of([oldRoot.certificate]), clock);
const oldTokens = JoinTokenRegistry.create(oldRoot.digestHex, clock).registry.state();
const nextTokens = JoinTokenRegistry.create(rotation.next.digestHex, clock).registry.state();
const rotationRecord: CaRotationRecord = {
  next: { certPem: rotation.next.certPem, keyPem: await rotation.next.exportKeyPem() },
  nextDigestHex: rotation.next.digestHex,
  previousDigestHex: oldRoot.digestHex,
  crossSignedPem: rotation.crossSignedPem,
  startedAtMs: 1000,
  nextTokens,
};

function node(id: string, hostname: string, role: 'manager' | 'worker'): NodeRecord {
  return {
    id, hostname, role, raftId: 0, addr: '10.0.0.1:4270', labels: {}, availability: 'active', status: 'ready', statusMessage: '', statusChangedAtMs: 1,
    certSerials: ['0a'], tls: { serial: '0a', rootDigestHex: oldRoot.digestHex }, platform: { os: 'linux', arch: 'arm64' }, board: 'pi4b',
    memoryBytes: 4e9, allocatableBytes: 3e9, cores: 4, joinedAtMs: 1,
  };
}

async function clusterOfTwo(): Promise<ClusterState> {
  const state = emptyState();
  must(applyCommand(state, { op: 'cluster.init', clusterId: 'cluster-a', createdAtMs: 1, ca: { certPem: oldRoot.certPem, keyPem: await oldRoot.exportKeyPem() }, tokens: oldTokens, node: node('m1', 'pi-manager', 'manager') }));
  must(applyCommand(state, { op: 'node.add', node: node('w1', 'pi-worker', 'worker') }));
  return state;
}

function must(result: ApplyResult): void {
  assert.ok(result.ok, result.ok ? '' : `${result.code}: ${result.message}`);
}

function refusedWith(result: ApplyResult, code: string): string {
  assert.is(result.ok, false, `expected ${code}`);
  if (result.ok) return '';
  assert.is(result.code, code);
  return result.message;
}

const report = (id: string, rootDigestHex: string, serial = '0b'): Command => ({ op: 'node.tls', id, tls: { serial, rootDigestHex } });
const digestsOf = (pem: string): string[] => TrustBundle.fromPem(pem).digestsHex;

test('without a rotation every node trusts, presents and is signed by the one root', async () => {
  // Proves the steady state the directive describes: nothing to change for a node issued by the current root.
  const state = await clusterOfTwo();
  const directive = caDirective(state);
  assert.equal(digestsOf(directive.trustPem), [oldRoot.digestHex]);
  assert.is(directive.signingRootDigestHex, oldRoot.digestHex);
  assert.equal(digestsOf(directive.chainPem), [oldRoot.digestHex]);
  assert.equal(acceptedTokenDigestsHex(state), [oldRoot.digestHex]);
  assert.is(signingCa(state).certPem, oldRoot.certPem);
  assert.is(rotationProgress(state), undefined);
});

test('begin: both roots trusted, the new one signs, the bridge and old root are presented, tokens of either root accepted', async () => {
  // Proves step 1: what nodes learn when a rotation starts.
  const state = await clusterOfTwo();
  must(applyCommand(state, { op: 'ca.rotation.begin', rotation: rotationRecord }));
  const directive = caDirective(state);
  assert.equal(digestsOf(directive.trustPem), [oldRoot.digestHex, rotation.next.digestHex]);
  assert.is(directive.signingRootDigestHex, rotation.next.digestHex);
  const chain = certificatesFromPem(directive.chainPem);
  assert.is(chain.length, 2);
  assert.is(chain[0]!.issuer, oldRoot.certificate.subject, 'the bridge comes first: new root name and key, signed by the old root');
  assert.is(chain[1]!.fingerprint256, oldRoot.certificate.fingerprint256, 'the old root last, for joiners whose token pins it');
  assert.equal(acceptedTokenDigestsHex(state), [oldRoot.digestHex, rotation.next.digestHex]);
  assert.is(signingCa(state).certPem, rotation.next.certPem);
  assert.is(state.ca.certPem, oldRoot.certPem, 'the old root stays current until the finish');
});

test('begin is refused while a rotation runs, or when prepared against another root', async () => {
  // Proves two concurrent `--rotate` cannot stack, and a stale proposal cannot replace a root it did not see.
  const state = await clusterOfTwo();
  refusedWith(applyCommand(state, { op: 'ca.rotation.begin', rotation: { ...rotationRecord, previousDigestHex: rotation.next.digestHex, nextDigestHex: oldRoot.digestHex } }), 'EDGE_STORE_CA_ROTATION_INVALID');
  refusedWith(applyCommand(state, { op: 'ca.rotation.begin', rotation: { ...rotationRecord, crossSignedPem: '' } }), 'EDGE_STORE_CA_ROTATION_INVALID');
  assert.is(state.caRotation, undefined);
  must(applyCommand(state, { op: 'ca.rotation.begin', rotation: rotationRecord }));
  const message = refusedWith(applyCommand(state, { op: 'ca.rotation.begin', rotation: rotationRecord }), 'EDGE_STORE_CA_ROTATION_RUNNING');
  assert.match(message, 'edgectl swarm ca');
});

test('progress counts nodes reporting a new-root certificate; finish is refused until all do, naming the others', async () => {
  // Proves the old root is never dropped while a node (even a down one) still depends on it.
  const state = await clusterOfTwo();
  must(applyCommand(state, { op: 'ca.rotation.begin', rotation: rotationRecord }));
  let progress = rotationProgress(state)!;
  assert.equal([progress.nodesDone, progress.nodesTotal], [0, 2]);
  assert.equal(progress.pending.map((pending) => pending.hostname), ['pi-manager', 'pi-worker']);

  must(applyCommand(state, report('w1', rotation.next.digestHex)));
  must(applyCommand(state, { op: 'node.status', id: 'm1', status: 'down', message: 'failed gossip probes', atMs: 5 }));
  progress = rotationProgress(state)!;
  assert.equal([progress.nodesDone, progress.nodesTotal], [1, 2]);
  assert.equal(progress.pending, [{ id: 'm1', hostname: 'pi-manager', status: 'down' }]);
  const message = refusedWith(applyCommand(state, { op: 'ca.rotation.finish', nextDigestHex: rotation.next.digestHex }), 'EDGE_STORE_CA_ROTATION_INCOMPLETE');
  assert.match(message, 'pi-manager (down)');
  assert.match(message, 'edgectl node rm');
  assert.is(state.ca.certPem, oldRoot.certPem);

  // A report of the old root (a node restored from a backup) puts it back among the pending.
  must(applyCommand(state, report('w1', oldRoot.digestHex, '0c')));
  assert.is(rotationProgress(state)!.nodesDone, 0);
});

test('finish: the new root becomes the only one, the next tokens take effect', async () => {
  // Proves step 3 and the token change: old pins stop working, the directive trusts only the new root.
  const state = await clusterOfTwo();
  must(applyCommand(state, { op: 'ca.rotation.begin', rotation: rotationRecord }));
  must(applyCommand(state, report('w1', rotation.next.digestHex)));
  must(applyCommand(state, report('m1', rotation.next.digestHex)));
  refusedWith(applyCommand(state, { op: 'ca.rotation.finish', nextDigestHex: oldRoot.digestHex }), 'EDGE_STORE_CA_ROTATION_NONE');
  must(applyCommand(state, { op: 'ca.rotation.finish', nextDigestHex: rotation.next.digestHex }));
  assert.is(state.caRotation, undefined);
  assert.is(state.ca.certPem, rotation.next.certPem);
  assert.equal(state.tokens, nextTokens);
  const directive = caDirective(state);
  assert.equal(digestsOf(directive.trustPem), [rotation.next.digestHex]);
  assert.equal(digestsOf(directive.chainPem), [rotation.next.digestHex]);
  assert.equal(acceptedTokenDigestsHex(state), [rotation.next.digestHex]);
  refusedWith(applyCommand(state, { op: 'ca.rotation.finish', nextDigestHex: rotation.next.digestHex }), 'EDGE_STORE_CA_ROTATION_NONE');
});

test('a removed node no longer blocks the rotation', async () => {
  // Proves the operator's way out for a board that is gone for good: node rm, and the rotation finishes.
  const state = await clusterOfTwo();
  must(applyCommand(state, { op: 'ca.rotation.begin', rotation: rotationRecord }));
  must(applyCommand(state, report('m1', rotation.next.digestHex)));
  must(applyCommand(state, { op: 'node.remove', id: 'w1' }));
  must(applyCommand(state, { op: 'ca.rotation.finish', nextDigestHex: rotation.next.digestHex }));
  assert.is(state.ca.certPem, rotation.next.certPem);
});

test('certificate reports are checked: unknown node, malformed serial or digest', async () => {
  // Proves a report from the wire cannot write junk into the state.
  const state = await clusterOfTwo();
  refusedWith(applyCommand(state, report('nobody', rotation.next.digestHex)), 'EDGE_STORE_NODE_UNKNOWN');
  refusedWith(applyCommand(state, report('w1', 'not-a-digest')), 'EDGE_STORE_CERT_REPORT_INVALID');
  refusedWith(applyCommand(state, report('w1', rotation.next.digestHex, 'ZZ')), 'EDGE_STORE_CERT_REPORT_INVALID');
  refusedWith(applyCommand(state, report('w1', rotation.next.digestHex, 'a'.repeat(41))), 'EDGE_STORE_CERT_REPORT_INVALID');
  assert.equal(state.nodes.w1!.tls, { serial: '0a', rootDigestHex: oldRoot.digestHex });
});

test('a rotation in progress survives a snapshot: a new leader restored from it carries on', async () => {
  // Proves the rotation lives in the replicated state, not in the memory of the manager that started it.
  const store = new ClusterStore();
  const commands: Command[] = [
    { op: 'cluster.init', clusterId: 'cluster-a', createdAtMs: 1, ca: { certPem: oldRoot.certPem, keyPem: await oldRoot.exportKeyPem() }, tokens: oldTokens, node: node('m1', 'pi-manager', 'manager') },
    { op: 'ca.rotation.begin', rotation: rotationRecord },
    report('m1', rotation.next.digestHex),
  ];
  commands.forEach((command, offset) => store.apply({ index: offset + 1, term: 1, type: EntryType.Normal, data: encodeCommand(command) }));
  const restored = new ClusterStore();
  restored.restore(store.snapshot(), 3);
  assert.equal(restored.state.caRotation, store.state.caRotation);
  assert.equal(rotationProgress(restored.state)!.pending, []);
  const finished = restored.apply({ index: 4, term: 2, type: EntryType.Normal, data: encodeCommand({ op: 'ca.rotation.finish', nextDigestHex: rotation.next.digestHex }) });
  assert.ok(finished?.ok);
  assert.is(restored.state.ca.certPem, rotation.next.certPem);
});

test.run();
