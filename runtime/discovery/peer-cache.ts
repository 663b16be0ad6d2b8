/**
 * What a browser knows: validated records with their expiry, grouped into
 * instances, and which instances are currently resolvable peers. Pure: time
 * comes in as arguments, changes go out as return values, so tests drive it
 * record by record and the browser only owns timers and sockets.
 *
 * A peer is *up* when its instance has a live SRV, a live valid TXT and at
 * least one live address for the SRV's host, and the caller's filter accepts
 * it. It goes *down* when any of those lapses: a goodbye (TTL 0, kept one
 * more second as RFC 6762 §10.1 asks) or plain expiry after a crash.
 *
 * Bounded: at most `peersMax` instances and as many host entries. When full,
 * an entry nobody sees (unresolved, or refused by the filter) is evicted
 * before a visible peer is, so a flood of fake instances cannot push a real
 * manager out; if every entry is visible the newcomer is dropped and counted.
 */
import { addressFamily, instanceFqdn, SERVICE_TYPE } from './names.js';
import type { DnsQuestion, ObservedRecord, OutgoingRecord } from './records.js';
import { sameTxt, type PeerTxt } from './txt.js';

export interface DiscoveredPeer {
  /** Instance label, e.g. `node-1` (the full name is `node-1._edgectl._tcp.local`). */
  instance: string;
  /** The SRV target, lowercase, ending in `.local`. */
  host: string;
  port: number;
  /** Usable unicast addresses of `host`, IPv4 first, each list sorted. Never empty. */
  addresses: string[];
  txt: PeerTxt;
  /** Wall-clock ms (Date.now()) when a record of this instance last arrived. */
  lastSeenMs: number;
}

export type PeerChangeKind = 'up' | 'update' | 'down';
export interface PeerChange {
  kind: PeerChangeKind;
  peer: DiscoveredPeer;
}

export interface PeerCacheOptions {
  /** Instances cached, resolved or not. */
  peersMax: number;
  /** Addresses kept per host; more are ignored and counted. */
  addressesPerPeerMax: number;
  /** How long a record with TTL 0 lingers before it is gone (RFC 6762 §10.1: 1 s). */
  goodbyeGraceMs: number;
  /** Which resolved peers the owner wants to hear about. */
  filter?: (peer: DiscoveredPeer) => boolean;
}

/** RFC 6762 §5.2: refresh queries at 80, 85, 90 and 95 % of a record's TTL. */
const REFRESH_FRACTIONS = [0.8, 0.85, 0.9, 0.95] as const;
/** Questions for an incomplete instance are repeated at most this often, and this many times. */
const RESOLVE_QUERY_INTERVAL_MS = 1000;
const RESOLVE_QUERIES_MAX = 3;

interface Timed {
  receivedMs: number;
  ttlMs: number;
  expiresMs: number;
  refreshesSent: number;
}

interface InstanceEntry {
  label: string;
  createdMs: number;
  lastSeenWallMs: number;
  ptr?: Timed;
  srv?: Timed & { port: number; host: string };
  txt?: Timed & { value: PeerTxt };
  /** The view last reported as up or update; undefined while not visible. */
  visible?: DiscoveredPeer;
  resolveQueriesSent: number;
  lastResolveQueryMs: number;
}

interface HostEntry {
  lastSeenMs: number;
  addresses: Map<string, Timed>;
}

export interface PeerCacheStats {
  /** New instances or hosts refused because the cache was full of visible peers. */
  peersDropped: number;
  /** Addresses beyond `addressesPerPeerMax`. */
  addressesDropped: number;
}

export class PeerCache {
  private readonly instances = new Map<string, InstanceEntry>();
  private readonly hosts = new Map<string, HostEntry>();
  private readonly counters: PeerCacheStats = { peersDropped: 0, addressesDropped: 0 };
  /** Instances and hosts whose records changed since the last transitions(): only those are re-resolved. */
  private readonly dirtyInstances = new Set<string>();
  private readonly dirtyHosts = new Set<string>();

  constructor(private readonly options: PeerCacheOptions) {}

  /** Takes the records of one packet and returns what changed for the owner. */
  apply(records: readonly ObservedRecord[], nowMs: number, wallMs: number): PeerChange[] {
    for (const record of records) this.applyOne(record, nowMs, wallMs);
    return this.expire(nowMs);
  }

