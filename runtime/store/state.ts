// The replicated cluster state: what every manager holds identically because
// it is built only by applying committed Raft entries in order. Plain data
// (no classes, no Maps) so a snapshot is one CBOR encoding of it.
import type { JoinTokenRegistryState } from '../pki/join-token-registry.js';
import type { ServiceRecord, TaskRecord } from './services.js';

export type NodeRoleName = 'manager' | 'worker';
export type Availability = 'active' | 'pause' | 'drain';
/** `ready`: gossip sees it alive; `down`: declared dead; `unknown`: not heard of since a manager restarted or it joined. */
export type NodeStatus = 'ready' | 'down' | 'unknown';

export interface NodeRecord {
  /** Stable id chosen by the manager at join; the certificate's CN. Never reused. */
  id: string;
  hostname: string;
  role: NodeRoleName;
  /** Raft member id of a manager (0 for a worker). Never reused. */
  raftId: number;
  /** host:port other nodes dial. */
  addr: string;
  labels: Record<string, string>;
  availability: Availability;
  status: NodeStatus;
  /** Why the status is what it is, for `node inspect`. */
  statusMessage: string;
  statusChangedAtMs: number;
  /** Serials of certificates issued to this node, newest last (bounded). */
  certSerials: string[];
  platform: { os: string; arch: string };
  /** Board profile id, memory and cores as the node reported them at join. */
  board: string;
  memoryBytes: number;
  /** What the scheduler may reserve for tasks: board memory − OS reserve − agent budget. */
  allocatableBytes: number;
  cores: number;
  joinedAtMs: number;
  /**
   * The certificate this node last said it holds and presents (after saving
   * it), and the root that issued it. Absent until the node first reports.
   * A root rotation finishes only when every node's root is the new one.
   */
  tls?: NodeCertificateReport;
}

export interface NodeCertificateReport {
  /** Serial of the node's certificate, lowercase hex. */
  serial: string;
  /** SHA-256 (hex) of the root CA certificate that signed it. */
  rootDigestHex: string;
}

/**
 * A root CA rotation in progress (`edgectl swarm ca --rotate`). While it is
 * here, certificates are signed by `next`, every node trusts both roots and
 * presents `crossSignedPem` after a new-root leaf; it ends (the record goes,
 * `next` becomes `ca`) once every node reports a certificate from `next`.
 */
export interface CaRotationRecord {
  /** The new root and its key. */
  next: { certPem: string; keyPem: string };
  /** SHA-256 (hex) of next.certPem: what nodes report and new tokens pin. */
  nextDigestHex: string;
  /** SHA-256 (hex) of the root being replaced (ca.certPem when the rotation began). */
  previousDigestHex: string;
  /** The new root's name and key signed by the old root: the bridge for nodes that still trust only the old one. */
  crossSignedPem: string;
  startedAtMs: number;
  /** Hashes of the join token secrets that take effect when the rotation finishes (the old tokens pin the old root). */
  nextTokens: JoinTokenRegistryState;
}

export interface ClusterState {
  clusterId: string;
  createdAtMs: number;
  /** The root CA and its key: replicated so that whichever manager leads can sign certificates. */
  ca: { certPem: string; keyPem: string };
  /** Lifetime of node certificates, ms; 0 means the PKI default (90 days). */
  certValidityMs: number;
  tokens: JoinTokenRegistryState;
  /** Set while the root CA is being replaced; see CaRotationRecord. */
  caRotation?: CaRotationRecord;
  nodes: Record<string, NodeRecord>;
  /** Removed nodes: their ids and serials are refused on every link. */
  denied: { nodeIds: string[]; serials: string[] };
  services: Record<string, ServiceRecord>;
  tasks: Record<string, TaskRecord>;
  /** Next Raft id to hand to a new manager; ids are never reused. */
  nextRaftId: number;
  /** Index of the last applied entry. */
  appliedIndex: number;
}

/** Bounds on what the store keeps, so a misbehaving proposer cannot grow it without limit. */
export const storeLimits = {
  nodesMax: 10_000,
  labelsPerNodeMax: 64,
  labelKeyCharsMax: 63,
  labelValueCharsMax: 255,
  certSerialsPerNodeMax: 4,
  deniedMax: 100_000,
  servicesMax: 1000,
  tasksMax: 100_000,
  batchCommandsMax: 1000,
  hostnameCharsMax: 253,
} as const;

export function emptyState(): ClusterState {
  return {
    clusterId: '',
    createdAtMs: 0,
    ca: { certPem: '', keyPem: '' },
    certValidityMs: 0,
    tokens: { worker: { secretSha256Hex: '', createdAtMs: 0 }, manager: { secretSha256Hex: '', createdAtMs: 0 } },
    nodes: {},
    denied: { nodeIds: [], serials: [] },
    services: {},
    tasks: {},
    nextRaftId: 1,
    appliedIndex: 0,
  };
}

export function managers(state: ClusterState): NodeRecord[] {
  return Object.values(state.nodes).filter((node) => node.role === 'manager');
}

export function nodeByRaftId(state: ClusterState, raftId: number): NodeRecord | undefined {
  // Not filtered by role: a demoted manager is still a Raft member until its removal commits.
  return Object.values(state.nodes).find((node) => node.raftId === raftId && raftId !== 0);
}

/** A node by id, id prefix (unique) or hostname, as the CLI accepts them. */
export function findNode(state: ClusterState, reference: string): NodeRecord | undefined {
  const exact = state.nodes[reference];
  if (exact) return exact;
  const all = Object.values(state.nodes);
  const byHostname = all.filter((node) => node.hostname === reference);
  if (byHostname.length === 1) return byHostname[0];
  const byPrefix = all.filter((node) => node.id.startsWith(reference));
  return byPrefix.length === 1 ? byPrefix[0] : undefined;
}
