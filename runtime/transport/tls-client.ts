// The dialing side of links. The server's chain is verified right after the
// TLS handshake and before the link carries anything; a joiner with no
// certificate verifies instead that the server's CA is the one its token pins.
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { WebSocket } from 'ws';
import { EdgeError } from '../common/errors.js';
import type { MessagePolicy, PeerIdentity } from './authorization.js';
import { linkErrors } from './errors.js';
import type { LinkCodec } from './frames.js';
import { Link, type LinkOptions, type Router } from './link.js';
import { peerChain } from './peer-certificates.js';
import { defaultFrameBytesMax, joinPath, linkPath, type PeerVerifier, type TlsMaterial, tlsContextOptions } from './tls-options.js';
import { wsFrameSocket } from './ws-socket.js';

export interface DialOptions {
  /** host:port of the peer. */
  address: string;
  /** This node's credentials; absent for a joiner. */
  tls: TlsMaterial | undefined;
  /** Checks the server's chain; for a joiner, the check of the token's CA digest. */
  verifyPeer: PeerVerifier;
  codec: LinkCodec;
  policy: MessagePolicy;
  router: Router;
  /** Dial the join endpoint (no client certificate). */
  join?: boolean;
  connectTimeoutMs?: number;
  frameBytesMax?: number;
  linkOptions?: Partial<LinkOptions>;
}

export function dialLink(options: DialOptions): Promise<Link> {
  const url = `wss://${options.address}${options.join ? joinPath : linkPath}`;
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  return new Promise<Link>((resolve, reject) => {
    let settled = false;
    let peer: PeerIdentity | undefined;
    const ws = new WebSocket(url, {
      ...tlsContextOptions(options.tls),
      rejectUnauthorized: false,
      perMessageDeflate: false,
      maxPayload: options.frameBytesMax ?? defaultFrameBytesMax,
      handshakeTimeout: timeoutMs,
    });
    const fail = (error: EdgeError): void => {
      if (settled) return;
      settled = true;
      ws.terminate();
      reject(error);
    };
    ws.on('upgrade', (response) => {
      let chain: X509Certificate[];
      try {
        chain = peerChain(response.socket as TLSSocket);
        peer = options.verifyPeer(chain);
      } catch (error) {
        fail(error instanceof EdgeError ? error : linkErrors.untrusted(options.address, String(error)));
      }
    });
    ws.on('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      response.on('end', () => {
        let reason = `HTTP ${response.statusCode}`;
        let code = 'EDGE_LINK_REFUSED';
        try {
          const parsed = JSON.parse(body) as { code?: unknown; message?: unknown };
          if (typeof parsed.message === 'string') reason = parsed.message.slice(0, 500);
          if (typeof parsed.code === 'string' && /^EDGE_[A-Z0-9_]{1,60}$/.test(parsed.code)) code = parsed.code;
        } catch {
          // not one of ours: keep the status line
        }
        fail(new EdgeError(code, `${options.address} refused the connection: ${reason}`));
      });
    });
    ws.on('error', (error) => fail(linkErrors.unreachable(options.address, error.message)));
    ws.on('open', () => {
      if (settled) return;
      if (!peer) {
        fail(linkErrors.untrusted(options.address, 'no certificate was checked'));
        return;
      }
      settled = true;
      resolve(
        new Link({
          socket: wsFrameSocket(ws),
          codec: options.codec,
          peer,
          policy: options.policy,
          router: options.router,
          ...(options.linkOptions ? { options: options.linkOptions } : {}),
        }),
      );
    });
  });
}