  /** Drops records whose time is up and returns what changed. */
  expire(nowMs: number): PeerChange[] {
    const lapsed = (timed: Timed | undefined): boolean => timed !== undefined && timed.expiresMs <= nowMs;
    for (const [key, entry] of this.instances) {
      if (!lapsed(entry.ptr) && !lapsed(entry.srv) && !lapsed(entry.txt)) continue;
      if (lapsed(entry.ptr)) delete entry.ptr;
      if (lapsed(entry.srv)) delete entry.srv;
      if (lapsed(entry.txt)) delete entry.txt;
      this.dirtyInstances.add(key);
    }
    for (const [name, host] of this.hosts) {
      for (const [address, timed] of host.addresses) {
        if (!lapsed(timed)) continue;
        host.addresses.delete(address);
        this.dirtyHosts.add(name);
      }
      if (host.addresses.size === 0) this.hosts.delete(name);
    }
    return this.transitions();
  }

  peers(): DiscoveredPeer[] {
    return [...this.instances.values()]
      .flatMap((entry) => (entry.visible ? [entry.visible] : []))
      .sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
  }

  stats(): PeerCacheStats {
    return { ...this.counters };
  }

  /** The earliest time expire() or refreshQuestions() has something to do, or undefined. */
  nextDeadlineMs(): number | undefined {
    let next = Number.POSITIVE_INFINITY;
    const consider = (timed: Timed | undefined, refreshes: boolean): void => {
      if (!timed) return;
      next = Math.min(next, timed.expiresMs);
      if (refreshes) next = Math.min(next, nextRefreshMs(timed));
    };
    for (const entry of this.instances.values()) {
      const refreshes = entry.visible !== undefined;
      consider(entry.ptr, refreshes);
      consider(entry.srv, refreshes);
      consider(entry.txt, refreshes);
    }
    for (const [name, host] of this.hosts) {
      const refreshes = this.isHostOfVisiblePeer(name);
      for (const timed of host.addresses.values()) consider(timed, refreshes);
    }
    return Number.isFinite(next) ? next : undefined;
  }

  /**
   * Questions that keep visible peers alive: a record of a visible peer that
   * has passed 80, 85, 90 or 95 % of its TTL is asked for again, once per
   * step. A live responder answers and the record starts over.
   */
  refreshQuestions(nowMs: number): DnsQuestion[] {
    const questions = new QuestionSet();
    const due = (timed: Timed | undefined): boolean => {
      if (!timed || nextRefreshMs(timed) > nowMs) return false;
      while (timed.refreshesSent < REFRESH_FRACTIONS.length && nextRefreshMs(timed) <= nowMs) timed.refreshesSent++;
      return true;
    };
    for (const entry of this.instances.values()) {
      if (!entry.visible) continue;
      const name = instanceFqdn(entry.label);
      if (due(entry.ptr)) questions.add({ name: SERVICE_TYPE, type: 'PTR' });
      if (due(entry.srv)) questions.add({ name, type: 'SRV' });
      if (due(entry.txt)) questions.add({ name, type: 'TXT' });
      const host = entry.srv ? this.hosts.get(entry.srv.host) : undefined;
      for (const [address, timed] of host?.addresses ?? []) {
        if (due(timed) && entry.srv) questions.add({ name: entry.srv.host, type: addressFamily(address) });
      }
    }
    return questions.list();
  }

  /**
   * Questions for instances we heard of but cannot resolve yet (a PTR without
   * SRV/TXT, or an SRV whose host has no address): a responder whose answer
   * did not fit one packet, or one we only saw half of.
   */
  resolveQuestions(nowMs: number): DnsQuestion[] {
    const questions = new QuestionSet();
    for (const entry of this.instances.values()) {
      if (this.resolve(entry) !== undefined) continue;
      if (entry.resolveQueriesSent >= RESOLVE_QUERIES_MAX) continue;
      if (nowMs - entry.lastResolveQueryMs < RESOLVE_QUERY_INTERVAL_MS) continue;
      const name = instanceFqdn(entry.label);
      if (!entry.srv) questions.add({ name, type: 'SRV' });
      if (!entry.txt) questions.add({ name, type: 'TXT' });
      if (entry.srv && !this.hosts.has(entry.srv.host)) questions.add({ name: entry.srv.host, type: 'A' });
      entry.resolveQueriesSent++;
      entry.lastResolveQueryMs = nowMs;
    }
    return questions.list();
  }

