// Keeps one link up to a peer that may come and go: dial, and when the link
// drops or the dial fails, wait a jittered exponential backoff and dial again.
// Errors that retrying cannot fix (a refused or untrusted peer) still back
// off, at the ceiling, so an operator can fix the cause without restarting.
import { EdgeError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';
import { backoffDelayMs, defaultBackoff, type BackoffConfig } from './backoff.js';
import type { Link } from './link.js';

export interface ReconnectingLinkOptions {
  /** Dials once; called again after each failure or close. */
  dial: () => Promise<Link>;
  rng: Rng;
  backoff?: BackoffConfig;
  onLink?: (link: Link) => void;
  /** Each failed attempt, with the delay before the next one (for logs). */
  onRetry?: (error: EdgeError, delayMs: number, attempt: number) => void;
}

export class ReconnectingLink {
  private link: Link | undefined;
  private attempt = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly waiters = new Set<(link: Link) => void>();

  constructor(private readonly options: ReconnectingLinkOptions) {
    void this.connect();
  }

  /** The open link, if any. */
  get current(): Link | undefined {
    return this.link?.isOpen ? this.link : undefined;
  }

  /** Resolves with an open link, waiting for a reconnect if needed. */
  ready(): Promise<Link> {
    const current = this.current;
    if (current) return Promise.resolve(current);
    return new Promise((resolve) => this.waiters.add(resolve));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.link?.close('stopped');
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    try {
      const link = await this.options.dial();
      if (this.stopped) {
        link.close('stopped');
        return;
      }
      this.attempt = 0;
      this.link = link;
      link.onClose(() => this.schedule(new EdgeError('EDGE_LINK_CLOSED', 'link closed', { retryable: true })));
      this.options.onLink?.(link);
      for (const waiter of this.waiters) waiter(link);
      this.waiters.clear();
    } catch (error) {
      this.schedule(error instanceof EdgeError ? error : new EdgeError('EDGE_LINK_UNREACHABLE', String(error), { retryable: true }));
    }
  }

  private schedule(error: EdgeError): void {
    if (this.stopped) return;
    const backoff = this.options.backoff ?? defaultBackoff;
    const attempt = error.retryable ? this.attempt++ : 30;
    const delayMs = backoffDelayMs(attempt, backoff, this.options.rng);
    this.options.onRetry?.(error, delayMs, attempt);
    this.timer = setTimeout(() => void this.connect(), delayMs);
    this.timer.unref?.();
  }
}
