// The control API (runtime/wire/messages/control.ts) served on the control
// socket. Cluster-changing calls run on the leader: a follower manager
// forwards them; a worker refuses with what to do instead.
import { arch } from 'node:process';
import { EdgeError } from '../common/errors.js';
import { version } from '../common/version.js';
import { JoinTokenRegistry } from '../pki/join-token-registry.js';
import { certificateSha256Hex } from '../pki/pem.js';
import type { Command } from '../store/commands.js';
import { findNode, managers, type ClusterState, type NodeRecord } from '../store/state.js';
import type { Router } from '../transport/link.js';
import type { NodeView } from '../wire/messages/control.js';
import type { Daemon, InitRequest } from './daemon.js';
import type { ManagerRuntime } from './manager.js';
import { nodeView, nodeViews } from './node-views.js';

export function requireManager(daemon: Daemon): ManagerRuntime {
  if (daemon.manager) return daemon.manager;
  if (daemon.worker) {
    throw new EdgeError('EDGE_NOT_A_MANAGER', 'this node is a worker; run this on a manager (or pass --host with a manager\'s control socket)');
  }
  throw new EdgeError('EDGE_SWARM_NOT_MEMBER', 'this node is not part of a cluster: run `edgectl swarm init` or `edgectl swarm join` first');
}

function resolveNode(state: Readonly<ClusterState>, reference: string, self: string): NodeRecord {
  const node = findNode(state as ClusterState, reference === 'self' ? self : reference);
  if (!node) throw new EdgeError('EDGE_NODE_NOT_FOUND', `no node "${reference}" (or the prefix matches several): see edgectl node ls`);
  return node;
}

async function viewAfterWrite(manager: ManagerRuntime, id: string): Promise<NodeView> {
  const state = await manager.read(false);
  const node = state.nodes[id];
  if (!node) throw new EdgeError('EDGE_NODE_NOT_FOUND', `node ${id} is gone`);
  return nodeView(node, manager.raft.leader);
}

type NodeOperation = (manager: ManagerRuntime, body: any) => Promise<{ id: string }>;

/**
 * Cluster changes that run on the leader. Every manager registers all of
 * them at start, so a follower can forward any of them to whichever manager
 * leads.
 */
const leaderOperations: Record<string, NodeOperation> = {
  'node.update': async (manager, request: { ref: string; availability?: 'active' | 'pause' | 'drain'; labelsAdd?: Record<string, string>; labelsRemove?: string[] }) => {
    const node = resolveNode(manager.state, request.ref, manager.identity.nodeId);
    const command: Command = { op: 'node.update', id: node.id };
    if (request.availability) command.availability = request.availability;
    if (request.labelsAdd) command.labelsAdd = request.labelsAdd;
    if (request.labelsRemove) command.labelsRemove = request.labelsRemove;
    await manager.write(command);
    return { id: node.id };
  },
  'node.rm': async (manager, request: { ref: string; force: boolean }) => {
    const node = resolveNode(manager.state, request.ref, manager.identity.nodeId);
    if (node.id === manager.identity.nodeId) throw new EdgeError('EDGE_NODE_RM_SELF', 'a manager cannot remove itself: demote it from another manager first, or run swarm leave --force on it');
    if (node.status === 'ready' && !request.force) {
      throw new EdgeError('EDGE_NODE_RM_UP', `${node.hostname} is up: run \`edgectl swarm leave\` on it first, or pass --force (its certificate is refused from then on)`);
    }
    if (node.role === 'manager' && node.raftId !== 0) await manager.raft.removeMember(node.raftId);
    await manager.write({ op: 'node.remove', id: node.id });
    return { id: node.id };
  },
  'node.promote': async (manager, request: { ref: string }) => roleChange(manager, request.ref, 'manager'),
  'node.demote': async (manager, request: { ref: string }) => roleChange(manager, request.ref, 'worker'),
};

/**
 * Promote: the store gives the node a new Raft id, then Raft adds it as a
 * learner (promoted to voter once caught up). Demote: the store records the
 * new role (the store refuses the last manager), then Raft removes the member.
 * The node itself notices the change and swaps its certificate and runtime.
 */
async function roleChange(manager: ManagerRuntime, reference: string, role: 'manager' | 'worker'): Promise<{ id: string }> {
  const node = resolveNode(manager.state, reference, manager.identity.nodeId);
  if (node.role === role) return { id: node.id };
  if (role === 'manager') {
    const { raftId } = (await manager.write({ op: 'node.role', id: node.id, role })) as { raftId: number };
    await manager.raft.addMember(raftId);
    return { id: node.id };
  }
  if (node.id === manager.identity.nodeId && managers(manager.state as ClusterState).length > 1) {
    // The leader cannot remove itself from Raft: hand over, then let the new leader do it.
    await handOverIfDemotingLeader(manager, node.id);
    return (await manager.onLeader('node.demote', { ref: node.id }, () => Promise.reject(new EdgeError('EDGE_NODE_DEMOTE_LEADER', 'leadership did not move: retry', { retryable: true })))) as { id: string };
  }
  const raftId = node.raftId;
  await manager.write({ op: 'node.role', id: node.id, role });
  if (raftId !== 0) {
    // Let the member receive its own demotion before it stops getting entries.
    const written = manager.raft.core.commitIndex;
    const started = Date.now();
    while (Date.now() - started < 3000 && (manager.raft.status().progress.find((member) => member.id === raftId)?.match ?? written) < written) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    await manager.raft.removeMember(raftId);
  }
  return { id: node.id };
}

