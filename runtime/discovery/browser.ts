/**
 * Finds `_edgectl._tcp` instances on the LAN and keeps the list current:
 * queries when the channel opens and then at doubling intervals (with known
 * answers, so responders we already know stay quiet), listens to every
 * response and announcement, re-asks for records nearing expiry, and reports
 * peers going up, changing and going down.
 *
 * Everything read is validated (records.ts) and bounded (peer-cache.ts): a
 * malformed packet is dropped and counted, never a crash. What is found is a
 * hint; the caller verifies a peer over TLS against its pinned CA.
 */
import { systemClock, type Clock } from '../common/clock.js';
import { systemRng, type Rng } from '../common/rng.js';
import { MulticastChannel, type ChannelState } from './channel.js';
import { resolveConfig, resolveInterfaceAddress, type DiscoveryConfig } from './config.js';
import type { DiscoveryError } from './errors.js';
import type { InterfaceTable } from './interface-choice.js';
import type { Destination, SocketFactory } from './mdns-socket.js';
import { SERVICE_TYPE } from './names.js';
import { PeerCache, type DiscoveredPeer, type PeerChange, type PeerChangeKind } from './peer-cache.js';
import { readResponse, type DnsQuestion, type OutgoingRecord } from './records.js';
import { MDNS_PORT } from './responder.js';

export interface BrowserOptions {
  /** Which resolved peers to report; others are neither emitted nor listed. */
  filter?: (peer: DiscoveredPeer) => boolean;
  /** IPv4 address whose interface carries mDNS; omitted or 0.0.0.0: the first non-loopback interface. */
  interfaceAddress?: string;
  log: (line: string) => void;
  config?: Partial<DiscoveryConfig>;
  rng?: Rng;
  clock?: Clock;
  /** Edges, for tests. */
  readInterfaces?: () => InterfaceTable;
  socketFactory?: SocketFactory;
}

export interface BrowserStats {
  packetsReceived: number;
  /** Datagrams that were not DNS at all. */
  packetsUndecodable: number;
  /** Responses dropped because a record about our service was malformed; by reason in `rejectedByReason`. */
  packetsRejected: number;
  rejectedByReason: Record<string, number>;
  /** Responses not from port 5353 (RFC 6762 §6: ignored). */
  packetsWrongPort: number;
  packetsOffLink: number;
  peersDropped: number;
  addressesDropped: number;
  queriesSent: number;
  sendFailures: number;
  channelOpens: number;
  channelFailures: number;
}

export type BrowserEvent = PeerChangeKind;

export interface Browser {
  start(): void;
  /** Stops querying and closes the socket; emits nothing and forgets the peers. */
  stop(): Promise<void>;
  /** Subscribes; returns the unsubscribe function. 'update' is a visible peer whose port, addresses or TXT changed. */
  on(event: BrowserEvent, listener: (peer: DiscoveredPeer) => void): () => void;
  /** Peers currently up and accepted by the filter, sorted by instance. */
  peers(): DiscoveredPeer[];
  readonly state: ChannelState;
  readonly lastError: DiscoveryError | undefined;
  stats(): BrowserStats;
}

export function createBrowser(options: BrowserOptions): Browser {
  return new MdnsBrowser(options);
}

class MdnsBrowser implements Browser {
  private readonly config: DiscoveryConfig;
  private readonly clock: Clock;
  private readonly channel: MulticastChannel;
  private cache: PeerCache;
  private readonly listeners: Record<BrowserEvent, Set<(peer: DiscoveredPeer) => void>> = { up: new Set(), update: new Set(), down: new Set() };
  private queryTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private queryIntervalMs: number;
  private lastRejectLogMs = Number.NEGATIVE_INFINITY;
  private readonly counters = { packetsReceived: 0, packetsUndecodable: 0, packetsRejected: 0, packetsWrongPort: 0, queriesSent: 0 };
  private readonly rejectedByReason: Record<string, number> = {};

