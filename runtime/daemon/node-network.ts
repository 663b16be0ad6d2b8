// A node's links: the listener every node runs (managers also accept joiners
// there) and the outgoing links it dials, all verified against the cluster's
// CA with the node's own certificate.
import { TrustBundle } from '../pki/trust-bundle.js';
import { verifyPeerChain } from '../pki/peer-verifier.js';
import type { NodeCredentials } from '../pki/credentials-store.js';
import { DenyList, type PeerIdentity } from '../transport/authorization.js';
import { closeCodes } from '../transport/frames.js';
import { Router, type Link, type LinkOptions } from '../transport/link.js';
import { dialLink } from '../transport/tls-client.js';
import type { TlsMaterial } from '../transport/tls-options.js';
import { LinkServer } from '../transport/tls-server.js';
import { parseHostPort } from './config.js';
import type { NodeContext } from './context.js';
import { PeerLinks } from './peer-links.js';
import { nodePolicy } from './policy.js';

export function tlsMaterial(credentials: NodeCredentials): TlsMaterial {
  return { keyPem: credentials.keyPem, certChainPem: credentials.certPem, trustedCaPem: credentials.caBundlePem };
}

/**
 * Heartbeats of links between nodes. Links do not decide whether a node is
 * alive (gossip does, and closes the links of a node it declares dead); the
 * heartbeat only finds connections that died without a word (a NAT or a
 * firewall forgot them). Slow, so an idle link costs ~25 B/s (a ping and a
 * pong with their TCP ACKs every 15 s).
 */
export const nodeLinkOptions: Partial<LinkOptions> = { heartbeatIntervalMs: 15_000, heartbeatTimeoutMs: 45_000 };

export class NodeNetwork {
  readonly router = new Router();
  readonly denyList = new DenyList();
  readonly server: LinkServer;
  readonly peers: PeerLinks;
  private credentials: NodeCredentials;
  private trust: TrustBundle;
  /** Every link this node dialed that is still open (peer links and sessions alike). */
  private readonly dialed = new Set<Link>();
  private readonly lostListeners: Array<(nodeId: string) => void> = [];
  private readonly clusterId: string;

  constructor(private readonly context: NodeContext, credentials: NodeCredentials, options: { acceptJoiners: boolean; clusterId: string }) {
    this.credentials = credentials;
    this.trust = TrustBundle.fromPem(credentials.caBundlePem);
    const listen = parseHostPort(context.config.listenAddr, 'listen-addr', { anyPort: true });
    this.server = new LinkServer({
      host: listen.host,
      port: listen.port,
      tls: tlsMaterial(credentials),
      verifyPeer: (chain) => this.verify(chain, 'client', options.clusterId),
      codec: context.codec,
      policy: nodePolicy(),
      router: this.router,
      denyList: this.denyList,
      acceptJoiners: options.acceptJoiners,
      onLink: (link) => this.watch(link),
      // The dialing side pings; see LinkOptions.sendsHeartbeats.
      linkOptions: { ...nodeLinkOptions, sendsHeartbeats: false },
      onRefused: (reason, remote) => context.log(`refused a connection from ${remote}: ${reason}`),
    });
    this.clusterId = options.clusterId;
    this.peers = new PeerLinks((address) => this.dial(address), context.rng, context.log);
  }

  /**
   * An open link to a node: the one this node dialed, else one the node
   * dialed to us. Either carries messages both ways, so a peer that just
   * restarted its listener is still reachable through its own link.
   */
  linkTo(nodeId: string | undefined, address: string): Link | undefined {
    const dialed = this.peers.existing(address);
    if (dialed) return dialed;
    // Any open link to the node (its own, or a worker's session link) rather than a second one: one connection per
    // pair, and fewer heartbeats.
    if (nodeId !== undefined) for (const link of [...this.dialed, ...this.server.links]) if (link.isOpen && link.peer.nodeId === nodeId) return link;
    return this.peers.open(address);
  }

  /**
   * Told when a link to a node ends without a goodbye or goes silent: its
   * process died, or its host reset the connection. A hint for gossip to
   * probe it now, not a verdict (a restarting node does the same).
   */
  onLinkLost(listener: (nodeId: string) => void): void {
    this.lostListeners.push(listener);
  }

  private watch(link: Link): void {
    link.onClose(() => {
      const code = link.closeCode;
      if (code === closeCodes.abnormal || code === closeCodes.heartbeatLost) for (const listener of this.lostListeners) listener(link.peer.nodeId);
    });
  }

  /** Gossip declared `nodeId` dead or gone: close every link to it, so whatever used them (a worker's session) moves on now. */
  closeLinksTo(nodeId: string, address: string, reason: string): void {
    this.peers.drop(address);
    for (const link of [...this.dialed, ...this.server.links]) if (link.peer.nodeId === nodeId) link.close(reason);
  }

  async listen(): Promise<{ host: string; port: number }> {
    return this.server.listen();
  }

  /** The credentials new links use (the latest renewal's). */
  get heldCredentials(): NodeCredentials {
    return this.credentials;
  }

  /** After a renewal or CA rotation: new links use the new credentials. */
  updateCredentials(credentials: NodeCredentials): void {
    this.credentials = credentials;
    this.trust = TrustBundle.fromPem(credentials.caBundlePem);
    this.server.updateTls(tlsMaterial(credentials));
  }

  async stop(): Promise<void> {
    this.peers.stop();
    await this.server.close();
  }

  private verify(chain: Parameters<typeof verifyPeerChain>[0], peerTlsRole: 'client' | 'server', clusterId: string): PeerIdentity {
    const identity = verifyPeerChain(chain, { trust: this.trust, time: this.context.time, peerTlsRole, clusterId });
    return { nodeId: identity.nodeId, role: identity.role, clusterId: identity.clusterId, serial: identity.serial };
  }

  /** One link to `address`, verified as a node of this cluster (PeerLinks keeps shared ones). */
  dial(address: string): Promise<Link> {
    const clusterId = this.clusterId;
    return dialLink({
      address,
      tls: tlsMaterial(this.credentials),
      verifyPeer: (chain) => {
        const peer = this.verify(chain, 'server', clusterId);
        if (this.denyList.refuses(peer)) throw new Error(`node ${peer.nodeId} was removed from the cluster`);
        return peer;
      },
      codec: this.context.codec,
      policy: nodePolicy(),
      router: this.router,
      linkOptions: nodeLinkOptions,
    }).then((link) => {
      this.dialed.add(link);
      link.onClose(() => this.dialed.delete(link));
      this.watch(link);
      return link;
    });
  }
}