/** Demoting the current leader: move leadership away first, so the new leader can do it. */
async function handOverIfDemotingLeader(manager: ManagerRuntime, reference: string): Promise<void> {
  const node = resolveNode(manager.state, reference, manager.identity.nodeId);
  if (node.role !== 'manager' || node.id !== manager.leaderNodeId() || !manager.raft.isLeader) return;
  // The last manager: nothing to hand over to; the store refuses the demotion with its reason.
  if (managers(manager.state as ClusterState).length < 2) return;
  manager.raft.transferLeadership();
  const started = Date.now();
  while (manager.raft.isLeader || manager.raft.leader === 0) {
    if (Date.now() - started > 5000) throw new EdgeError('EDGE_NODE_DEMOTE_LEADER', 'leadership could not be handed over (are the other managers up?): retry later', { retryable: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Called for every manager runtime when it starts. */
export function installLeaderOperations(manager: ManagerRuntime): void {
  for (const [method, operation] of Object.entries(leaderOperations)) manager.registerForwardable(method, (body) => operation(manager, body));
}

export function registerControlHandlers(router: Router, daemon: Daemon): void {
  router.handle('swarm.info', () => {
    const identity = daemon.identity;
    const manager = daemon.manager;
    const state = manager?.state;
    return {
      state: daemon.state,
      message: daemon.stateMessage,
      nodeId: identity?.nodeId ?? '',
      clusterId: identity?.clusterId ?? '',
      ...(identity ? { role: identity.role } : {}),
      addr: identity?.addr ?? daemon.context.advertiseAddr,
      leader: manager ? manager.leaderNodeId() : (daemon.worker?.leaderNodeId ?? ''),
      managers: state ? managers(state as ClusterState).length : (daemon.worker?.knownManagers.length ?? 0),
      nodes: state ? Object.keys(state.nodes).length : 0,
      version,
      arch: arch === 'x64' ? 'amd64' : arch,
    };
  });

  router.handle('swarm.init', (body) => daemon.init(body as InitRequest));

  router.handle('swarm.join', async (body) => {
    const request = body as { token: string; manager?: string; timeoutMs?: number };
    return daemon.join(request.token, request.manager, Math.min(request.timeoutMs ?? 10_000, 120_000));
  });

  router.handle('swarm.leave', async (body) => {
    await daemon.leave((body as { force: boolean }).force);
    return { left: true };
  });

  router.handle('swarm.joinToken', async (body) => {
    const request = body as { role: 'worker' | 'manager'; rotate: boolean };
    const manager = requireManager(daemon);
    const state = await manager.read(false);
    const digest = certificateSha256Hex(state.ca.certPem);
    if (request.rotate) {
      const rotate = async (): Promise<{ token: string }> => {
        const current = manager.state;
        const registry = new JoinTokenRegistry(current.tokens);
        const token = registry.rotate(request.role, digest, daemon.context.time);
        await manager.write({ op: 'tokens.set', tokens: registry.state() });
        return { token };
      };
      manager.registerForwardable('swarm.rotateToken', rotate as () => Promise<unknown>);
      const { token } = (await manager.onLeader('swarm.rotateToken', request, rotate)) as { token: string };
      const saved = { worker: daemon.savedToken('worker', manager.state.tokens.worker.secretSha256Hex) ?? '', manager: daemon.savedToken('manager', manager.state.tokens.manager.secretSha256Hex) ?? '' };
      await daemon.saveTokens({ ...saved, [request.role]: token });
      return { role: request.role, token, createdAtMs: Math.floor(manager.state.tokens[request.role].createdAtMs), managerAddr: manager.identity.addr };
    }
    const token = daemon.savedToken(request.role, state.tokens[request.role].secretSha256Hex);
    if (!token) {
      throw new EdgeError(
        'EDGE_TOKEN_NOT_HELD',
        `this manager does not hold the current ${request.role} token (managers keep only its hash): run this on the manager that created it, or make a new one with --rotate`,
      );
    }
    return { role: request.role, token, createdAtMs: Math.floor(state.tokens[request.role].createdAtMs), managerAddr: manager.identity.addr };
  });

  router.handle('node.ls', async (body) => {
    const manager = requireManager(daemon);
    const state = await manager.read((body as { stale?: boolean }).stale ?? false);
    return { nodes: nodeViews(state as ClusterState, manager.raft.leader) };
  });

  router.handle('node.inspect', async (body) => {
    const request = body as { ref: string; stale?: boolean };
    const manager = requireManager(daemon);
    const state = await manager.read(request.stale ?? false);
    return { node: nodeView(resolveNode(state, request.ref, manager.identity.nodeId), manager.raft.leader) };
  });

  for (const [method, operation] of Object.entries(leaderOperations)) {
    router.handle(method, async (body) => {
      const manager = requireManager(daemon);
      if (method === 'node.demote') await handOverIfDemotingLeader(manager, (body as { ref: string }).ref);
      const { id } = (await manager.onLeader(method, body, () => operation(manager, body))) as { id: string };
      if (method === 'node.rm') return { id };
      return { node: await viewAfterWrite(manager, id) };
    });
  }
}
