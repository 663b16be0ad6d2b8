// How nodes are shown to people and scripts (node ls / inspect).
import type { ClusterState, NodeRecord } from '../store/state.js';
import type { NodeView } from '../wire/messages/control.js';

export function nodeView(node: NodeRecord, leaderRaftId: number): NodeView {
  let managerStatus: NodeView['managerStatus'];
  if (node.role === 'manager') {
    if (node.raftId !== 0 && node.raftId === leaderRaftId) managerStatus = 'leader';
    // A manager without a Raft id lost its membership in a forced new cluster: up or not, Raft does not reach it.
    else managerStatus = node.status === 'ready' && node.raftId !== 0 ? 'reachable' : 'unreachable';
  }
  return {
    id: node.id,
    hostname: node.hostname,
    role: node.role,
    status: node.status,
    statusMessage: node.statusMessage,
    statusChangedAtMs: node.statusChangedAtMs,
    availability: node.availability,
    ...(managerStatus ? { managerStatus } : {}),
    raftId: node.raftId,
    addr: node.addr,
    labels: { ...node.labels },
    platform: { ...node.platform },
    board: node.board,
    memoryBytes: node.memoryBytes,
    cores: node.cores,
    joinedAtMs: node.joinedAtMs,
    ...(node.tls ? { certRootDigestHex: node.tls.rootDigestHex } : {}),
  };
}

export function nodeViews(state: ClusterState, leaderRaftId: number): NodeView[] {
  return Object.values(state.nodes)
    .map((node) => nodeView(node, leaderRaftId))
    .sort((a, b) => (a.role === b.role ? a.hostname.localeCompare(b.hostname) : a.role === 'manager' ? -1 : 1));
}
