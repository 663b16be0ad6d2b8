// A hand-driven cluster for scripted interaction tests: the test decides
// when each node ticks and which messages arrive, and reads what each node
// said and saw. (The timed, lossy network is sim.ts.)
import { SeededRng } from '../../runtime/common/rng.js';
import { lanDefaults, type GossipConfig } from '../../runtime/gossip/config.js';
import type { MembershipEvent } from '../../runtime/gossip/events.js';
import type { GossipMessage, MemberState } from '../../runtime/gossip/messages.js';
import { GossipNode, type Outbound } from '../../runtime/gossip/node.js';

export interface Sent extends Outbound {
  from: string;
}

export const addressOf = (id: string): string => `${id}.lan:4270`;

export class Cluster {
  readonly nodes = new Map<string, GossipNode>();
  readonly events = new Map<string, MembershipEvent[]>();
  /** Sent but not yet delivered, in order. */
  inFlight: Sent[] = [];
  /** Every message ever sent (delivered or not), for assertions. */
  readonly log: Sent[] = [];
  /** Messages for which this returns true are lost instead of delivered. */
  drop: (message: Sent) => boolean = () => false;

  constructor(
    readonly config: GossipConfig = lanDefaults(),
    private readonly seed = 1,
  ) {}

  add(id: string, options: { incarnation?: number; labels?: Uint8Array; role?: 'manager' | 'worker' } = {}): GossipNode {
    const node = new GossipNode({
      config: this.config,
      rng: new SeededRng(this.seed * 1000 + this.nodes.size),
      id,
      address: addressOf(id),
      role: options.role ?? 'worker',
      labels: options.labels,
      incarnation: options.incarnation,
    });
    this.nodes.set(id, node);
    this.events.set(id, []);
    this.collect(id);
    return node;
  }

  node(id: string): GossipNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  /** Makes every node know every other (as a completed join would), then forgets the chatter. */
  introduceAll(): void {
    const rows: MemberState[] = [...this.nodes.values()].map((node) => node.members().find((row) => row.member === node.id)!);
    for (const [id, node] of this.nodes) {
      const other = rows.find((row) => row.member !== id)!;
      node.step({ type: 'pushPull', source: other.member, reply: true, members: rows }, other.address);
      this.collect(id);
    }
    this.inFlight = [];
    for (const events of this.events.values()) events.length = 0;
  }

  /** Drains a node's Ready into the in-flight list and its event list. */
  collect(id: string): Sent[] {
    const node = this.node(id);
    if (!node.hasReady()) return [];
    const ready = node.ready();
    const sent = ready.messages.map((outbound) => ({ ...outbound, from: id }));
    this.inFlight.push(...sent);
    this.log.push(...sent);
    this.events.get(id)!.push(...ready.events);
    node.advance();
    return sent;
  }

  tick(id: string, times = 1): Sent[] {
    const sent: Sent[] = [];
    for (let round = 0; round < times; round += 1) {
      this.node(id).tick();
      sent.push(...this.collect(id));
    }
    return sent;
  }

  tickAll(times = 1): void {
    for (let round = 0; round < times; round += 1) for (const id of this.nodes.keys()) this.tick(id);
  }

  /** Delivers one message now (whatever drop says). Returns what the receiver sent in response. */
  deliver(message: Sent): Sent[] {
    const target = [...this.nodes.entries()].find(([, node]) => addressOf(node.id) === message.address);
    if (target === undefined) return [];
    const [id, node] = target;
    const error = node.step(structuredClone(message.message) as GossipMessage, addressOf(message.from));
    if (error !== undefined) throw error;
    return this.collect(id);
  }

  /** Delivers everything in flight (and what it provokes) unless dropped, up to a bound. */
  settle(rounds = 50): void {
    for (let round = 0; round < rounds && this.inFlight.length > 0; round += 1) {
      const batch = this.inFlight;
      this.inFlight = [];
      for (const message of batch) if (!this.drop(message)) this.deliver(message);
    }
  }

  /** Ticks every node and settles, `times` times. */
  run(times: number): void {
    for (let round = 0; round < times; round += 1) {
      this.tickAll();
      this.settle();
    }
  }

  eventsAbout(observer: string, member: string): string[] {
    return this.events
      .get(observer)!
      .filter((event) => event.member === member)
      .map((event) => `${event.kind}@${event.incarnation}`);
  }

  statusOf(observer: string, member: string): string | undefined {
    return this.node(observer)
      .members()
      .find((row) => row.member === member)?.status;
  }
}
