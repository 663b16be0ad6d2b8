// Root CA rotation as the replicated state sees it. The store holds the
// whole sequence, so whichever manager leads can carry it on:
//
//   ca.rotation.begin   the new root, its cross-signed copy and the next join
//                       tokens are recorded; from then on certificates are
//                       signed by the new root and every node trusts both.
//   node.tls            each node reports the certificate it holds once it
//                       has saved it (the dispatcher session for workers, a
//                       direct write for managers).
//   ca.rotation.finish  the leader proposes it when every node reports a
//                       new-root certificate; applying it checks that again,
//                       so a stale proposal cannot drop the old root early.
//
// caDirective() is what every node should hold at a given state; it is the
// one place that decides trust bundle, signer and chain.
import { certificateSha256Hex } from '../pki/pem.js';
import type { ApplyResult } from './apply.js';
import type { Command } from './commands.js';
import type { ClusterState, NodeRecord, NodeStatus } from './state.js';

const digestPattern = /^[0-9a-f]{64}$/;
/** Our serials are 16 random bytes; 20 bytes is RFC 5280's maximum. */
const serialPattern = /^[0-9a-f]{1,40}$/;

const ok = (value?: unknown): ApplyResult => ({ ok: true, value });
const refused = (code: string, message: string): ApplyResult => ({ ok: false, code, message });

/** What every node should hold while the state is what it is. */
export interface CaDirective {
  /** Roots to trust, PEM: the current root, plus the next one during a rotation. */
  trustPem: string;
  /** The root that signs certificates now. A node whose certificate comes from another root renews. */
  signingRootDigestHex: string;
  /** What a node whose certificate comes from the signing root presents after it: the root, or during a rotation the cross-signed bridge and the old root. */
  chainPem: string;
}

export interface PendingNode {
  id: string;
  hostname: string;
  status: NodeStatus;
}

export interface RotationProgress {
  nextDigestHex: string;
  previousDigestHex: string;
  startedAtMs: number;
  nodesTotal: number;
  /** Nodes that report a certificate from the new root. */
  nodesDone: number;
  /** The others, in hostname order: down ones block completion until they return or are removed. */
  pending: PendingNode[];
}

let digestCache: { pem: string; digestHex: string } | undefined;

/** SHA-256 of the current root, hex; computed once per root (states change far more often than roots). */
export function rootDigestHex(state: Readonly<ClusterState>): string {
  if (digestCache?.pem !== state.ca.certPem) digestCache = { pem: state.ca.certPem, digestHex: certificateSha256Hex(state.ca.certPem) };
  return digestCache.digestHex;
}

function pemBlock(pem: string): string {
  return `${pem.trimEnd()}\n`;
}

export function caDirective(state: Readonly<ClusterState>): CaDirective {
  const rotation = state.caRotation;
  if (!rotation) {
    return { trustPem: pemBlock(state.ca.certPem), signingRootDigestHex: rootDigestHex(state), chainPem: pemBlock(state.ca.certPem) };
  }
  return {
    trustPem: pemBlock(state.ca.certPem) + pemBlock(rotation.next.certPem),
    signingRootDigestHex: rotation.nextDigestHex,
    // The old root goes last: a joiner holding a token that pins it reads the root at the end of the chain.
    chainPem: pemBlock(rotation.crossSignedPem) + pemBlock(state.ca.certPem),
  };
}

/** The signing root and key: the next root during a rotation. */
export function signingCa(state: Readonly<ClusterState>): { certPem: string; keyPem: string } {
  return state.caRotation?.next ?? state.ca;
}

/** Digests of the roots a join token may pin now: both during a rotation (the old tokens stay valid until it ends). */
export function acceptedTokenDigestsHex(state: Readonly<ClusterState>): string[] {
  return state.caRotation ? [rootDigestHex(state), state.caRotation.nextDigestHex] : [rootDigestHex(state)];
}

function hasNewRoot(node: NodeRecord, nextDigestHex: string): boolean {
  return node.tls?.rootDigestHex === nextDigestHex;
}