  /**
   * PTR records of visible peers with more than half their TTL left, to put
   * in a query's answer section so those responders stay quiet (known-answer
   * suppression, RFC 6762 §7.1).
   */
  knownAnswers(nowMs: number): OutgoingRecord[] {
    const answers: OutgoingRecord[] = [];
    for (const entry of this.instances.values()) {
      const ptr = entry.ptr;
      if (!entry.visible || !ptr || ptr.expiresMs - nowMs <= ptr.ttlMs / 2) continue;
      const ttl = Math.floor((ptr.expiresMs - nowMs) / 1000);
      answers.push({ name: SERVICE_TYPE, type: 'PTR', class: 'IN', flush: false, ttl, data: instanceFqdn(entry.label) });
    }
    return answers;
  }

  private applyOne(record: ObservedRecord, nowMs: number, wallMs: number): void {
    if ('address' in record) {
      this.applyAddress(record, nowMs);
      return;
    }
    const entry = this.instanceEntry(record.instance, nowMs);
    if (!entry) return;
    this.dirtyInstances.add(record.instance.toLowerCase());
    entry.lastSeenWallMs = wallMs;
    const timed = this.timed(record.ttlSeconds, nowMs);
    if (record.type === 'PTR') entry.ptr = timed;
    else if (record.type === 'SRV') entry.srv = { ...timed, port: record.port, host: record.host };
    else entry.txt = { ...timed, value: record.txt };
    if (record.ttlSeconds > 0) entry.resolveQueriesSent = 0;
  }

  private applyAddress(record: Extract<ObservedRecord, { type: 'A' | 'AAAA' }>, nowMs: number): void {
    const host = this.hostEntry(record.host, nowMs);
    if (!host) return;
    host.lastSeenMs = nowMs;
    if (record.flush) {
      // RFC 6762 §10.2: same-family addresses older than a second are stale.
      for (const [address, timed] of host.addresses) {
        if (address !== record.address && addressFamily(address) === record.type && nowMs - timed.receivedMs > 1000) {
          timed.expiresMs = Math.min(timed.expiresMs, nowMs + this.options.goodbyeGraceMs);
        }
      }
    }
    if (!host.addresses.has(record.address) && host.addresses.size >= this.options.addressesPerPeerMax && !this.evictDoomedAddress(host, nowMs)) {
      this.counters.addressesDropped++;
      return;
    }
    host.addresses.set(record.address, this.timed(record.ttlSeconds, nowMs));
    this.dirtyHosts.add(record.host);
  }

  /** Makes room by dropping an address that a goodbye or cache-flush has already doomed. */
  private evictDoomedAddress(host: HostEntry, nowMs: number): boolean {
    for (const [address, timed] of host.addresses) {
      if (timed.expiresMs <= nowMs + this.options.goodbyeGraceMs) {
        host.addresses.delete(address);
        return true;
      }
    }
    return false;
  }

  private timed(ttlSeconds: number, nowMs: number): Timed {
    if (ttlSeconds === 0) {
      return { receivedMs: nowMs, ttlMs: 0, expiresMs: nowMs + this.options.goodbyeGraceMs, refreshesSent: REFRESH_FRACTIONS.length };
    }
    const ttlMs = ttlSeconds * 1000;
    return { receivedMs: nowMs, ttlMs, expiresMs: nowMs + ttlMs, refreshesSent: 0 };
  }

  private instanceEntry(label: string, nowMs: number): InstanceEntry | undefined {
    const key = label.toLowerCase();
    const existing = this.instances.get(key);
    if (existing) return existing;
    if (this.instances.size >= this.options.peersMax && !this.evictInstance()) {
      this.counters.peersDropped++;
      return undefined;
    }
    const entry: InstanceEntry = { label, createdMs: nowMs, lastSeenWallMs: 0, resolveQueriesSent: 0, lastResolveQueryMs: Number.NEGATIVE_INFINITY };
    this.instances.set(key, entry);
    return entry;
  }

