// The listening side of links: an HTTPS server that upgrades to WebSocket
// only after the client certificate passed the cluster's verifier and the
// deny list. A refusal is an HTTP status with the reason, so the other side
// can say why instead of "socket hang up".
import type { Server } from 'node:https';
import { lazyBuiltin } from '../common/builtin.js';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';
import { EdgeError } from '../common/errors.js';
import { DenyList, type MessagePolicy, type PeerIdentity } from './authorization.js';
import { closeCodes, type LinkCodec } from './frames.js';
import { Link, type LinkOptions, type Router } from './link.js';
import { peerChain } from './peer-certificates.js';
import { defaultFrameBytesMax, joinPath, linkPath, type PeerVerifier, type TlsMaterial, tlsContextOptions } from './tls-options.js';
import { wsFrameSocket } from './ws-socket.js';

const https = lazyBuiltin<typeof import('node:https')>('node:https');

export interface LinkServerOptions {
  host: string;
  port: number;
  tls: TlsMaterial;
  verifyPeer: PeerVerifier;
  codec: LinkCodec;
  policy: MessagePolicy;
  router: Router;
  denyList: DenyList;
  /** Accept certificate-less clients on the join path (managers only). */
  acceptJoiners: boolean;
  frameBytesMax?: number;
  linkOptions?: Partial<LinkOptions>;
  /** Upgrades being verified or links open at once; more are refused with 503. Default 4096. */
  connectionsMax?: number;
  onLink?: (link: Link) => void;
  /** Told about every refused connection, with the reason (the daemon logs it). */
  onRefused?: (reason: string, remoteAddress: string) => void;
}

export class LinkServer {
  readonly links = new Set<Link>();
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly options: LinkServerOptions;
  private readonly stopWatchingDenyList: () => void;

  constructor(options: LinkServerOptions) {
    this.options = options;
    this.server = https().createServer({ ...tlsContextOptions(options.tls), requestCert: true, rejectUnauthorized: false }, (_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('this port speaks edgectl links over WebSocket\n');
    });
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: options.frameBytesMax ?? defaultFrameBytesMax,
    });
    this.server.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
    this.server.on('tlsClientError', (error, socket) => options.onRefused?.(`TLS handshake failed: ${error.message}`, socket.remoteAddress ?? '?'));
    this.stopWatchingDenyList = options.denyList.onChange((removed) => {
      for (const link of this.links) {
        if (options.denyList.refuses(link.peer)) link.close(`node ${removed.nodeId ?? link.peer.nodeId} removed`, closeCodes.removed);
      }
    });
  }

  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        if (address === null || typeof address === 'string') throw new Error('link server has no TCP address');
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  /** New certificates (renewal, CA rotation) apply to new connections at once. */
  updateTls(material: TlsMaterial): void {
    this.options.tls = material;
    this.server.setSecureContext(tlsContextOptions(material));
  }

  async close(): Promise<void> {
    this.stopWatchingDenyList();
    for (const link of this.links) link.close('node shutting down', closeCodes.goingAway);
    this.wss.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private refuse(socket: Duplex, status: number, code: string, message: string, remote: string): void {
    this.options.onRefused?.(`${code}: ${message}`, remote);
    const body = JSON.stringify({ code, message });
    socket.end(
      `HTTP/1.1 ${status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  }

  private identify(request: IncomingMessage, socket: TLSSocket): PeerIdentity {
    const path = (request.url ?? '').split('?')[0];
    const chain = peerChain(socket);
    if (path === joinPath && this.options.acceptJoiners) {
      return { nodeId: socket.remoteAddress ?? 'unknown', role: 'joiner', clusterId: '', serial: '' };
    }
    if (path !== linkPath) throw new EdgeError('EDGE_LINK_BAD_PATH', `no endpoint at ${path}; this node serves ${linkPath}`);
    if (chain.length === 0) {
      throw new EdgeError('EDGE_LINK_NO_CLIENT_CERT', 'a client certificate is required: join the cluster first (edgectl swarm join)');
    }
    return this.options.verifyPeer(chain);
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const tlsSocket = socket as TLSSocket;
    const remote = tlsSocket.remoteAddress ?? '?';
    if (this.links.size >= (this.options.connectionsMax ?? 4096)) {
      this.refuse(socket, 503, 'EDGE_LINK_BUSY', 'too many links open on this node; retry later', remote);
      return;
    }
    let peer: PeerIdentity;
    try {
      peer = this.identify(request, tlsSocket);
    } catch (error) {
      const edge = error instanceof EdgeError ? error : new EdgeError('EDGE_LINK_UNTRUSTED_PEER', String(error));
      this.refuse(socket, 403, edge.code, edge.message, remote);
      return;
    }
    if (this.options.denyList.refuses(peer)) {
      this.refuse(socket, 403, 'EDGE_LINK_NODE_REMOVED', `node ${peer.nodeId} was removed from the cluster: join again with a fresh token`, remote);
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const link = new Link({
        socket: wsFrameSocket(ws),
        codec: this.options.codec,
        peer,
        policy: this.options.policy,
        router: this.options.router,
        refuses: (candidate) => this.options.denyList.refuses(candidate),
        ...(this.options.linkOptions ? { options: this.options.linkOptions } : {}),
      });
      this.links.add(link);
      link.onClose(() => this.links.delete(link));
      this.options.onLink?.(link);
    });
  }
}
