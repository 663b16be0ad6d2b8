// One authenticated link to a peer: requests with timeouts and cancellation,
// one-way events, heartbeats, a bounded send queue and per-message
// authorization. Sockets and encoding come in through interfaces, so the same
// Link runs over TLS WebSockets and over the in-memory network in tests.
import { EdgeError } from '../common/errors.js';
import { describePeer, type MessagePolicy, type PeerIdentity } from './authorization.js';
import { linkErrors, LinkError } from './errors.js';
import { rpcErrorOf } from '../wire/rpc.js';
import { closeCodes, type ErrorBody, type FrameError, type FrameSocket, type LinkCodec, type LinkFrame } from './frames.js';

export interface LinkOptions {
  /** A request with no answer within this time fails with EDGE_LINK_TIMEOUT (and is cancelled at the peer). Default 10 000 ms. */
  requestTimeoutMs: number;
  /**
   * Bytes handed to the socket but not yet written out. A send that would go
   * past it fails with EDGE_LINK_BACKPRESSURE instead of growing memory; one
   * frame always fits into an empty queue. Default 4 MiB: a slow peer costs
   * at most this much memory per link.
   */
  sendQueueBytesMax: number;
  /** Requests this side may have waiting for answers. Default 1024. */
  inflightRequestsMax: number;
  /** Requests from the peer being handled at once; more are refused as retryable. Default 256. */
  handlingRequestsMax: number;
  /** A ping every this many ms, skipped while frames went both ways within the last half interval (a busy link needs none). Default 2000. */
  heartbeatIntervalMs: number;
  /**
   * Whether this side sends pings. One side pinging is enough (the pongs keep
   * it hearing, the pings keep the other side hearing) and halves an idle
   * link's bytes; the side that does not ping still closes a silent link.
   * Default true.
   */
  sendsHeartbeats: boolean;
  /** The link is closed when nothing arrived for this long. Default 6000 (three heartbeats). */
  heartbeatTimeoutMs: number;
}

export const defaultLinkOptions: LinkOptions = {
  requestTimeoutMs: 10_000,
  sendQueueBytesMax: 4 * 1024 * 1024,
  inflightRequestsMax: 1024,
  handlingRequestsMax: 256,
  heartbeatIntervalMs: 2000,
  heartbeatTimeoutMs: 6000,
  sendsHeartbeats: true,
};

export interface RequestContext {
  peer: PeerIdentity;
  link: Link;
  /** Aborted when the caller cancels, times out or the link closes. */
  signal: AbortSignal;
}

export type RequestHandler = (body: unknown, context: RequestContext) => Promise<unknown> | unknown;
export type EventHandler = (body: unknown, context: { peer: PeerIdentity; link: Link }) => void;

/** Handlers shared by all links of a process. */
export class Router {
  readonly requests = new Map<string, RequestHandler>();
  readonly events = new Map<string, EventHandler>();

  handle(method: string, handler: RequestHandler): this {
    this.requests.set(method, handler);
    return this;
  }

  on(topic: string, handler: EventHandler): this {
    this.events.set(topic, handler);
    return this;
  }
}

