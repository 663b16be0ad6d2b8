// Runs the pure gossip core on a timer and carries its messages as
// `gossip.message` events over node links. The sender's id in a message must
// be the node id in the sender's certificate: nobody gossips for another.
import { EdgeError } from '../common/errors.js';
import { GossipNode, checkMessage, lanDefaults, meteredLinkDefaults, type GossipConfig, type GossipMessage, type MemberState, type MembershipEvent } from '../gossip/index.js';
import type { Link } from '../transport/link.js';
import type { DatagramKeyOffer } from './gossip-datagrams.js';
import { ProbeDatagrams } from './gossip-datagrams.js';
import type { NodeContext } from './context.js';
import type { NodeIdentity } from './identity.js';
import type { NodeNetwork } from './node-network.js';

/** How long a join message waits for the link to its seed to come up (TLS handshake and verification included). */
const joinDialWaitMs = 3000;
/** After a peer turned down our datagram key (or the call failed), probes to it stay on the link this long before we offer again. */
const keyOfferRetryMs = 30_000;
/** After datagrams to a peer went unanswered (UDP blocked?), this long on the link before trying UDP again. */
const unreachableRetryMs = 5 * 60_000;

export interface GossipDriverOptions {
  context: NodeContext;
  identity: NodeIdentity;
  network: NodeNetwork;
  config?: GossipConfig;
  onEvent?: (event: MembershipEvent) => void;
  /**
   * Where a node listens, when known (a manager's store knows every node's).
   * Gossip needs it to answer a node it has not heard of yet: a link's remote
   * port is not the node's listening port.
   */
  addressOf?: (nodeId: string) => string | undefined;
  /**
   * Where this node's listener is bound: probes go as UDP datagrams from and
   * to the same host and port (see gossip-datagrams.ts). Absent: everything
   * goes over the links.
   */
  datagramsOn?: { host: string; port: number };
}

export class GossipDriver {
  readonly node: GossipNode;
  private readonly options: GossipDriverOptions;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly config: GossipConfig;
  readonly datagrams: ProbeDatagrams | undefined;
  private readonly keyOfferRetryAtMs = new Map<string, number>();

  constructor(options: GossipDriverOptions) {
    this.options = options;
    this.config = options.config ?? (options.context.config.gossipProfile === 'metered' ? meteredLinkDefaults() : lanDefaults());
    this.node = new GossipNode({
      config: this.config,
      rng: options.context.rng,
      id: options.identity.nodeId,
      address: options.identity.addr,
      role: options.identity.role,
    });
    options.network.router.on('gossip.message', (body, { peer }) => this.receive(body, peer.nodeId));
    // A removed node's keys go with it: the links that vouched for them are refused from now on.
    options.network.denyList.onChange((denied) => {
      if (denied.nodeId !== undefined) this.forgetPeer(denied.nodeId);
    });
    // A killed node's connections end at once: probe it now instead of in its turn (a hint; the probe decides).
    // Its datagram keys go too: a restarted process has new ones, and a key is only as good as the link it came over.
    options.network.onLinkLost((nodeId) => {
      this.forgetPeer(nodeId);
      this.node.probeSoon(nodeId);
    });
    if (options.datagramsOn) {
      const self = options.identity.nodeId;
      this.datagrams = new ProbeDatagrams({
        ...options.datagramsOn,
        log: options.context.log,
        onUnreachable: (peer) => this.keyOfferRetryAtMs.set(peer, Date.now() + unreachableRetryMs),
        onProbe: (peer, message) => this.receive(message.type === 'ping' ? { ...message, source: peer, target: self } : { ...message, source: peer }, peer),
      });
      const keys = this.datagrams.keys;
      const datagrams = this.datagrams;
      // Without a bound socket the peer's datagrams would never be heard: it must keep using the link.
      options.network.router.handle('gossip.datagramKey', (body, { peer }) => ({ accepted: datagrams.isOpen && keys.accept(peer.nodeId, body as DatagramKeyOffer) }));
    }
  }

