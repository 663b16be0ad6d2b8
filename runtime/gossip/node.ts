// The gossip core as the driver sees it, in the manner of etcd's raft
// RawNode: the driver calls tick() every config.tickMs, hands every received
// message to step(), and after either drains ready() and calls advance().
// Nothing here reads a clock, draws from Math.random or touches a socket.
//
// Ready's order: persist `incarnation` (optional, see GossipReady) before
// sending `messages`; hand `events` to the managers in order.
import type { Rng } from '../common/rng.js';
import { Awareness } from './awareness.js';
import { pushPullIntervalTicks, validateConfig, type GossipConfig } from './config.js';
import { encodedBytes } from './encoded-size.js';
import { GossipError, GossipErrorCode } from './errors.js';
import { BoundedLog, type MembershipEvent } from './events.js';
import { Membership } from './membership.js';
import { checkIdentity, usableSeeds } from './identity.js';
import {
  checkMessage,
  copyUpdate,
  type GossipMessage,
  type MemberId,
  type MemberState,
  type NodeRole,
  type PingReqMessage,
  type PushPullMessage,
  type Update,
} from './messages.js';
import { Prober } from './probe.js';
import { Relays } from './relays.js';

export interface GossipNodeOptions {
  config: GossipConfig;
  rng: Rng;
  /** This node's id (its certificate CN). */
  id: MemberId;
  /** Where peers reach this node ("host:port"). */
  address: string;
  role: NodeRole;
  /** Opaque labels blob, at most config.labelsBytesMax bytes. */
  labels?: Uint8Array;
  /** Starting incarnation: the last persisted one, or 0 (peers then tell us what to beat). */
  incarnation?: number;
}

/** A message to send. `to` is null only for join messages to a seed address. */
export interface Outbound {
  to: MemberId | null;
  address: string;
  message: GossipMessage;
}

export interface GossipReady {
  /**
   * This node's incarnation when it changed since the last advance(). Writing
   * it down before sending lets a restarted node start above it; skipping
   * that is safe too (peers reveal the number to beat on join), only slower.
   */
  incarnation: number | undefined;
  messages: readonly Outbound[];
  events: readonly MembershipEvent[];
  /** Events lost to a full queue since the last empty one: resync from members(). */
  eventsDropped: number;
}

export interface GossipCounters {
  messagesReceived: number;
  messagesRejected: number;
  messagesSent: number;
  /** Messages dropped because the driver left ready() undrained past outboxMessagesMax. */
  outboxDropped: number;
  /** Pings addressed to another member id (our address used to be someone else's). */
  pingsMisdirected: number;
  relaysRefused: number;
  pushPullsRefused: number;
  /** Replies with no address to go to (unknown sender and no replyAddress). */
  repliesUnaddressable: number;
}

interface Envelope {
  to: MemberId | null;
  address: string;
}

export class GossipNode {
  readonly config: GossipConfig;
  readonly id: MemberId;
  readonly counters: GossipCounters = {
    messagesReceived: 0,
    messagesRejected: 0,
    messagesSent: 0,
    outboxDropped: 0,
    pingsMisdirected: 0,
    relaysRefused: 0,
    pushPullsRefused: 0,
    repliesUnaddressable: 0,
  };
  private readonly rng: Rng;
  private readonly awareness: Awareness;
  private readonly membership: Membership;
  private readonly prober: Prober;
  private readonly relays: Relays;
  private readonly outbox: BoundedLog<Outbound>;
  private nowTick = 0;
  private seq = 0;
  private seeds: string[] = [];
  private nextGossipTick = 1;
  private nextPushPullTick: number;
  private nextJoinTick = 0;
  private nextReconnectTick: number;
  private nextReapTick: number;
  private pushPullRepliesLeft: number;
  private correctionsLeft: number;
  private leaveTick: number | undefined;
  /** We were probably cut off: push-pull once the link proves to work again. */
  private syncPending = false;
  private lastSyncTick = -Infinity;
  private persistedIncarnation: number;
  private readyEnd: { messages: number; events: number; incarnation: number } | undefined;