interface Pending {
  method: string;
  resolve: (body: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface LinkParts {
  socket: FrameSocket;
  codec: LinkCodec;
  peer: PeerIdentity;
  policy: MessagePolicy;
  router: Router;
  /** Consulted for every incoming message, so a removal takes effect at once. */
  refuses?: (peer: PeerIdentity) => boolean;
  options?: Partial<LinkOptions>;
}

export class Link {
  readonly peer: PeerIdentity;
  private readonly socket: FrameSocket;
  private readonly codec: LinkCodec;
  private readonly policy: MessagePolicy;
  private readonly router: Router;
  private readonly refuses: (peer: PeerIdentity) => boolean;
  private readonly options: LinkOptions;
  private readonly pending = new Map<number, Pending>();
  private readonly handling = new Map<number, AbortController>();
  private readonly closeListeners = new Set<(error: LinkError) => void>();
  private nextRequestId = 1;
  private queuedBytes = 0;
  private lastHeardMs = Date.now();
  private lastSentMs = 0;
  private heartbeatSeq = 0;
  private closedCode: number | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private closedWith: LinkError | undefined;
  /** Round-trip time of the last heartbeat, ms; NaN until one came back. */
  rttMs = Number.NaN;

  constructor(parts: LinkParts) {
    this.socket = parts.socket;
    this.codec = parts.codec;
    this.peer = parts.peer;
    this.policy = parts.policy;
    this.router = parts.router;
    this.refuses = parts.refuses ?? (() => false);
    this.options = { ...defaultLinkOptions, ...parts.options };
    this.socket.onFrame((bytes) => this.receive(bytes));
    this.socket.onClose((code, reason) => this.closed(code, reason));
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.options.heartbeatIntervalMs);
    this.heartbeatTimer.unref?.();
  }

  get isOpen(): boolean {
    return this.closedWith === undefined;
  }

  /** Bytes waiting to leave the process on this link. */
  get sendQueueBytes(): number {
    return this.queuedBytes;
  }

  get inflightRequests(): number {
    return this.pending.size;
  }

  onClose(listener: (error: LinkError) => void): () => void {
    if (this.closedWith) queueMicrotask(() => listener(this.closedWith!));
    else this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  request(method: string, body: unknown, options: RequestOptions = {}): Promise<unknown> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (this.pending.size >= this.options.inflightRequestsMax) {
      return Promise.reject(linkErrors.tooManyInflight(this.name, this.options.inflightRequestsMax));
    }
    if (options.signal?.aborted) return Promise.reject(linkErrors.cancelled(method));
    const id = this.nextRequestId++;
    try {
      this.write({ t: 'request', id, method, body });
    } catch (error) {
      return Promise.reject(error);
    }
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    return new Promise<unknown>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.pending.delete(id);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        finish();
        this.tryWrite({ t: 'cancel', id });
        reject(linkErrors.cancelled(method));
      };
      const timer = setTimeout(() => {
        finish();
        this.tryWrite({ t: 'cancel', id });
        reject(linkErrors.timeout(this.name, method, timeoutMs));
      }, timeoutMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        method,
        timer,
        resolve: (value) => {
          finish();
          resolve(value);
        },
        reject: (error) => {
          finish();
          reject(error);
        },
      });
    });
  }

  /** Stops reading from the peer; its sends then back up into its own bounded queue. */
  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  /** A one-way message; throws EDGE_LINK_BACKPRESSURE when the queue is full. */
  notify(topic: string, body: unknown): void {
    if (this.closedWith) throw this.closedWith;
    this.write({ t: 'event', topic, body });
  }

  close(reason = 'closed by this node', code: number = closeCodes.normal): void {
    if (this.closedWith) return;
    this.socket.close(code, reason.slice(0, 120));
    this.closed(code, reason);
  }

  private get name(): string {
    return describePeer(this.peer);
  }

  private write(frame: LinkFrame): void {
    const bytes = this.codec.encode(frame);
    const queued = this.queuedBytes;
    if (queued > 0 && queued + bytes.byteLength > this.options.sendQueueBytesMax) {
      throw linkErrors.backpressure(this.name, queued, this.options.sendQueueBytesMax);
    }
    this.queuedBytes += bytes.byteLength;
    this.lastSentMs = Date.now();
    this.socket.send(bytes, () => {
      this.queuedBytes -= bytes.byteLength;
    });
  }

  /** For control frames (cancel, pong, responses) whose loss the peer survives. */
  private tryWrite(frame: LinkFrame): void {
    if (this.closedWith) return;
    try {
      this.write(frame);
    } catch {
      // A full queue drops a cancel or pong; the peer's own timeout covers it.
    }
  }

  private receive(bytes: Uint8Array): void {
    if (this.closedWith) return;
    this.lastHeardMs = Date.now();
    let frame: LinkFrame;
    try {
      frame = this.codec.decode(bytes, (id) => this.pending.get(id)?.method);
    } catch (error) {
      this.refuseFrame(error as FrameError);
      return;
    }
    if (this.refuses(this.peer)) {
      this.close('node removed from the cluster', closeCodes.removed);
      return;
    }
    switch (frame.t) {
      case 'request':
        this.serve(frame.id, frame.method, frame.body);
        return;
      case 'response':
        this.settle(frame);
        return;
      case 'cancel':
        this.handling.get(frame.id)?.abort();
        return;
      case 'event':
        this.dispatchEvent(frame.topic, frame.body);
        return;
      case 'ping':
        this.tryWrite({ t: 'pong', seq: frame.seq, sentAtMs: frame.sentAtMs });
        return;
      case 'pong':
        this.rttMs = Math.max(0, Date.now() - frame.sentAtMs);
        return;
    }
  }

  private refuseFrame(error: FrameError): void {
    if (error.closesLink === false) {
      // One call's problem: answer the request if it was one, drop anything else.
      if (error.messageType === 'request' && error.rpcId !== undefined) {
        const body = rpcErrorOf(error instanceof EdgeError ? error : new EdgeError(error.code, error.message));
        this.tryWrite({ t: 'response', id: error.rpcId, ok: false, error: body });
      }
      return;
    }
    this.close(`bad frame: ${error.code ?? 'EDGE_WIRE_MALFORMED'}: ${error.message}`, closeCodes.protocolError);
  }

  private settle(frame: Extract<LinkFrame, { t: 'response' }>): void {
    const pending = this.pending.get(frame.id);
    if (!pending) return; // answered after a timeout or cancel: nobody waits any more
    if (frame.ok) pending.resolve(frame.body);
    else pending.reject(remoteError(frame.error));
  }

  private serve(id: number, method: string, body: unknown): void {
    const reply = (frame: LinkFrame): void => this.tryWrite(frame);
    const fail = (error: EdgeError): void => reply({ t: 'response', id, ok: false, error: rpcErrorOf(error) });
    if (!this.policy.permits(this.peer, method)) {
      fail(linkErrors.forbidden(this.name, this.peer.role, `request ${method}`));
      return;
    }
    const handler = this.router.requests.get(method);
    if (!handler) {
      fail(linkErrors.noHandler(method));
      return;
    }
    if (this.handling.size >= this.options.handlingRequestsMax || this.handling.has(id)) {
      fail(new LinkError('EDGE_LINK_BUSY', `node is handling ${this.handling.size} requests from you; retry shortly`, { retryable: true }));
      return;
    }
    const controller = new AbortController();
    this.handling.set(id, controller);
    Promise.resolve()
      .then(() => handler(body, { peer: this.peer, link: this, signal: controller.signal }))
      .then(
        (result) => {
          if (!controller.signal.aborted) this.answer(id, method, result ?? null);
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          fail(error instanceof EdgeError ? error : new EdgeError('EDGE_INTERNAL', `${method} failed: ${String((error as Error)?.message ?? error)}`));
        },
      )
      .finally(() => this.handling.delete(id));
  }

  /** A handler's result that breaks its method's schema is the handler's bug; the caller gets an error, the link stays up. */
  private answer(id: number, method: string, body: unknown): void {
    try {
      this.write({ t: 'response', id, ok: true, body, method });
    } catch (error) {
      if (error instanceof EdgeError && error.code === 'EDGE_LINK_BACKPRESSURE') return;
      const reason = error instanceof Error ? error.message : String(error);
      this.tryWrite({ t: 'response', id, ok: false, method, error: { code: 'EDGE_INTERNAL', message: `${method} produced an answer that could not be sent: ${reason}`, retryable: false } });
    }
  }

  private dispatchEvent(topic: string, body: unknown): void {
    if (!this.policy.permits(this.peer, topic)) {
      this.close(`${this.peer.role} may not send event ${topic}`, closeCodes.forbidden);
      return;
    }
    this.router.events.get(topic)?.(body, { peer: this.peer, link: this });
  }

  private heartbeat(): void {
    if (Date.now() - this.lastHeardMs > this.options.heartbeatTimeoutMs) {
      this.close(`nothing heard for ${this.options.heartbeatTimeoutMs} ms`, closeCodes.heartbeatLost);
      return;
    }
    // Skipped only while traffic flows both ways: the peer must hear from us (it may not ping) and we from it. Half an
    // interval, because our last ping and its pong are about one interval old and must not silence this one.
    const recentMs = this.options.heartbeatIntervalMs / 2;
    const nowMs = Date.now();
    if (!this.options.sendsHeartbeats || (nowMs - this.lastHeardMs < recentMs && nowMs - this.lastSentMs < recentMs)) return;
    this.tryWrite({ t: 'ping', seq: this.heartbeatSeq++ >>> 0, sentAtMs: Date.now() });
  }

  /** Why the link closed (a WebSocket close code, see closeCodes); undefined while open. */
  get closeCode(): number | undefined {
    return this.closedCode;
  }

  private closed(code: number, reason: string): void {
    if (this.closedWith) return;
    this.closedCode = code;
    const error = code === closeCodes.removed ? linkErrors.denied(this.name) : linkErrors.closed(this.name, `${code} ${reason}`);
    this.closedWith = error;
    clearInterval(this.heartbeatTimer);
    for (const pending of [...this.pending.values()]) pending.reject(error);
    for (const controller of this.handling.values()) controller.abort();
    this.handling.clear();
    for (const listener of this.closeListeners) listener(error);
    this.closeListeners.clear();
  }
}

function remoteError(body: ErrorBody): EdgeError {
  return new EdgeError(body.code, body.message, { retryable: body.retryable });
}
