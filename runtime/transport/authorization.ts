// Who may send what. The peer's role and node id come from its verified
// certificate (or, on the local control socket, from the socket itself),
// never from a frame: a frame cannot talk its way into more rights.

/**
 * manager / worker: a node with a certificate of the cluster.
 * control: edgectl on the local unix socket (root only).
 * joiner: a node with no certificate yet, on the join endpoint only.
 */
export type PeerRole = 'manager' | 'worker' | 'control' | 'joiner';

export interface PeerIdentity {
  nodeId: string;
  role: PeerRole;
  clusterId: string;
  /** Certificate serial (hex); empty for the control socket. */
  serial: string;
}

export function describePeer(peer: PeerIdentity): string {
  if (peer.role === 'control') return 'local control client';
  if (peer.role === 'joiner') return `joining node at ${peer.nodeId}`;
  return `node ${peer.nodeId}`;
}

/**
 * Maps each request method and event topic to the roles allowed to send it.
 * Anything not listed is refused: a new message type is closed until someone
 * decides who may send it.
 */
export class MessagePolicy {
  private readonly allowed = new Map<string, ReadonlySet<PeerRole>>();

  allow(name: string, roles: readonly PeerRole[]): this {
    this.allowed.set(name, new Set(roles));
    return this;
  }

  permits(peer: PeerIdentity, name: string): boolean {
    return this.allowed.get(name)?.has(peer.role) ?? false;
  }
}

/**
 * Node ids and certificate serials the cluster removed. Shared by every link
 * of a process so that adding an entry also closes live links (see LinkServer).
 */
export class DenyList {
  private readonly nodeIds = new Set<string>();
  private readonly serials = new Set<string>();
  private readonly listeners = new Set<(peer: { nodeId?: string; serial?: string }) => void>();

  static readonly entriesMax = 100_000;

  denyNode(nodeId: string): void {
    if (this.nodeIds.size >= DenyList.entriesMax) throw new RangeError(`deny list is full (${DenyList.entriesMax} node ids)`);
    this.nodeIds.add(nodeId);
    for (const listener of this.listeners) listener({ nodeId });
  }

  denySerial(serial: string): void {
    if (this.serials.size >= DenyList.entriesMax) throw new RangeError(`deny list is full (${DenyList.entriesMax} serials)`);
    this.serials.add(serial.toLowerCase());
    for (const listener of this.listeners) listener({ serial });
  }

  allowNode(nodeId: string): void {
    this.nodeIds.delete(nodeId);
  }

  refuses(peer: PeerIdentity): boolean {
    return this.nodeIds.has(peer.nodeId) || (peer.serial !== '' && this.serials.has(peer.serial.toLowerCase()));
  }

  onChange(listener: (peer: { nodeId?: string; serial?: string }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