  private evictInstance(): boolean {
    let oldest: [string, InstanceEntry] | undefined;
    for (const item of this.instances) {
      if (item[1].visible) continue;
      if (!oldest || item[1].createdMs < oldest[1].createdMs) oldest = item;
    }
    if (oldest) this.instances.delete(oldest[0]);
    return oldest !== undefined;
  }

  private hostEntry(name: string, nowMs: number): HostEntry | undefined {
    const existing = this.hosts.get(name);
    if (existing) return existing;
    if (this.hosts.size >= this.options.peersMax && !this.evictHost()) {
      this.counters.peersDropped++;
      return undefined;
    }
    const entry: HostEntry = { lastSeenMs: nowMs, addresses: new Map() };
    this.hosts.set(name, entry);
    return entry;
  }

  /** Evicts the longest-unheard host no visible peer points at. */
  private evictHost(): boolean {
    let oldest: [string, HostEntry] | undefined;
    for (const item of this.hosts) {
      if (this.isHostOfVisiblePeer(item[0])) continue;
      if (!oldest || item[1].lastSeenMs < oldest[1].lastSeenMs) oldest = item;
    }
    if (oldest) this.hosts.delete(oldest[0]);
    return oldest !== undefined;
  }

  private isHostOfVisiblePeer(name: string): boolean {
    for (const entry of this.instances.values()) if (entry.visible && entry.srv?.host === name) return true;
    return false;
  }

  private resolve(entry: InstanceEntry): DiscoveredPeer | undefined {
    if (!entry.srv || !entry.txt) return undefined;
    const host = this.hosts.get(entry.srv.host);
    if (!host || host.addresses.size === 0) return undefined;
    const addresses = [...host.addresses.keys()].sort((a, b) => {
      const familyOrder = addressFamily(a).length - addressFamily(b).length;
      return familyOrder !== 0 ? familyOrder : a < b ? -1 : a > b ? 1 : 0;
    });
    return { instance: entry.label, host: entry.srv.host, port: entry.srv.port, addresses, txt: { ...entry.txt.value }, lastSeenMs: entry.lastSeenWallMs };
  }

  private transitions(): PeerChange[] {
    const changes: PeerChange[] = [];
    if (this.dirtyHosts.size > 0) {
      for (const [key, entry] of this.instances) if (entry.srv && this.dirtyHosts.has(entry.srv.host)) this.dirtyInstances.add(key);
    }
    const dirty = [...this.dirtyInstances];
    this.dirtyInstances.clear();
    this.dirtyHosts.clear();
    for (const key of dirty) {
      const entry = this.instances.get(key);
      if (!entry) continue;
      const resolved = this.resolve(entry);
      const visible = resolved !== undefined && (this.options.filter?.(resolved) ?? true) ? resolved : undefined;
      const before = entry.visible;
      if (before && !visible) changes.push({ kind: 'down', peer: before });
      else if (!before && visible) changes.push({ kind: 'up', peer: visible });
      else if (before && visible && !samePeer(before, visible)) changes.push({ kind: 'update', peer: visible });
      if (visible) entry.visible = visible;
      else delete entry.visible;
      if (!entry.ptr && !entry.srv && !entry.txt && !entry.visible) this.instances.delete(key);
    }
    return changes;
  }
}

function nextRefreshMs(timed: Timed): number {
  const fraction = REFRESH_FRACTIONS[timed.refreshesSent];
  return fraction === undefined ? Number.POSITIVE_INFINITY : timed.receivedMs + timed.ttlMs * fraction;
}

/** lastSeenMs is left out: a refresh alone is not a change worth an event. */
function samePeer(a: DiscoveredPeer, b: DiscoveredPeer): boolean {
  return (
    a.host === b.host &&
    a.port === b.port &&
    sameTxt(a.txt, b.txt) &&
    a.addresses.length === b.addresses.length &&
    a.addresses.every((address, index) => address === b.addresses[index])
  );
}

class QuestionSet {
  private readonly byKey = new Map<string, DnsQuestion>();
  add(question: DnsQuestion): void {
    this.byKey.set(`${question.name.toLowerCase()} ${question.type}`, question);
  }
  list(): DnsQuestion[] {
    return [...this.byKey.values()];
  }
}
