/**
 * What auto-join asks of discovery: "which managers of my cluster are on
 * this LAN?" Browses until at least one manager advertising a CA prefix that
 * matches the join token's digest is up, waits `settleMs` for the others that
 * answered the same query, and returns them all. On timeout it returns an
 * empty list; the daemon says what to do (check the LAN, or pass --manager).
 *
 * The CA prefix only narrows the search. The daemon must still verify each
 * manager's certificate chain against the full digest pinned in the token.
 */
import type { Clock } from '../common/clock.js';
import type { Rng } from '../common/rng.js';
import { createBrowser, type Browser } from './browser.js';
import type { DiscoveryConfig } from './config.js';
import { configInvalid, DiscoveryError } from './errors.js';
import type { InterfaceTable } from './interface-choice.js';
import type { SocketFactory } from './mdns-socket.js';
import type { DiscoveredPeer } from './peer-cache.js';
import { caPrefixMatches, isValidCaPrefix } from './txt.js';

export interface FindManagersOptions {
  /** The CA digest from the join token (64 hex) or a prefix of it (at least 16 hex). */
  caDigestPrefix: string;
  /** Give up after this long, ms. */
  timeoutMs: number;
  /** After the first match, keep listening this long for other managers, ms. Default 300 (responders answer within 120 ms). */
  settleMs?: number;
  /** Only managers of this cluster id, when known. */
  clusterId?: string;
  interfaceAddress?: string;
  log: (line: string) => void;
  /** Aborting rejects with EDGE_DISCOVERY_ABORTED. */
  signal?: AbortSignal;
  config?: Partial<DiscoveryConfig>;
  rng?: Rng;
  clock?: Clock;
  readInterfaces?: () => InterfaceTable;
  socketFactory?: SocketFactory;
}

const SETTLE_MS_DEFAULT = 300;

export function findManagers(options: FindManagersOptions): Promise<DiscoveredPeer[]> {
  const wanted = options.caDigestPrefix.toLowerCase();
  if (!isValidCaPrefix(wanted)) {
    throw configInvalid('caDigestPrefix', `${JSON.stringify(options.caDigestPrefix)} is not 16 to 64 hex characters`, "pass the CA digest from the join token (EDGE1-<digest>-<secret>)");
  }
  if (!Number.isInteger(options.timeoutMs) || options.timeoutMs < 1) throw configInvalid('timeoutMs', `${String(options.timeoutMs)}`, 'use a whole number of milliseconds, at least 1');
  const settleMs = options.settleMs ?? SETTLE_MS_DEFAULT;
  const browser = createBrowser({
    filter: (peer) => peer.txt.role === 'manager' && caPrefixMatches(peer.txt.ca, wanted) && (options.clusterId === undefined || peer.txt.cluster === options.clusterId),
    interfaceAddress: options.interfaceAddress,
    log: options.log,
    config: options.config,
    rng: options.rng,
    clock: options.clock,
    readInterfaces: options.readInterfaces,
    socketFactory: options.socketFactory,
  });
  return browseUntilFound(browser, options, settleMs);
}

function browseUntilFound(browser: Browser, options: FindManagersOptions, settleMs: number): Promise<DiscoveredPeer[]> {
  return new Promise((resolve, reject) => {
    const timers: NodeJS.Timeout[] = [];
    let finished = false;
    let settling = false;
    const finish = (outcome: { peers: DiscoveredPeer[] } | { error: DiscoveryError }): void => {
      if (finished) return;
      finished = true;
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      // Take the list before stop() forgets it.
      const peers = 'peers' in outcome ? outcome.peers : [];
      void browser.stop().then(() => ('error' in outcome ? reject(outcome.error) : resolve(peers)));
    };
    const onAbort = (): void => finish({ error: new DiscoveryError('EDGE_DISCOVERY_ABORTED', 'the search for managers was cancelled') });
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    browser.on('up', () => {
      if (settling) return;
      settling = true;
      timers.push(setTimeout(() => finish({ peers: browser.peers() }), settleMs));
    });
    timers.push(setTimeout(() => finish({ peers: browser.peers() }), options.timeoutMs));
    browser.start();
  });
}