  constructor(options: GossipNodeOptions) {
    validateConfig(options.config);
    const config = options.config;
    const labels = options.labels ?? new Uint8Array(0);
    const incarnation = options.incarnation ?? 0;
    checkIdentity(config, options.id, options.address, options.role, labels);
    if (!Number.isSafeInteger(incarnation) || incarnation < 0) {
      throw new GossipError(GossipErrorCode.IdentityInvalid, `incarnation must be a whole number >= 0, got ${incarnation}`, 'incarnation');
    }
    this.config = config;
    this.id = options.id;
    this.rng = options.rng;
    this.awareness = new Awareness(config.awarenessMax);
    this.membership = new Membership(config, { id: options.id, address: options.address, role: options.role, labels, incarnation }, this.awareness);
    this.relays = new Relays(config.relaysMax);
    this.outbox = new BoundedLog(config.outboxMessagesMax);
    this.prober = new Prober(config, this.rng, this.membership.table, this.awareness, {
      nextSeq: () => this.nextSeq(),
      sendPing: (target, seq) => this.sendTo(target, { type: 'ping', source: this.id, seq, target, updates: this.piggyback(target) }),
      sendPingReq: (relay, target, seq) => this.sendPingReq(relay, target, seq),
      failed: (target, cutOff) => {
        if (cutOff) this.syncPending = true;
        this.membership.suspectFromProbe(target, this.nowTick);
      },
    });
    this.nextPushPullTick = 1 + this.rng.int(config.pushPullIntervalTicks);
    this.nextReconnectTick = 1 + this.rng.int(Math.max(1, config.reconnectIntervalTicks));
    this.nextReapTick = this.reapEveryTicks;
    this.pushPullRepliesLeft = config.pushPullRepliesPerTickMax;
    this.correctionsLeft = config.correctionsPerTickMax;
    this.persistedIncarnation = incarnation;
  }

  /** Ticks since construction. */
  get tickCount(): number {
    return this.nowTick;
  }

  get incarnation(): number {
    return this.membership.selfIncarnation;
  }

  /** Lifeguard local health score: 0 healthy, up to awarenessMax - 1. */
  get health(): number {
    return this.awareness.health;
  }

  /** Counters of the member view (refutations, members refused by a full table). */
  get membershipCounters(): Readonly<{ membersRefused: number; refutations: number }> {
    return this.membership.counters;
  }

  /** Advances time by one tick (config.tickMs). */
  tick(): void {
    this.nowTick += 1;
    const now = this.nowTick;
    this.pushPullRepliesLeft = this.config.pushPullRepliesPerTickMax;
    this.correctionsLeft = this.config.correctionsPerTickMax;
    if (!this.membership.isLeaving) this.prober.tick(now);
    for (const relay of this.relays.due(now)) {
      const nack = { type: 'nack', source: this.id, seq: relay.requesterSeq, updates: this.piggyback(relay.requester) } as const;
      this.send({ to: relay.requester, address: relay.requesterAddress }, nack);
    }
    this.membership.tickSuspicions(now);
    if (now >= this.nextGossipTick) {
      this.nextGossipTick = now + this.config.gossipIntervalTicks;
      this.gossipRound(now);
    }
    if (!this.membership.isLeaving) this.tickBackground(now);
    if (now >= this.nextReapTick) {
      this.nextReapTick = now + this.reapEveryTicks;
      this.membership.reap(now);
    }
    this.sendCorrections();
  }

  /** A transport's hint that `member` may be gone: probe it now rather than in its turn (see Prober.probeSoon). */
  probeSoon(member: MemberId): void {
    if (member !== this.id && !this.membership.isLeaving) this.prober.probeSoon(member, this.nowTick);
  }

