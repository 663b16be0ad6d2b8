// Applying one committed command to the state. Deterministic: it reads only
// the state and the command. A command that does not fit the current state
// (a node that is gone, a label over the limits) changes nothing and yields
// an error result for whoever proposed it; it never throws.
import type { Command } from './commands.js';
import { applyCertificateReport, beginCaRotation, finishCaRotation } from './ca-rotation.js';
import { applyServiceCommand } from './service-apply.js';
import { storeLimits, type ClusterState, type NodeRecord } from './state.js';

export type ApplyResult = { ok: true; value?: unknown } | { ok: false; code: string; message: string };

const ok = (value?: unknown): ApplyResult => ({ ok: true, value });
const refused = (code: string, message: string): ApplyResult => ({ ok: false, code, message });

const labelKey = /^[A-Za-z0-9][A-Za-z0-9._\/-]*$/;

function checkLabels(labels: Record<string, string>): string | undefined {
  for (const [key, value] of Object.entries(labels)) {
    if (key.length > storeLimits.labelKeyCharsMax || !labelKey.test(key)) return `label key "${key}" must be letters, digits, . _ - / and at most ${storeLimits.labelKeyCharsMax} characters`;
    if (typeof value !== 'string' || value.length > storeLimits.labelValueCharsMax) return `label "${key}" value must be a string of at most ${storeLimits.labelValueCharsMax} characters`;
  }
  return undefined;
}

function addNode(state: ClusterState, node: NodeRecord): ApplyResult {
  if (state.nodes[node.id]) return refused('EDGE_STORE_NODE_EXISTS', `node ${node.id} is already a member`);
  if (state.denied.nodeIds.includes(node.id)) return refused('EDGE_STORE_NODE_REMOVED', `node id ${node.id} was removed and cannot come back`);
  if (Object.keys(state.nodes).length >= storeLimits.nodesMax) return refused('EDGE_STORE_FULL', `the cluster already has ${storeLimits.nodesMax} nodes`);
  const labelProblem = checkLabels(node.labels);
  if (labelProblem) return refused('EDGE_STORE_INVALID_LABEL', labelProblem);
  const record: NodeRecord = { ...node, raftId: 0, certSerials: node.certSerials.slice(-storeLimits.certSerialsPerNodeMax) };
  if (record.role === 'manager') record.raftId = state.nextRaftId++;
  state.nodes[record.id] = record;
  return ok({ raftId: record.raftId });
}

function updateNode(state: ClusterState, command: Extract<Command, { op: 'node.update' }>): ApplyResult {
  const node = state.nodes[command.id];
  if (!node) return refused('EDGE_STORE_NODE_UNKNOWN', `no node ${command.id}`);
  const labels = { ...node.labels, ...(command.labelsAdd ?? {}) };
  for (const key of command.labelsRemove ?? []) delete labels[key];
  const labelProblem = checkLabels(labels);
  if (labelProblem) return refused('EDGE_STORE_INVALID_LABEL', labelProblem);
  if (Object.keys(labels).length > storeLimits.labelsPerNodeMax) return refused('EDGE_STORE_INVALID_LABEL', `a node has at most ${storeLimits.labelsPerNodeMax} labels`);
  node.labels = labels;
  if (command.availability) node.availability = command.availability;
  return ok();
}

function changeRole(state: ClusterState, command: Extract<Command, { op: 'node.role' }>): ApplyResult {
  const node = state.nodes[command.id];
  if (!node) return refused('EDGE_STORE_NODE_UNKNOWN', `no node ${command.id}`);
  if (node.role === command.role) return ok({ raftId: node.raftId });
  if (command.role === 'worker') {
    const otherManagers = Object.values(state.nodes).filter((candidate) => candidate.role === 'manager' && candidate.id !== node.id);
    if (otherManagers.length === 0) return refused('EDGE_STORE_LAST_MANAGER', `${node.hostname} is the last manager; promote another node first`);
  }
  node.role = command.role;
  // A re-promoted node gets a fresh Raft id: ids are never reused, and its old log is gone.
  // A demoted one keeps its id: it stays a Raft member until the leader removes it, and its messages must still be recognised.
  if (command.role === 'manager') node.raftId = state.nextRaftId++;
  return ok({ raftId: node.raftId });
}

function removeNode(state: ClusterState, id: string): ApplyResult {
  const node = state.nodes[id];
  if (!node) return refused('EDGE_STORE_NODE_UNKNOWN', `no node ${id}`);
  if (node.role === 'manager' && Object.values(state.nodes).filter((candidate) => candidate.role === 'manager').length === 1) {
    return refused('EDGE_STORE_LAST_MANAGER', `${node.hostname} is the last manager and cannot be removed`);
  }
  delete state.nodes[id];
  if (state.denied.nodeIds.length < storeLimits.deniedMax) state.denied.nodeIds.push(id);
  for (const serial of node.certSerials) if (state.denied.serials.length < storeLimits.deniedMax) state.denied.serials.push(serial);
  return ok();
}

