// Outgoing links to other nodes, one per address, kept up with reconnects and
// shared by everything that talks to that node (Raft, gossip, forwarding).
import type { Rng } from '../common/rng.js';
import { EdgeError } from '../common/errors.js';
import type { Link } from '../transport/link.js';
import { ReconnectingLink } from '../transport/reconnecting-link.js';

export const peerLinksMax = 256;

export class PeerLinks {
  private readonly links = new Map<string, ReconnectingLink>();

  constructor(
    private readonly dial: (address: string) => Promise<Link>,
    private readonly rng: Rng,
    private readonly log: (line: string) => void,
  ) {}

  /** The open link to `address`, starting to dial it if there is none. */
  open(address: string): Link | undefined {
    return this.ensure(address).current;
  }

  /** The open link to `address`, if this node already dialed one; never starts a dial. */
  existing(address: string): Link | undefined {
    return this.links.get(address)?.current;
  }

  /** Waits (bounded) for a link to `address`. */
  async ready(address: string, timeoutMs = 3000): Promise<Link> {
    const pending = this.ensure(address).ready();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new EdgeError('EDGE_LINK_UNREACHABLE', `cannot reach ${address} within ${timeoutMs} ms; is it up?`, { retryable: true })), timeoutMs);
    });
    try {
      return await Promise.race([pending, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops dialing addresses no longer wanted. */
  retain(addresses: ReadonlySet<string>): void {
    for (const [address, link] of this.links) {
      if (!addresses.has(address)) {
        link.stop();
        this.links.delete(address);
      }
    }
  }

  drop(address: string): void {
    this.links.get(address)?.stop();
    this.links.delete(address);
  }

  stop(): void {
    for (const link of this.links.values()) link.stop();
    this.links.clear();
  }

  private ensure(address: string): ReconnectingLink {
    let link = this.links.get(address);
    if (!link) {
      if (this.links.size >= peerLinksMax) {
        // Forget the oldest: a fleet larger than the pool is served by reconnecting on demand.
        const [oldest] = this.links.keys();
        if (oldest !== undefined) this.drop(oldest);
      }
      let lastLogged = '';
      link = new ReconnectingLink({
        dial: () => this.dial(address),
        rng: this.rng,
        backoff: { baseMs: 50, maxMs: 2000 },
        onRetry: (error) => {
          if (error.code !== lastLogged) this.log(`link to ${address}: ${error.message}`);
          lastLogged = error.code;
        },
        onLink: () => {
          lastLogged = '';
        },
      });
      this.links.set(address, link);
    }
    return link;
  }
}