  /**
   * Handles one received message. `replyAddress` is where the transport says
   * it came from; replies go there (else to the sender's known address).
   * Returns the reason when the message was refused; nothing changed then.
   */
  step(message: GossipMessage, replyAddress?: string): GossipError | undefined {
    const invalid = checkMessage(message, this.config);
    if (invalid !== undefined) {
      this.counters.messagesRejected += 1;
      return invalid;
    }
    // Our own message come back (we are listed among our seeds): nothing to learn.
    if (message.source === this.id) return undefined;
    this.counters.messagesReceived += 1;
    const refutationsBefore = this.membership.counters.refutations;
    const known = this.membership.table.get(message.source) !== undefined;
    if (message.type === 'pushPull') {
      this.onPushPull(message, replyAddress);
    } else {
      for (const update of message.updates) this.membership.apply(copyUpdate(update), this.nowTick, message.source);
      switch (message.type) {
        case 'ping':
          if (message.target !== this.id) this.counters.pingsMisdirected += 1;
          else this.reply(message.source, replyAddress, (updates) => ({ type: 'ack', source: this.id, seq: message.seq, updates }));
          break;
        case 'ack':
          this.onAck(message.seq);
          break;
        case 'nack':
          this.prober.nacked(message.seq, message.source);
          break;
        case 'pingReq':
          this.onPingReq(message, replyAddress);
          break;
        case 'gossip':
          break;
      }
    }
    // We had to refute (so we were unreachable for a while), or a stranger talks to us: we missed news.
    if (this.membership.counters.refutations !== refutationsBefore) this.syncPending = true;
    if (this.syncPending || (!known && message.type !== 'pushPull')) this.sync(message.source, replyAddress);
    this.sendCorrections();
    return undefined;
  }

  /**
   * Contacts the seeds (push-pull of our state), and again every
   * joinRetryTicks while no other member is known. Seeds equal to our own
   * address are skipped.
   */
  join(seedAddresses: readonly string[]): GossipError | undefined {
    if (this.membership.isLeaving) return new GossipError(GossipErrorCode.JoinInvalid, 'cannot join after leave(): start a new node instead');
    const seeds = usableSeeds(this.config, seedAddresses, this.membership.table.get(this.id)!.address);
    if (seeds instanceof GossipError) return seeds;
    this.seeds = seeds;
    this.sendJoin();
    return undefined;
  }

  /** Starts a graceful leave; keep ticking and draining until isLeaveDone(). */
  leave(): void {
    if (this.membership.isLeaving) return;
    this.leaveTick = this.nowTick;
    this.membership.leave(this.nowTick);
  }

  /** True once the leave has been sent its full retransmit count, or leaveTicksMax passed. */
  isLeaveDone(): boolean {
    if (this.leaveTick === undefined) return false;
    if (this.nowTick - this.leaveTick >= this.config.leaveTicksMax) return true;
    return this.membership.broadcasts.transmitsOf(this.id) === undefined;
  }

  /** New address, role or labels: announced with a higher incarnation. */
  updateSelf(change: { address?: string; role?: NodeRole; labels?: Uint8Array }): GossipError | undefined {
    if (this.membership.isLeaving) return new GossipError(GossipErrorCode.IdentityInvalid, 'cannot change metadata after leave()');
    const self = this.membership.table.get(this.id)!;
    try {
      checkIdentity(this.config, this.id, change.address ?? self.address, change.role ?? self.role, change.labels ?? self.labels);
    } catch (error) {
      if (error instanceof GossipError) return error;
      throw error;
    }
    this.membership.updateSelf(change, this.nowTick);
    return undefined;
  }

  /** This node's whole view (self included), for a resync. Labels are shared: do not modify. */
  members(): MemberState[] {
    return this.membership.fullState();
  }

  hasReady(): boolean {
    return this.outbox.length > 0 || this.membership.events.length > 0 || this.incarnation !== this.persistedIncarnation;
  }

  /** What to persist, send and report since the last advance(). */
  ready(): GossipReady {
    const incarnation = this.incarnation;
    this.readyEnd = { messages: this.outbox.end, events: this.membership.events.end, incarnation };
    return {
      incarnation: incarnation !== this.persistedIncarnation ? incarnation : undefined,
      messages: [...this.outbox.peek()],
      events: [...this.membership.events.peek()],
      eventsDropped: this.membership.events.dropped,
    };
  }

