/**
 * Publishes this node as `<instance>._edgectl._tcp.local`: announces when the
 * channel opens (and again after the network comes back or the TXT changes),
 * answers queries, and says goodbye (TTL 0) on stop so browsers drop it at
 * once instead of after its TTL.
 *
 * Whatever a browser finds here is a hint: the joiner verifies the manager's
 * certificate against the CA pinned in its join token before trusting it.
 */
import { systemRng, type Rng } from '../common/rng.js';
import { MulticastChannel, type ChannelState } from './channel.js';
import { resolveConfig, resolveInterfaceAddress, type DiscoveryConfig } from './config.js';
import { configInvalid, type DiscoveryError } from './errors.js';
import type { ChosenInterface, InterfaceTable } from './interface-choice.js';
import type { Destination, SocketFactory } from './mdns-socket.js';
import { isUsableAddress, isValidInstanceLabel } from './names.js';
import type { OutgoingRecord } from './records.js';
import { announcement, answerQuery, readQuery, replyPacket, type AdvertisedService } from './responder.js';
import { txtProblem, type PeerTxt } from './txt.js';

export interface AdvertiserOptions {
  /** Instance label: 1–63 characters from A-Z a-z 0-9 _ - (use the node id). */
  instanceName: string;
  /** TCP port of the node's TLS listener, 1–65535 (the SRV port). */
  port: number;
  txt: PeerTxt;
  /**
   * Addresses peers should connect to (A/AAAA). Omitted or empty: the chosen
   * interface's IPv4 address and its global IPv6 addresses, re-read each
   * time the channel opens (a board renumbered by DHCP advertises its new one).
   */
  addresses?: string[];
  /** IPv4 address whose interface carries mDNS (the advertise address); omitted or 0.0.0.0: the first non-loopback interface. */
  interfaceAddress?: string;
  log: (line: string) => void;
  config?: Partial<DiscoveryConfig>;
  rng?: Rng;
  /** Edges, for tests. */
  readInterfaces?: () => InterfaceTable;
  socketFactory?: SocketFactory;
}

export interface AdvertiserStats {
  announcementsSent: number;
  queriesAnswered: number;
  queriesIgnored: number;
  packetsUndecodable: number;
  sendFailures: number;
  channelOpens: number;
  channelFailures: number;
}

export interface Advertiser {
  /** Opens the channel; announcements follow as soon as an interface is usable. */
  start(): void;
  /** Changes TXT fields (a promotion changes `role`) and re-announces. Throws EDGE_DISCOVERY_CONFIG_INVALID for a bad value. */
  update(txt: Partial<PeerTxt>): void;
  /** Sends the goodbye (when the channel is open) and closes. Safe to call twice. */
  stop(): Promise<void>;
  readonly state: ChannelState;
  /** Why the channel is not open, if it is not. */
  readonly lastError: DiscoveryError | undefined;
  stats(): AdvertiserStats;
}

export function createAdvertiser(options: AdvertiserOptions): Advertiser {
  return new MdnsAdvertiser(options);
}

class MdnsAdvertiser implements Advertiser {
  private readonly config: DiscoveryConfig;
  private readonly channel: MulticastChannel;
  private readonly rng: Rng;
  private txt: PeerTxt;
  private chosen: ChosenInterface | undefined;
  private announceTimer: NodeJS.Timeout | undefined;
  private readonly replyTimers = new Set<NodeJS.Timeout>();
  /** When each record was last multicast, for RFC 6762 §6's once-a-second limit. */
  private readonly lastMulticastMs = new Map<string, number>();
  private stopping: Promise<void> | undefined;
  private readonly counters = { announcementsSent: 0, queriesAnswered: 0, queriesIgnored: 0, packetsUndecodable: 0 };

  constructor(private readonly options: AdvertiserOptions) {
    this.config = resolveConfig(options.config);
    validateAdvertiserOptions(options);
    this.txt = { ...options.txt };
    this.rng = options.rng ?? systemRng;
    this.channel = new MulticastChannel({
      who: `advertiser ${options.instanceName}`,
      interfaceAddress: resolveInterfaceAddress(options.interfaceAddress),
      config: this.config,
      log: options.log,
      rng: this.rng,
      onOpen: (chosen) => this.opened(chosen),
      onPacket: (packet, source) => this.received(packet, source),
      onUndecodable: () => this.counters.packetsUndecodable++,
      readInterfaces: options.readInterfaces,
      socketFactory: options.socketFactory,
    });
  }

  get state(): ChannelState {
    return this.channel.state;
  }

  get lastError(): DiscoveryError | undefined {
    return this.channel.lastError;
  }

  start(): void {
    if (this.stopping) return;
    this.channel.start();
  }

  update(txt: Partial<PeerTxt>): void {
    const next = { ...this.txt, ...txt };
    const problem = txtProblem(next);
    if (problem !== undefined) throw configInvalid('txt', `${problem.replace('txt-', '')} is not valid`, 'see runtime/discovery/README.md for the TXT keys and their characters');
    this.txt = next;
    // RFC 6762 §8.4: changed records are announced again.
    if (this.channel.state === 'open') this.announce();
  }

