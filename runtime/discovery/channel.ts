/**
 * Keeps one multicast socket open on the chosen interface, whatever the
 * network does. A board may boot before DHCP, lose its link, or sit on a
 * network without a multicast route: each is logged once with its fix
 * (again at most every `repeatLogIntervalMs` while it lasts) and retried with
 * a doubling, jittered delay between `retryDelayMsMin` and `retryDelayMsMax`.
 * Nothing here throws at the caller or leaves an 'error' event unhandled.
 *
 * States: stopped → opening → open; any failure → waiting → opening again.
 * The owner (advertiser or browser) learns of each successful open through
 * `onOpen`, which is where it (re-)announces or (re-)queries.
 */
import { networkInterfaces } from 'node:os';
import type { Rng } from '../common/rng.js';
import type { DiscoveryConfig } from './config.js';
import { DiscoveryError } from './errors.js';
import { chooseInterface, isOnLink, stillPresent, type ChosenInterface, type InterfaceTable } from './interface-choice.js';
import { multicastDnsSocket, type Destination, type MdnsSocket, type SocketFactory } from './mdns-socket.js';
import type { OutgoingPacket } from './records.js';

export type ChannelState = 'stopped' | 'opening' | 'open' | 'waiting';

export interface ChannelOptions {
  /** Names the owner in log lines, e.g. `advertiser node-1`. */
  who: string;
  interfaceAddress?: string;
  config: DiscoveryConfig;
  log: (line: string) => void;
  rng: Rng;
  onOpen: (chosen: ChosenInterface) => void;
  onPacket: (packet: unknown, source: Destination) => void;
  /** A datagram dns-packet could not decode. */
  onUndecodable: () => void;
  /** Edges, replaced in tests. */
  readInterfaces?: () => InterfaceTable;
  socketFactory?: SocketFactory;
}

export interface ChannelStats {
  opens: number;
  failures: number;
  sendFailures: number;
  packetsOffLink: number;
}