  start(seeds: readonly string[]): void {
    void this.datagrams?.open();
    const own = this.options.identity.addr;
    const others = seeds.filter((seed) => seed !== own);
    if (others.length > 0) {
      const problem = this.node.join(others.slice(0, this.config.seedsMax));
      if (problem) this.options.context.log(`gossip: join: ${problem.message}`);
    }
    this.timer = setInterval(() => {
      this.node.tick();
      this.flush();
    }, this.config.tickMs);
  }

  /** This node's current view of every member. */
  members(): MemberState[] {
    return this.node.members();
  }

  /** Announces a graceful leave and gives it up to `timeoutMs` to spread. */
  async leave(timeoutMs = 2000): Promise<void> {
    this.node.leave();
    const started = Date.now();
    while (!this.node.isLeaveDone() && Date.now() - started < timeoutMs) await new Promise((resolve) => setTimeout(resolve, this.config.tickMs));
  }

  stop(): void {
    clearInterval(this.timer);
    this.datagrams?.close();
  }

  /** A node that is gone or removed: no datagram to or from it until a new key is set up over a link. */
  forgetPeer(nodeId: string): void {
    this.datagrams?.forgetPeer(nodeId);
    this.keyOfferRetryAtMs.delete(nodeId);
  }

  /** A message from `peer`, authenticated by its link or by its datagram key. */
  private receive(body: unknown, peer: string): void {
    const problem = checkMessage(body, this.config);
    if (problem) {
      this.options.context.log(`gossip: dropped a message from ${peer}: ${problem.message}`);
      return;
    }
    const message = body as GossipMessage;
    if (message.source !== peer) {
      this.options.context.log(`gossip: dropped a message from ${peer} claiming to come from ${message.source}`);
      return;
    }
    if (message.type === 'ack') this.datagrams?.ackedBy(peer);
    const refused = this.node.step(message, this.options.addressOf?.(peer));
    if (refused) this.options.context.log(`gossip: refused a message from ${peer}: ${refused.message}`);
    this.flush();
  }

  private flush(): void {
    while (this.node.hasReady()) {
      const ready = this.node.ready();
      for (const outbound of ready.messages) this.send(outbound.to ?? undefined, outbound.address, outbound.message);
      for (const event of ready.events) {
        if (event.kind === 'dead' || event.kind === 'left') {
          this.options.network.closeLinksTo(event.member, event.address, `gossip: ${event.member} is ${event.kind}`);
          this.forgetPeer(event.member);
        }
        this.options.onEvent?.(event);
      }
      this.node.advance();
    }
  }

  /** A message to an address whose link is still being dialed waits for it briefly; after that it is lost, as on a lossy network. */
  private send(nodeId: string | undefined, address: string, message: GossipMessage): void {
    if (nodeId !== undefined && this.datagrams?.trySend(nodeId, address, message)) return;
    const peers = this.options.network.peers;
    const deliver = (link: Link): void => {
      try {
        link.notify('gossip.message', message);
      } catch (error) {
        if (!(error instanceof EdgeError)) throw error;
      }
      if (nodeId !== undefined && link.peer.nodeId === nodeId) this.offerDatagramKey(link);
    };
    const open = this.options.network.linkTo(nodeId, address);
    if (open) {
      deliver(open);
      return;
    }
    // A probe is worth nothing after its timeout; a join (no member id yet) is worth waiting for the first dial.
    const waitMs = nodeId === undefined ? joinDialWaitMs : this.config.tickMs * this.config.probeTimeoutTicks;
    peers.ready(address, waitMs).then(deliver, () => {});
  }

  /** Over a link to a peer, hands it the key for our datagrams, once (see gossip-datagrams.ts). */
  private offerDatagramKey(link: Link): void {
    const datagrams = this.datagrams;
    const peer = link.peer.nodeId;
    if (!datagrams || Date.now() < (this.keyOfferRetryAtMs.get(peer) ?? 0)) return;
    const offer = datagrams.keys.offerFor(peer);
    if (!offer) return;
    const settle = (accepted: boolean): void => {
      datagrams.keys.offerSettled(peer, offer.keyId, accepted);
      if (!accepted) this.keyOfferRetryAtMs.set(peer, Date.now() + keyOfferRetryMs);
    };
    link.request('gossip.datagramKey', offer).then(
      (answer) => settle((answer as { accepted: boolean }).accepted),
      () => settle(false),
    );
  }
}