  /** Acknowledges the last ready(): its messages are sent and its events handled. */
  advance(): void {
    if (this.readyEnd === undefined) return;
    this.outbox.consumeUntil(this.readyEnd.messages);
    this.membership.events.consumeUntil(this.readyEnd.events);
    this.persistedIncarnation = this.readyEnd.incarnation;
    this.readyEnd = undefined;
  }

  private get reapEveryTicks(): number {
    return Math.max(1, Math.floor(this.config.deadRetentionTicks / 8));
  }

  private tickBackground(now: number): void {
    if (now >= this.nextPushPullTick) {
      this.nextPushPullTick = now + pushPullIntervalTicks(this.config, this.membership.table.liveCount);
      const [peer] = this.membership.table.randomLive(this.rng, 1);
      if (peer !== undefined) this.sendTo(peer, this.pushPull(false));
    }
    if (this.seeds.length > 0 && now >= this.nextJoinTick && this.membership.table.livePeers.length === 0) this.sendJoin();
    if (this.config.reconnectIntervalTicks > 0 && now >= this.nextReconnectTick) {
      this.nextReconnectTick = now + this.config.reconnectIntervalTicks;
      const dead: MemberId[] = [];
      for (const member of this.membership.table.values()) if (member.status === 'dead') dead.push(member.id);
      if (dead.length > 0) this.sendTo(dead[this.rng.int(dead.length)]!, this.pushPull(false));
    }
  }

  /** Sends queued news to gossipFanout members, picked among live and recently dead ones alike. */
  private gossipRound(now: number): void {
    if (this.membership.broadcasts.size === 0) return;
    const table = this.membership.table;
    const dead = this.membership.recentlyDead(now);
    const fanout = this.config.gossipFanout;
    let deadSlots = 0;
    for (let slot = 0; slot < fanout && dead.length > 0; slot += 1) {
      if (this.rng.int(table.livePeers.length + dead.length) < dead.length) deadSlots += 1;
    }
    const targets = table.randomLive(this.rng, fanout - deadSlots);
    for (let slot = 0; slot < deadSlots; slot += 1) {
      const id = dead[this.rng.int(dead.length)]!;
      if (!targets.includes(id)) targets.push(id);
    }
    for (const target of targets) {
      if (this.membership.broadcasts.size === 0) break;
      this.sendTo(target, { type: 'gossip', source: this.id, updates: this.piggyback(target) });
    }
  }

  /** An extra push-pull with `peer`, at most once per syncPushPullTicksMin. */
  private sync(peer: MemberId, replyAddress: string | undefined): void {
    if (this.membership.isLeaving || this.nowTick - this.lastSyncTick < this.config.syncPushPullTicksMin) return;
    const address = replyAddress ?? this.membership.table.get(peer)?.address;
    if (address === undefined) return;
    this.lastSyncTick = this.nowTick;
    this.syncPending = false;
    this.send({ to: peer, address }, this.pushPull(false));
  }

  private sendJoin(): void {
    this.nextJoinTick = this.nowTick + this.config.joinRetryTicks;
    for (const address of this.seeds) this.send({ to: null, address }, this.pushPull(false));
  }

  private onAck(seq: number): void {
    if (this.prober.acked(seq)) return;
    const relay = this.relays.resolve(seq);
    if (relay === undefined) return;
    const ack = { type: 'ack', source: this.id, seq: relay.requesterSeq, updates: this.piggyback(relay.requester) } as const;
    this.send({ to: relay.requester, address: relay.requesterAddress }, ack);
  }

