/**
 * What time it is, for certificate validity checks, on a board that may not
 * know.
 *
 * A Raspberry Pi has no real-time clock: it boots at 1970 (or at the last
 * shutdown, with fake-hwclock) and learns the time from NTP, which may need
 * the network the cluster provides. Checked against 1970, every certificate
 * is "not yet valid", the board cannot join, so it never gets the network to
 * sync its clock: a dead-lock. TrustedTime breaks it:
 *
 * - The local clock is *implausible* when it reads before a floor: the
 *   build-time CLOCK_FLOOR_MS, raised by anything known to be in the past
 *   (the trusted root's notBefore). Then notBefore is not checked (it cannot
 *   be, honestly), and expiry is checked against the floor, a time the real
 *   one is known to be after: a certificate that expired before the floor is
 *   refused even here.
 * - Once a manager, over a verified link, tells us its time
 *   (learnClusterTime), that is used for both checks, anchored to the
 *   monotonic clock so a later wall-clock step cannot disturb it.
 * - With a plausible clock and no cluster time, the local clock is used.
 *
 * Cluster time wins over a plausible local clock because fake-hwclock makes a
 * stale clock look plausible, and managers' clocks date the certificates.
 */
import type { Clock } from '../common/clock.js';
import { PkiError } from './errors.js';
import { CLOCK_FLOOR_MS, CLOCK_SKEW_MS_MAX } from './policy.js';
import type { ValidityWindow } from './peer-identity.js';

export type TimeSource = 'local' | 'cluster' | 'floor';

export interface TimeReading {
  /** Best estimate of real time, epoch ms. With source 'floor' only a lower bound. */
  ms: number;
  source: TimeSource;
}

export interface TrustedTimeOptions {
  clock: Clock;
  /** Earliest time a correct clock can show. Default CLOCK_FLOOR_MS. */
  floorMs?: number;
  /** Tolerated clock disagreement on both ends of a validity window. Default CLOCK_SKEW_MS_MAX. */
  skewMsMax?: number;
  /** Where the one-line clock warning goes. Default console.warn. */
  log?: (line: string) => void;
}

export class TrustedTime implements Clock {
  private readonly clock: Clock;
  private floorMs: number;
  private readonly skewMsMax: number;
  private readonly log: (line: string) => void;
  private cluster: { clusterMs: number; monotonicMs: number } | undefined;
  private warned = false;

  constructor(options: TrustedTimeOptions) {
    this.clock = options.clock;
    this.floorMs = options.floorMs ?? CLOCK_FLOOR_MS;
    this.skewMsMax = options.skewMsMax ?? CLOCK_SKEW_MS_MAX;
    this.log = options.log ?? ((line) => console.warn(line));
  }

  /** Raises the floor to a time known to be past, e.g. the trusted root's notBefore. Never lowers it. */
  raiseFloor(pastMs: number): void {
    this.floorMs = Math.max(this.floorMs, pastMs);
  }

  /**
   * Records a manager's wall-clock time, received over a link whose peer
   * certificate verified with role manager (never from an unauthenticated
   * source: it decides what counts as expired). `roundTripMs` is the
   * request/response time, half of which is assumed spent in flight back.
   */
  learnClusterTime(clusterNowMs: number, roundTripMs = 0): void {
    if (!Number.isFinite(clusterNowMs) || clusterNowMs < this.floorMs) return;
    this.cluster = { clusterMs: clusterNowMs + Math.max(0, roundTripMs) / 2, monotonicMs: this.clock.monotonicMs() };
  }

  isLocalClockPlausible(): boolean {
    return this.clock.nowMs() >= this.floorMs;
  }

  reading(): TimeReading {
    if (this.cluster !== undefined) {
      return { ms: this.cluster.clusterMs + (this.clock.monotonicMs() - this.cluster.monotonicMs), source: 'cluster' };
    }
    const localMs = this.clock.nowMs();
    if (localMs >= this.floorMs) {
      this.warned = false;
      return { ms: localMs, source: 'local' };
    }
    return { ms: this.floorMs, source: 'floor' };
  }

  /** Clock interface: the best estimate (see reading()). */
  /** Whole milliseconds: the learned offset is fractional, timestamps on the wire are integers. */
  nowMs(): number {
    return Math.floor(this.reading().ms);
  }

  monotonicMs(): number {
    return this.clock.monotonicMs();
  }

  /**
   * Refuses a certificate outside its validity window at the trusted time;
   * `what` names it in the message ("the peer certificate of node-7").
   */
  checkValidity(window: ValidityWindow, what: string): void {
    const now = this.reading();
    if (now.source === 'floor') this.warnOnce();
    if (now.ms > window.notAfterMs + this.skewMsMax) {
      throw new PkiError(
        'EDGE_PKI_CERT_EXPIRED',
        `${what} expired at ${iso(window.notAfterMs)} (${describe(now)}): renew it, or re-join the node if it was off longer than its lifetime`,
        { reason: now.source },
      );
    }
    if (now.source !== 'floor' && now.ms < window.notBeforeMs - this.skewMsMax) {
      throw new PkiError(
        'EDGE_PKI_CERT_NOT_YET_VALID',
        `${what} is valid only from ${iso(window.notBeforeMs)} (${describe(now)}): check this board's clock (NTP) and the manager's`,
        { retryable: true, reason: now.source },
      );
    }
  }

  private warnOnce(): void {
    if (this.warned) return;
    this.warned = true;
    this.log(
      `local clock is ${iso(this.clock.nowMs())}, before ${iso(this.floorMs)}: waiting for time sync; certificates checked against cluster time`,
    );
  }
}

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

function describe(reading: TimeReading): string {
  if (reading.source === 'floor') return `the local clock is unset; real time is at least ${iso(reading.ms)}`;
  return `${reading.source} time is ${iso(reading.ms)}`;
}
