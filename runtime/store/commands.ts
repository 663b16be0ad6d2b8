// The changes a leader proposes to the cluster state. Each is one Raft entry
// (CBOR). Everything a command needs is inside it (times included), so every
// manager applying it computes the same state.
import { decodeCbor, encodeCbor } from '../wire/codec.js';
import type { JoinTokenRegistryState } from '../pki/join-token-registry.js';
import type { ServiceRecord, ServiceSpec, TaskRecord } from './services.js';
import type { Availability, CaRotationRecord, NodeCertificateReport, NodeRecord, NodeRoleName, NodeStatus } from './state.js';

export type Command =
  | {
      op: 'cluster.init';
      clusterId: string;
      createdAtMs: number;
      ca: { certPem: string; keyPem: string };
      certValidityMs?: number;
      tokens: JoinTokenRegistryState;
      node: NodeRecord;
    }
  /**
   * Quorum-loss recovery (`swarm init --force-new-cluster`): the manager
   * `survivorId` is now the only Raft member. Every other node loses its Raft
   * id (so its Raft messages are refused), and the other managers are marked
   * down until someone demotes or removes them. `certValidityMs`, when
   * given, replaces the lifetime of certificates issued from now on.
   */
  | { op: 'cluster.forceNewCluster'; survivorId: string; atMs: number; certValidityMs?: number }
  /** A node joined; a manager gets the next Raft id (the result). */
  | { op: 'node.add'; node: NodeRecord }
  | { op: 'node.update'; id: string; availability?: Availability; labelsAdd?: Record<string, string>; labelsRemove?: string[] }
  | { op: 'node.status'; id: string; status: NodeStatus; message: string; atMs: number }
  /** Promote or demote; a promoted node gets a Raft id if it never had one. */
  | { op: 'node.role'; id: string; role: NodeRoleName }
  | { op: 'node.addr'; id: string; addr: string }
  | { op: 'node.cert'; id: string; serial: string }
  /** Forget a node and refuse its certificates from now on. */
  | { op: 'node.remove'; id: string }
  | { op: 'tokens.set'; tokens: JoinTokenRegistryState }
  /** A node reported the certificate it holds now (after a renewal it saved). */
  | { op: 'node.tls'; id: string; tls: NodeCertificateReport }
  /** Start replacing the root CA; refused while one runs. */
  | { op: 'ca.rotation.begin'; rotation: CaRotationRecord }
  /** Drop the old root: refused unless every node reports a certificate from the new one. */
  | { op: 'ca.rotation.finish'; nextDigestHex: string }
  | { op: 'service.create'; service: ServiceRecord }
  /** A new spec (an update), or the previous one back (`rollback`). */
  /** `rolls`: the tasks must be replaced (what they run changed); false for a scale or a change of update settings. */
  | { op: 'service.update'; id: string; spec: ServiceSpec; rollback: boolean; atMs: number; rolls?: boolean }
  | { op: 'service.status'; id: string; status: ServiceRecord['updateStatus'] }
  | { op: 'service.remove'; id: string }
  | { op: 'task.create'; task: TaskRecord }
  | { op: 'task.update'; id: string; change: TaskChange; atMs: number }
  | { op: 'task.remove'; id: string }
  /** Several commands in one entry (the orchestrator's actions of one pass); each applies or is refused on its own. */
  | { op: 'batch'; commands: Command[] };

/** The fields of a task the orchestrator, scheduler or agent may change. */
export type TaskChange = Partial<Pick<TaskRecord, 'nodeId' | 'state' | 'desiredState' | 'message' | 'error' | 'exitCode' | 'containerId' | 'restartCount' | 'health'>>;

export type CommandOp = Command['op'];

export function encodeCommand(command: Command): Uint8Array {
  return encodeCbor(command);
}

/** Decodes an entry's data; returns undefined for bytes that are not a command (an empty no-op entry, or damage). */
export function decodeCommand(data: Uint8Array): Command | undefined {
  if (data.byteLength === 0) return undefined;
  let value: unknown;
  try {
    value = decodeCbor(data);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || typeof (value as { op?: unknown }).op !== 'string') return undefined;
  return value as Command;
}