/** See the command's comment in commands.ts. The result lists the managers that lost their Raft membership. */
function forceNewCluster(state: ClusterState, command: Extract<Command, { op: 'cluster.forceNewCluster' }>): ApplyResult {
  const survivor = state.nodes[command.survivorId];
  if (!survivor || survivor.role !== 'manager') return refused('EDGE_STORE_NODE_UNKNOWN', `no manager ${command.survivorId} to keep as the only Raft member`);
  const lostManagers: string[] = [];
  for (const node of Object.values(state.nodes)) {
    if (node.id === survivor.id) continue;
    if (node.role === 'manager') {
      lostManagers.push(node.id);
      if (node.status !== 'down') node.statusChangedAtMs = command.atMs;
      node.status = 'down';
      node.statusMessage = `not a Raft member since ${survivor.hostname} forced a new cluster: demote or remove this node`.slice(0, 200);
    }
    // Raft ids are never reused, so a cleared one cannot be confused with a later member.
    node.raftId = 0;
  }
  if (survivor.status !== 'ready') survivor.statusChangedAtMs = command.atMs;
  survivor.status = 'ready';
  survivor.statusMessage = 'forced a new cluster from its own state';
  if (command.certValidityMs !== undefined) state.certValidityMs = command.certValidityMs;
  return ok({ lostManagers });
}

export function applyCommand(state: ClusterState, command: Command): ApplyResult {
  if (command.op !== 'cluster.init' && state.clusterId === '') return refused('EDGE_STORE_NOT_INITIALIZED', 'the cluster is not initialised yet');
  switch (command.op) {
    case 'cluster.init':
      if (state.clusterId !== '') return refused('EDGE_STORE_ALREADY_INITIALIZED', `the cluster ${state.clusterId} already exists`);
      state.clusterId = command.clusterId;
      state.createdAtMs = command.createdAtMs;
      state.ca = { ...command.ca };
      state.certValidityMs = command.certValidityMs ?? 0;
      state.tokens = command.tokens;
      return addNode(state, command.node);
    case 'cluster.forceNewCluster':
      return forceNewCluster(state, command);
    case 'node.add':
      return addNode(state, command.node);
    case 'node.update':
      return updateNode(state, command);
    case 'node.status': {
      const node = state.nodes[command.id];
      if (!node) return refused('EDGE_STORE_NODE_UNKNOWN', `no node ${command.id}`);
      if (node.status !== command.status) node.statusChangedAtMs = command.atMs;
      node.status = command.status;
      node.statusMessage = command.message.slice(0, 200);
      return ok();
    }
    case 'node.role':
      return changeRole(state, command);
    case 'node.addr': {
      const node = state.nodes[command.id];
      if (!node) return refused('EDGE_STORE_NODE_UNKNOWN', `no node ${command.id}`);
      node.addr = command.addr;
      return ok();
    }
    case 'node.cert': {
      const node = state.nodes[command.id];
      if (!node) return refused('EDGE_STORE_NODE_UNKNOWN', `no node ${command.id}`);
      node.certSerials = [...node.certSerials, command.serial].slice(-storeLimits.certSerialsPerNodeMax);
      return ok();
    }
    case 'node.remove':
      return removeNode(state, command.id);
    case 'tokens.set':
      state.tokens = command.tokens;
      return ok();
    case 'node.tls':
      return applyCertificateReport(state, command);
    case 'ca.rotation.begin':
      return beginCaRotation(state, command);
    case 'ca.rotation.finish':
      return finishCaRotation(state, command);
    case 'service.create':
    case 'service.update':
    case 'service.status':
    case 'service.remove':
    case 'task.create':
    case 'task.update':
    case 'task.remove':
      return applyServiceCommand(state, command);
    case 'batch': {
      if (command.commands.length > storeLimits.batchCommandsMax) return refused('EDGE_STORE_BATCH_TOO_LARGE', `a batch holds at most ${storeLimits.batchCommandsMax} commands`);
      const results = command.commands.map((inner) => (inner.op === 'batch' || inner.op === 'cluster.init' || inner.op === 'cluster.forceNewCluster' ? refused('EDGE_STORE_BAD_BATCH', `${inner.op} cannot be batched`) : applyCommand(state, inner)));
      return ok(results);
    }
    default:
      return refused('EDGE_STORE_UNKNOWN_COMMAND', `unknown command ${(command as { op: string }).op}: is a newer manager in the cluster?`);
  }
}