  private onPingReq(message: PingReqMessage, replyAddress: string | undefined): void {
    const requesterAddress = replyAddress ?? this.membership.table.get(message.source)?.address;
    if (requesterAddress === undefined) {
      this.counters.repliesUnaddressable += 1;
      return;
    }
    if (message.target === this.id) {
      const ack = { type: 'ack', source: this.id, seq: message.seq, updates: this.piggyback(message.source) } as const;
      this.send({ to: message.source, address: requesterAddress }, ack);
      return;
    }
    const seq = this.nextSeq();
    const relay = {
      requester: message.source,
      requesterAddress,
      requesterSeq: message.seq,
      nackTick: this.nowTick + this.config.relayNackTicks,
      expireTick: this.nowTick + this.config.relayNackTicks + this.config.probeTimeoutTicks,
      nacked: false,
    };
    if (!this.relays.start(seq, relay)) {
      this.counters.relaysRefused += 1;
      return;
    }
    const ping = { type: 'ping', source: this.id, seq, target: message.target, updates: this.piggyback(message.target) } as const;
    this.send({ to: message.target, address: message.targetAddress }, ping);
  }

  private onPushPull(message: PushPullMessage, replyAddress: string | undefined): void {
    for (const row of message.members) this.membership.applyState(row, message.source, this.nowTick);
    if (message.reply) return;
    if (this.pushPullRepliesLeft <= 0) {
      this.counters.pushPullsRefused += 1;
      return;
    }
    this.pushPullRepliesLeft -= 1;
    this.reply(message.source, replyAddress, () => this.pushPull(true));
  }

  private pushPull(reply: boolean): PushPullMessage {
    return { type: 'pushPull', source: this.id, reply, members: this.membership.fullState() };
  }

  private sendPingReq(relay: MemberId, target: MemberId, seq: number): void {
    const targetAddress = this.membership.table.get(target)?.address;
    if (targetAddress === undefined) return;
    this.sendTo(relay, { type: 'pingReq', source: this.id, seq, target, targetAddress, updates: this.piggyback(relay) });
  }

  /** Fresh alive news, straight to members that still hold stale bad news (bounded per tick). */
  private sendCorrections(): void {
    for (const { holder, updates } of this.membership.takeCorrections()) {
      if (this.correctionsLeft <= 0) break;
      if (this.membership.table.get(holder) === undefined) continue;
      this.correctionsLeft -= 1;
      this.sendTo(holder, { type: 'gossip', source: this.id, updates: this.piggyback(holder, updates) });
    }
  }

  /**
   * Updates for one message to `recipient`: our bad news about the recipient
   * itself first (buddy system), then `first`, then the least-sent queued news.
   */
  private piggyback(recipient: MemberId, first: Update[] = [], reservedBytes = 0): Update[] {
    const updates: Update[] = [];
    const belief = this.membership.beliefAbout(recipient);
    if (belief !== undefined) updates.push(belief);
    updates.push(...first);
    if (this.membership.broadcasts.size === 0) return updates;
    let bytes = reservedBytes;
    for (const update of updates) bytes += encodedBytes(update);
    const countLeft = this.config.updatesPerMessageMax - updates.length;
    if (countLeft <= 0) return updates;
    const options = { retransmitLimit: this.membership.retransmitLimit, bytesMax: this.config.piggybackBytesMax, countMax: countLeft };
    const taken = this.membership.broadcasts.take(options, bytes);
    if (updates.length === 0) return taken;
    const placed = new Set(updates.map((update) => update.member));
    for (const update of taken) if (!placed.has(update.member)) updates.push(update);
    return updates;
  }

  private reply(to: MemberId, replyAddress: string | undefined, build: (updates: Update[]) => GossipMessage): void {
    const address = replyAddress ?? this.membership.table.get(to)?.address;
    if (address === undefined) {
      this.counters.repliesUnaddressable += 1;
      return;
    }
    this.send({ to, address }, build(this.piggyback(to)));
  }

  private sendTo(to: MemberId, message: GossipMessage): void {
    const member = this.membership.table.get(to);
    if (member === undefined) return;
    this.send({ to, address: member.address }, message);
  }

  private send(envelope: Envelope, message: GossipMessage): void {
    const before = this.outbox.dropped;
    this.outbox.push({ to: envelope.to, address: envelope.address, message });
    this.counters.outboxDropped += this.outbox.dropped - before;
    this.counters.messagesSent += 1;
  }

  private nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }
}