  constructor(private readonly options: BrowserOptions) {
    this.config = resolveConfig(options.config);
    this.clock = options.clock ?? systemClock;
    this.queryIntervalMs = this.config.queryIntervalMsInitial;
    this.cache = this.newCache();
    this.channel = new MulticastChannel({
      who: 'browser',
      interfaceAddress: resolveInterfaceAddress(options.interfaceAddress),
      config: this.config,
      log: options.log,
      rng: options.rng ?? systemRng,
      onOpen: () => this.opened(),
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
    this.channel.start();
  }

  async stop(): Promise<void> {
    clearTimeout(this.queryTimer);
    clearTimeout(this.deadlineTimer);
    await this.channel.stop();
    this.cache = this.newCache();
  }

  on(event: BrowserEvent, listener: (peer: DiscoveredPeer) => void): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  peers(): DiscoveredPeer[] {
    return this.cache.peers();
  }

  stats(): BrowserStats {
    const channel = this.channel.stats();
    const cache = this.cache.stats();
    return {
      ...this.counters,
      rejectedByReason: { ...this.rejectedByReason },
      packetsOffLink: channel.packetsOffLink,
      peersDropped: cache.peersDropped,
      addressesDropped: cache.addressesDropped,
      sendFailures: channel.sendFailures,
      channelOpens: channel.opens,
      channelFailures: channel.failures,
    };
  }

  private newCache(): PeerCache {
    const { peersMax, addressesPerPeerMax, goodbyeGraceMs } = this.config;
    return new PeerCache({ peersMax, addressesPerPeerMax, goodbyeGraceMs, filter: this.options.filter });
  }

  /** On every (re)open: ask at once, then at doubling intervals from the start again. */
  private opened(): void {
    clearTimeout(this.queryTimer);
    this.queryIntervalMs = this.config.queryIntervalMsInitial;
    const loop = (): void => {
      this.query([{ name: SERVICE_TYPE, type: 'PTR' }], this.cache.knownAnswers(this.clock.monotonicMs()));
      this.queryTimer = setTimeout(loop, this.queryIntervalMs);
      this.queryIntervalMs = Math.min(this.queryIntervalMs * 2, this.config.queryIntervalMsMax);
    };
    loop();
  }

  private query(questions: DnsQuestion[], knownAnswers: OutgoingRecord[] = []): void {
    if (questions.length === 0 || this.channel.state !== 'open') return;
    this.counters.queriesSent++;
    void this.channel.send({ type: 'query', id: 0, flags: 0, questions, answers: knownAnswers.slice(0, this.config.knownAnswersPerQueryMax) });
  }

  private received(packet: unknown, source: Destination): void {
    if (typeof packet !== 'object' || packet === null || (packet as { type?: unknown }).type !== 'response') return;
    this.counters.packetsReceived++;
    if (source.port !== MDNS_PORT) {
      this.counters.packetsWrongPort++;
      return;
    }
    const reading = readResponse(packet, this.config);
    if (!reading.ok) {
      this.rejected(reading.reason, source);
      return;
    }
    if (reading.records.length === 0) return;
    const nowMs = this.clock.monotonicMs();
    this.emit(this.cache.apply(reading.records, nowMs, this.clock.nowMs()));
    this.query(this.cache.resolveQuestions(nowMs));
    this.armDeadline();
  }

  private rejected(reason: string, source: Destination): void {
    this.counters.packetsRejected++;
    this.rejectedByReason[reason] = (this.rejectedByReason[reason] ?? 0) + 1;
    const nowMs = this.clock.monotonicMs();
    if (nowMs - this.lastRejectLogMs < this.config.repeatLogIntervalMs) return;
    this.lastRejectLogMs = nowMs;
    this.options.log(`discovery browser: dropped a malformed mDNS response from ${source.address} (${reason}); ${this.counters.packetsRejected} dropped so far`);
  }

  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    const deadlineMs = this.cache.nextDeadlineMs();
    if (deadlineMs === undefined || this.channel.state === 'stopped') return;
    this.deadlineTimer = setTimeout(() => this.deadline(), Math.max(0, Math.ceil(deadlineMs - this.clock.monotonicMs())));
  }

  private deadline(): void {
    const nowMs = this.clock.monotonicMs();
    this.emit(this.cache.expire(nowMs));
    this.query(this.cache.refreshQuestions(nowMs));
    this.armDeadline();
  }

  private emit(changes: readonly PeerChange[]): void {
    for (const change of changes) {
      for (const listener of this.listeners[change.kind]) {
        try {
          listener(change.peer);
        } catch (error) {
          this.options.log(`discovery browser: a '${change.kind}' listener threw: ${(error as Error).stack ?? String(error)}`);
        }
      }
    }
  }
}