/** Socket errors that mean "this interface cannot do multicast right now". */
const INTERFACE_ERROR_CODES = new Set(['ENODEV', 'EADDRNOTAVAIL', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EINVAL']);

export class MulticastChannel {
  private current: { socket: MdnsSocket; chosen: ChosenInterface; failed: boolean } | undefined;
  private stateValue: ChannelState = 'stopped';
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private lastErrorValue: DiscoveryError | undefined;
  private lastLogged: { code: string; atMs: number } | undefined;
  private readonly counters: ChannelStats = { opens: 0, failures: 0, sendFailures: 0, packetsOffLink: 0 };
  private readonly readInterfaces: () => InterfaceTable;
  private readonly socketFactory: SocketFactory;

  constructor(private readonly options: ChannelOptions) {
    this.readInterfaces = options.readInterfaces ?? networkInterfaces;
    this.socketFactory = options.socketFactory ?? multicastDnsSocket;
  }

  get state(): ChannelState {
    return this.stateValue;
  }

  /** The interface in use while open. */
  get chosen(): ChosenInterface | undefined {
    return this.stateValue === 'open' ? this.current?.chosen : undefined;
  }

  /** The condition that closed the channel last; cleared when it opens again. */
  get lastError(): DiscoveryError | undefined {
    return this.lastErrorValue;
  }

  stats(): ChannelStats {
    return { ...this.counters };
  }

  start(): void {
    if (this.stateValue !== 'stopped') return;
    this.attempt = 0;
    this.open();
  }

  async stop(): Promise<void> {
    this.stateValue = 'stopped';
    clearTimeout(this.retryTimer);
    clearInterval(this.checkTimer);
    await this.closeSocket();
  }

  /** Sends a packet; resolves false when the channel is not open or the send failed (already handled). */
  send(packet: OutgoingPacket, destination?: Destination): Promise<boolean> {
    const current = this.current;
    if (this.stateValue !== 'open' || !current) return Promise.resolve(false);
    return new Promise((resolve) => {
      try {
        current.socket.send(packet, destination, (error) => {
          if (error) this.sendFailed(error, current);
          resolve(!error);
        });
      } catch (error) {
        this.sendFailed(error as Error, current);
        resolve(false);
      }
    });
  }

  private open(): void {
    this.stateValue = 'opening';
    const choice = chooseInterface(this.readInterfaces(), this.options.interfaceAddress);
    if (!choice.ok) {
      this.fail(choice.error);
      return;
    }
    let socket: MdnsSocket;
    try {
      socket = this.socketFactory(choice.chosen.address);
    } catch (error) {
      this.fail(new DiscoveryError('EDGE_DISCOVERY_SEND_FAILED', `could not create the mDNS socket: ${(error as Error).message}; retrying`, { retryable: true, cause: error }));
      return;
    }
    const current = { socket, chosen: choice.chosen, failed: false };
    this.current = current;
    socket.onWarning((error) => this.socketWarning(error, current));
    socket.onError((error) => this.socketTrouble(error, current));
    socket.onPacket((packet, source) => this.received(packet, source, current));
    socket.onReady(() => this.ready(current));
  }

  private ready(current: NonNullable<MulticastChannel['current']>): void {
    if (this.current !== current || current.failed || this.stateValue !== 'opening') return;
    this.stateValue = 'open';
    this.counters.opens++;
    const { name, address } = current.chosen;
    const after = this.attempt > 0 ? ` after ${this.attempt} failed attempt(s)` : '';
    this.options.log(`discovery ${this.options.who}: multicast open on ${name} (${address})${after}`);
    this.attempt = 0;
    this.lastErrorValue = undefined;
    this.lastLogged = undefined;
    this.checkTimer = setInterval(() => this.checkInterface(current), this.options.config.interfaceCheckIntervalMs);
    try {
      this.options.onOpen(current.chosen);
    } catch (error) {
      this.options.log(`discovery ${this.options.who}: internal error after open: ${(error as Error).stack ?? String(error)}`);
    }
  }

  private received(packet: unknown, source: Destination, current: NonNullable<MulticastChannel['current']>): void {
    if (this.current !== current || this.stateValue !== 'open') return;
    if (!isOnLink(source.address, current.chosen)) {
      this.counters.packetsOffLink++;
      return;
    }
    try {
      this.options.onPacket(packet, { address: source.address, port: source.port });
    } catch (error) {
      // A packet must never take the process down; this is a bug, so say so loudly.
      this.options.log(`discovery ${this.options.who}: internal error handling a packet from ${source.address}: ${(error as Error).stack ?? String(error)}`);
    }
  }

  /** multicast-dns reports undecodable datagrams and socket trouble on the same event. */
  private socketWarning(error: Error, current: NonNullable<MulticastChannel['current']>): void {
    if (this.current !== current) return;
    if ((error as NodeJS.ErrnoException).syscall === undefined) {
      this.options.onUndecodable();
      return;
    }
    this.socketTrouble(error, current);
  }

  private socketTrouble(error: Error, current: NonNullable<MulticastChannel['current']>): void {
    if (this.current !== current || current.failed) return;
    this.fail(this.classify(error as NodeJS.ErrnoException, current.chosen));
  }

  private sendFailed(error: Error, current: NonNullable<MulticastChannel['current']>): void {
    this.counters.sendFailures++;
    if (this.current !== current || current.failed) return;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (INTERFACE_ERROR_CODES.has(code)) {
      this.fail(this.classify(error as NodeJS.ErrnoException, current.chosen));
      return;
    }
    // Not the interface (EPERM from a firewall, ENOBUFS): the socket stays, the packet is lost.
    const hint = code === 'EPERM' ? 'a firewall refuses it: allow UDP port 5353 to 224.0.0.251' : 'the packet is lost';
    this.logCondition(new DiscoveryError('EDGE_DISCOVERY_SEND_FAILED', `sending an mDNS packet failed (${code || error.message}): ${hint}`, { retryable: true, cause: error }), '');
  }

  private classify(error: NodeJS.ErrnoException, chosen: ChosenInterface): DiscoveryError {
    const what = `${error.code ?? 'error'} from ${error.syscall ?? 'the socket'}`;
    if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
      return new DiscoveryError(
        'EDGE_DISCOVERY_PORT_UNAVAILABLE',
        `cannot bind UDP port 5353 (${what}): another program holds it without SO_REUSEADDR, or this process may not bind it; stop that program (avahi and edged can share the port) and check edged runs with CAP_NET_BIND_SERVICE; retrying`,
        { retryable: true, cause: error },
      );
    }
    if (!stillPresent(this.readInterfaces(), chosen)) {
      return new DiscoveryError(
        'EDGE_DISCOVERY_INTERFACE_LOST',
        `interface ${chosen.name} no longer holds ${chosen.address} (${what}); the link went down or the address changed; waiting for an interface to come back; retrying`,
        { retryable: true, cause: error },
      );
    }
    return new DiscoveryError(
      'EDGE_DISCOVERY_NO_MULTICAST_ROUTE',
      `cannot use multicast on ${chosen.name} (${chosen.address}): ${what}; no multicast route: add one with \`ip route add 224.0.0.0/4 dev ${chosen.name}\` and make sure the link has MULTICAST on (\`ip link set ${chosen.name} multicast on\`); retrying`,
      { retryable: true, cause: error },
    );
  }

  private checkInterface(current: NonNullable<MulticastChannel['current']>): void {
    if (this.current !== current || this.stateValue !== 'open' || stillPresent(this.readInterfaces(), current.chosen)) return;
    const { name, address } = current.chosen;
    this.fail(
      new DiscoveryError('EDGE_DISCOVERY_INTERFACE_LOST', `interface ${name} no longer holds ${address}: the link went down or the address changed; waiting for an interface to come back; retrying`, {
        retryable: true,
      }),
    );
  }

  private fail(error: DiscoveryError): void {
    if (this.stateValue === 'stopped') return;
    if (this.current) this.current.failed = true;
    this.counters.failures++;
    this.lastErrorValue = error;
    clearInterval(this.checkTimer);
    void this.closeSocket();
    const config = this.options.config;
    const ceilingMs = Math.min(config.retryDelayMsMax, config.retryDelayMsMin * 2 ** Math.min(this.attempt, 20));
    // Between 75 % and 100 % of the ceiling: boards that lost the network together do not retry in step.
    const delayMs = Math.round(ceilingMs * (0.75 + 0.25 * this.options.rng.next()));
    this.attempt++;
    this.logCondition(error, ` (attempt ${this.attempt}, next in ${(delayMs / 1000).toFixed(1)} s)`);
    this.stateValue = 'waiting';
    this.retryTimer = setTimeout(() => {
      if (this.stateValue === 'waiting') this.open();
    }, delayMs);
  }

  private logCondition(error: DiscoveryError, suffix: string): void {
    const nowMs = Date.now();
    const last = this.lastLogged;
    if (last && last.code === error.code && nowMs - last.atMs < this.options.config.repeatLogIntervalMs) return;
    this.lastLogged = { code: error.code, atMs: nowMs };
    this.options.log(`discovery ${this.options.who}: ${error.code}: ${error.message}${suffix}`);
  }

  private closeSocket(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (!current) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        current.socket.destroy(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}