export function rotationProgress(state: Readonly<ClusterState>): RotationProgress | undefined {
  const rotation = state.caRotation;
  if (!rotation) return undefined;
  const nodes = Object.values(state.nodes);
  const pending = nodes
    .filter((node) => !hasNewRoot(node, rotation.nextDigestHex))
    .map((node) => ({ id: node.id, hostname: node.hostname, status: node.status }))
    .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));
  return {
    nextDigestHex: rotation.nextDigestHex,
    previousDigestHex: rotation.previousDigestHex,
    startedAtMs: rotation.startedAtMs,
    nodesTotal: nodes.length,
    nodesDone: nodes.length - pending.length,
    pending,
  };
}

export function applyCertificateReport(state: ClusterState, command: Extract<Command, { op: 'node.tls' }>): ApplyResult {
  const node = state.nodes[command.id];
  if (!node) return refused('EDGE_STORE_NODE_UNKNOWN', `no node ${command.id}`);
  const { serial, rootDigestHex: root } = command.tls ?? {};
  if (typeof serial !== 'string' || !serialPattern.test(serial) || typeof root !== 'string' || !digestPattern.test(root)) {
    return refused('EDGE_STORE_CERT_REPORT_INVALID', `node ${command.id} reported its certificate as serial ${JSON.stringify(serial)}, root ${JSON.stringify(root)}: expected lowercase hex (a serial of at most 40 digits, a SHA-256 digest of 64)`);
  }
  node.tls = { serial, rootDigestHex: root };
  return ok();
}

export function beginCaRotation(state: ClusterState, command: Extract<Command, { op: 'ca.rotation.begin' }>): ApplyResult {
  if (state.caRotation) {
    return refused('EDGE_STORE_CA_ROTATION_RUNNING', `a root CA rotation to sha256:${state.caRotation.nextDigestHex.slice(0, 12)}… is already running: wait for it (edgectl swarm ca) before starting another`);
  }
  const rotation = command.rotation;
  const shapeOk =
    typeof rotation?.next?.certPem === 'string' && rotation.next.certPem !== '' && typeof rotation.next.keyPem === 'string' && rotation.next.keyPem !== '' &&
    typeof rotation.crossSignedPem === 'string' && rotation.crossSignedPem !== '' &&
    digestPattern.test(rotation.nextDigestHex ?? '') && rotation.nextDigestHex !== rotation.previousDigestHex &&
    typeof rotation.nextTokens?.worker?.secretSha256Hex === 'string' && typeof rotation.nextTokens?.manager?.secretSha256Hex === 'string';
  if (!shapeOk) return refused('EDGE_STORE_CA_ROTATION_INVALID', 'the root CA rotation lacks its new root, key, bridge certificate or next tokens: check the managers run the same version');
  if (rotation.previousDigestHex !== rootDigestHex(state)) {
    return refused('EDGE_STORE_CA_ROTATION_INVALID', 'the rotation was prepared against a root that is no longer current (another rotation finished meanwhile): start it again');
  }
  state.caRotation = {
    next: { certPem: rotation.next.certPem, keyPem: rotation.next.keyPem },
    nextDigestHex: rotation.nextDigestHex,
    previousDigestHex: rotation.previousDigestHex,
    crossSignedPem: rotation.crossSignedPem,
    startedAtMs: rotation.startedAtMs,
    nextTokens: { worker: { ...rotation.nextTokens.worker }, manager: { ...rotation.nextTokens.manager } },
  };
  return ok();
}

/** How many pending nodes a refusal names; the CLI shows the full list from rotationProgress. */
const pendingNamedMax = 5;

export function finishCaRotation(state: ClusterState, command: Extract<Command, { op: 'ca.rotation.finish' }>): ApplyResult {
  const rotation = state.caRotation;
  if (!rotation || rotation.nextDigestHex !== command.nextDigestHex) {
    return refused('EDGE_STORE_CA_ROTATION_NONE', `no root CA rotation to sha256:${String(command.nextDigestHex).slice(0, 12)}… is running; nothing to finish`);
  }
  const progress = rotationProgress(state)!;
  if (progress.pending.length > 0) {
    const named = progress.pending.slice(0, pendingNamedMax).map((node) => `${node.hostname} (${node.status})`).join(', ');
    return refused('EDGE_STORE_CA_ROTATION_INCOMPLETE', `${progress.pending.length} node(s) have no certificate from the new root yet: ${named}; bring them back or remove them (edgectl node rm)`);
  }
  state.ca = { certPem: rotation.next.certPem, keyPem: rotation.next.keyPem };
  state.tokens = rotation.nextTokens;
  delete state.caRotation;
  return ok();
}