  stop(): Promise<void> {
    this.stopping ??= this.goodbyeAndClose();
    return this.stopping;
  }

  stats(): AdvertiserStats {
    const channel = this.channel.stats();
    return { ...this.counters, sendFailures: channel.sendFailures, channelOpens: channel.opens, channelFailures: channel.failures };
  }

  private async goodbyeAndClose(): Promise<void> {
    clearTimeout(this.announceTimer);
    for (const timer of this.replyTimers) clearTimeout(timer);
    this.replyTimers.clear();
    const service = this.service();
    if (this.channel.state === 'open' && service) await this.channel.send(announcement(service, { goodbye: true }));
    await this.channel.stop();
  }

  private service(): AdvertisedService | undefined {
    const addresses = this.options.addresses?.length
      ? this.options.addresses
      : this.chosen
        ? [this.chosen.address, ...this.chosen.otherAddresses]
        : [];
    if (addresses.length === 0) return undefined;
    return { instance: this.options.instanceName, port: this.options.port, txt: this.txt, addresses, ttlSeconds: this.config.recordTtlSeconds };
  }

  private opened(chosen: ChosenInterface): void {
    this.chosen = chosen;
    this.lastMulticastMs.clear();
    this.announce();
  }

  /** `announceCount` announcements, the gap doubling from `announceIntervalMs` (RFC 6762 §8.3). */
  private announce(): void {
    clearTimeout(this.announceTimer);
    const send = (index: number): void => {
      const service = this.service();
      if (!service || this.channel.state !== 'open' || this.stopping) return;
      const packet = announcement(service, { goodbye: false });
      this.noteMulticast(packet.answers ?? []);
      this.counters.announcementsSent++;
      void this.channel.send(packet);
      if (index + 1 < this.config.announceCount) {
        this.announceTimer = setTimeout(() => send(index + 1), this.config.announceIntervalMs * 2 ** index);
      }
    };
    send(0);
  }

  private received(packet: unknown, source: Destination): void {
    if (typeof packet !== 'object' || packet === null || (packet as { type?: unknown }).type !== 'query') return;
    const service = this.service();
    const query = readQuery(packet, this.config);
    if (!query) {
      this.counters.queriesIgnored++;
      return;
    }
    if (!service) return;
    const reply = answerQuery(service, query, source.port);
    if (!reply) return;
    if (!reply.unicast) {
      // RFC 6762 §6: a record is multicast at most once a second.
      reply.answers = reply.answers.filter((record) => !this.multicastRecently(record));
      if (reply.answers.length === 0) return;
    }
    this.counters.queriesAnswered++;
    const destination = reply.unicast ? { address: source.address, port: source.port } : undefined;
    const sendReply = (): void => {
      if (!destination) this.noteMulticast([...reply.answers, ...reply.additionals]);
      void this.channel.send(replyPacket(reply), destination);
    };
    if (!reply.sharedOnly || reply.unicast) {
      sendReply();
      return;
    }
    // Shared answers wait 20–120 ms so several managers answering one query do not collide.
    const { responseDelayMsMin: low, responseDelayMsMax: high } = this.config;
    const timer = setTimeout(() => {
      this.replyTimers.delete(timer);
      if (this.channel.state === 'open') sendReply();
    }, low + Math.floor(this.rng.next() * (high - low + 1)));
    this.replyTimers.add(timer);
  }

  private multicastRecently(record: OutgoingRecord): boolean {
    const last = this.lastMulticastMs.get(recordKey(record));
    return last !== undefined && Date.now() - last < 1000;
  }

  private noteMulticast(records: readonly OutgoingRecord[]): void {
    const nowMs = Date.now();
    for (const record of records) this.lastMulticastMs.set(recordKey(record), nowMs);
  }
}

function recordKey(record: OutgoingRecord): string {
  return `${record.name.toLowerCase()} ${record.type} ${JSON.stringify(record.data)}`;
}

function validateAdvertiserOptions(options: AdvertiserOptions): void {
  if (!isValidInstanceLabel(options.instanceName)) {
    throw configInvalid('instanceName', `${JSON.stringify(options.instanceName)} is not a usable instance label`, 'use 1 to 63 characters from A-Z a-z 0-9 _ - starting with a letter or digit (the node id usually is one)');
  }
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw configInvalid('port', `${String(options.port)} is not a TCP port`, 'use the port of the TLS listener, 1 to 65535');
  }
  const problem = txtProblem(options.txt);
  if (problem !== undefined) {
    throw configInvalid('txt', `${problem.replace('txt-', '')} is not valid`, 'ids use 1 to 64 characters from A-Z a-z 0-9 . _ -; ca is 16 to 64 lowercase hex characters; role is manager or worker');
  }
  for (const address of options.addresses ?? []) {
    if (!isUsableAddress(address)) {
      throw configInvalid('addresses', `${JSON.stringify(address)} is not an address another board can reach`, 'list unicast IPv4 or global IPv6 addresses (not loopback, not fe80::)');
    }
  }
  if (options.addresses && options.addresses.length > 16) throw configInvalid('addresses', `${options.addresses.length} addresses`, 'advertise at most 16');
}
