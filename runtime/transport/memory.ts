// An in-memory network of links for tests and simulations: the same Link
// class over a pipe instead of a TLS WebSocket. A paused end stops reading,
// which is how tests make a slow peer.
import type { MessagePolicy, PeerIdentity } from './authorization.js';
import type { FrameSocket, LinkCodec } from './frames.js';
import { Link, type LinkOptions, type Router } from './link.js';

interface Delivery {
  bytes: Uint8Array;
  done: (error?: Error) => void;
}

export class MemorySocket implements FrameSocket {
  peer: MemorySocket | undefined;
  private frameListener: (bytes: Uint8Array) => void = () => {};
  private closeListener: (code: number, reason: string) => void = () => {};
  private readonly inbox: Delivery[] = [];
  private paused = false;
  private isClosed = false;

  send(bytes: Uint8Array, done: (error?: Error) => void): void {
    const peer = this.peer;
    if (this.isClosed || !peer || peer.isClosed) {
      queueMicrotask(() => done(new Error('socket closed')));
      return;
    }
    // Copy: the receiver must not see later changes to the sender's buffer.
    peer.inbox.push({ bytes: bytes.slice(), done });
    setImmediate(() => peer.drain());
  }

  close(code: number, reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const peer = this.peer;
    setImmediate(() => {
      this.closeListener(code, reason);
      if (peer && !peer.isClosed) {
        peer.isClosed = true;
        peer.closeListener(code, reason);
      }
    });
  }

  onFrame(listener: (bytes: Uint8Array) => void): void {
    this.frameListener = listener;
  }

  onClose(listener: (code: number, reason: string) => void): void {
    this.closeListener = listener;
  }

  /** Stops reading: frames pile up at the sender's side, unacknowledged. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    while (!this.paused && !this.isClosed && this.inbox.length > 0) {
      const delivery = this.inbox.shift()!;
      delivery.done();
      this.frameListener(delivery.bytes);
    }
  }
}

export interface MemoryPairOptions {
  codec: LinkCodec;
  policy: MessagePolicy;
  left: { identity: PeerIdentity; router: Router };
  right: { identity: PeerIdentity; router: Router };
  options?: Partial<LinkOptions>;
}

/** Two links joined by a pipe; `left.link.peer` is the right side's identity. */
export function memoryLinkPair(parts: MemoryPairOptions): {
  left: { link: Link; socket: MemorySocket };
  right: { link: Link; socket: MemorySocket };
} {
  const leftSocket = new MemorySocket();
  const rightSocket = new MemorySocket();
  leftSocket.peer = rightSocket;
  rightSocket.peer = leftSocket;
  const common = { codec: parts.codec, policy: parts.policy, ...(parts.options ? { options: parts.options } : {}) };
  const leftLink = new Link({ ...common, socket: leftSocket, peer: parts.right.identity, router: parts.left.router });
  const rightLink = new Link({ ...common, socket: rightSocket, peer: parts.left.identity, router: parts.right.router });
  return { left: { link: leftLink, socket: leftSocket }, right: { link: rightLink, socket: rightSocket } };
}
