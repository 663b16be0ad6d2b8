/**
 * Every timing and limit of discovery, with its unit in the name. The
 * defaults suit a LAN of boards; tests shorten the TTL to watch expiry. Each
 * field says what it does and what changing it costs.
 */
import { isIPv4 } from 'node:net';
import { configInvalid } from './errors.js';

export interface DiscoveryConfig {
  /**
   * TTL of every record an advertiser publishes, seconds. Default 120 (RFC
   * 6762's value for host records). A manager killed without a goodbye stays
   * visible this long; browsers re-query at 80 % of it, so a shorter TTL
   * means faster expiry of crashed managers and more queries.
   */
  recordTtlSeconds: number;
  /** Unsolicited announcements when an advertiser starts or its records change. Default 2 (the RFC 6762 §8.3 minimum). */
  announceCount: number;
  /** Gap before the second announcement, ms; it doubles after each. Default 1000 (RFC 6762 §8.3). */
  announceIntervalMs: number;
  /** Gap between a browser's first and second query, ms; it doubles after each. Default 1000. */
  queryIntervalMsInitial: number;
  /**
   * Largest gap between a browser's queries, ms. Default 60 000. Known-answer
   * suppression keeps steady-state traffic to one small query per browser per
   * interval; a longer interval finds a manager whose announcements were lost
   * later.
   */
  queryIntervalMsMax: number;
  /** First delay before re-opening multicast after a failure (no interface, no route), ms. Default 1000. */
  retryDelayMsMin: number;
  /** Largest such delay, ms; delays double up to it, with jitter. Default 10 000. */
  retryDelayMsMax: number;
  /** How often an open channel checks that its interface still holds its address, ms. Default 5000. */
  interfaceCheckIntervalMs: number;
  /** Random delay range before answering a query for shared (PTR) records, ms (RFC 6762 §6: 20–120). */
  responseDelayMsMin: number;
  responseDelayMsMax: number;
  /** How long a record received with TTL 0 lingers, ms (RFC 6762 §10.1: 1000). */
  goodbyeGraceMs: number;
  /** A condition that persists (no interface for an hour) is logged again at most this often, ms. Default 60 000. */
  repeatLogIntervalMs: number;
  /** Instances a browser caches, resolved or not. Default 64: a LAN seldom has more than a few managers. */
  peersMax: number;
  /** Addresses kept per peer. Default 8. */
  addressesPerPeerMax: number;
  /** Records read from one response; a packet with more is dropped. Default 64. */
  recordsPerPacketMax: number;
  /** TTLs received above this are shortened to it, seconds. Default 4500 (RFC 6762's PTR TTL). */
  recordTtlSecondsMax: number;
  /** Questions read from one query; a query with more is ignored. Default 32. */
  questionsPerQueryMax: number;
  /** Known answers read from one query; a query with more is ignored. Default 64. */
  knownAnswersPerQueryMax: number;
}

export function lanDefaults(): DiscoveryConfig {
  return {
    recordTtlSeconds: 120,
    announceCount: 2,
    announceIntervalMs: 1000,
    queryIntervalMsInitial: 1000,
    queryIntervalMsMax: 60_000,
    retryDelayMsMin: 1000,
    retryDelayMsMax: 10_000,
    interfaceCheckIntervalMs: 5000,
    responseDelayMsMin: 20,
    responseDelayMsMax: 120,
    goodbyeGraceMs: 1000,
    repeatLogIntervalMs: 60_000,
    peersMax: 64,
    addressesPerPeerMax: 8,
    recordsPerPacketMax: 64,
    recordTtlSecondsMax: 4500,
    questionsPerQueryMax: 32,
    knownAnswersPerQueryMax: 64,
  };
}

/** Bounds each field must respect: [min, max] inclusive. */
const BOUNDS: Record<keyof DiscoveryConfig, [number, number]> = {
  recordTtlSeconds: [1, 4500],
  announceCount: [1, 8],
  announceIntervalMs: [100, 60_000],
  queryIntervalMsInitial: [100, 60_000],
  queryIntervalMsMax: [100, 3_600_000],
  retryDelayMsMin: [10, 60_000],
  retryDelayMsMax: [10, 600_000],
  interfaceCheckIntervalMs: [100, 600_000],
  responseDelayMsMin: [0, 1000],
  responseDelayMsMax: [0, 1000],
  goodbyeGraceMs: [0, 10_000],
  repeatLogIntervalMs: [0, 86_400_000],
  peersMax: [1, 4096],
  addressesPerPeerMax: [1, 64],
  recordsPerPacketMax: [4, 1024],
  recordTtlSecondsMax: [1, 86_400],
  questionsPerQueryMax: [1, 256],
  knownAnswersPerQueryMax: [0, 1024],
};

/** Defaults overridden by `overrides`, checked; throws EDGE_DISCOVERY_CONFIG_INVALID naming the field. */
export function resolveConfig(overrides: Partial<DiscoveryConfig> = {}): DiscoveryConfig {
  const config = { ...lanDefaults(), ...overrides };
  for (const [field, [min, max]] of Object.entries(BOUNDS) as Array<[keyof DiscoveryConfig, [number, number]]>) {
    const value = config[field];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw configInvalid(`config.${field}`, `${String(value)} is not a whole number in [${min}, ${max}]`, 'use a value in that range or leave it out for the default');
    }
  }
  const pairs: Array<[keyof DiscoveryConfig, keyof DiscoveryConfig]> = [
    ['queryIntervalMsInitial', 'queryIntervalMsMax'],
    ['retryDelayMsMin', 'retryDelayMsMax'],
    ['responseDelayMsMin', 'responseDelayMsMax'],
    ['recordTtlSeconds', 'recordTtlSecondsMax'],
  ];
  for (const [low, high] of pairs) {
    if (config[low] > config[high]) throw configInvalid(`config.${low}`, `${config[low]} is above config.${high} (${config[high]})`, `make ${low} at most ${high}`);
  }
  return config;
}

/**
 * Checks the `interfaceAddress` option. mDNS runs over IPv4 here, so it must
 * be an IPv4 address; `0.0.0.0` (a listen-everywhere address, as an
 * advertise address left at its default may be) means "choose automatically",
 * like leaving the option out.
 */
export function resolveInterfaceAddress(value: string | undefined): string | undefined {
  if (value === undefined || value === '0.0.0.0') return undefined;
  if (!isIPv4(value)) {
    throw configInvalid('interfaceAddress', `${JSON.stringify(value)} is not an IPv4 address`, 'give the IPv4 address of the interface mDNS should use, or leave it out to use the first non-loopback interface');
  }
  return value;
}
