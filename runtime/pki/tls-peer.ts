/**
 * Glue between node:tls and verifyPeerChain().
 *
 * Why not `checkServerIdentity`: Node calls it only after OpenSSL's own chain
 * verification succeeded, and that is exactly the check that fails on a board
 * whose clock reads 1970. So both ends run TLS 1.3 with
 * `rejectUnauthorized: false` (OpenSSL still completes the handshake, proving
 * the peer holds the key of the certificate it sent) and then, before any
 * application byte is sent or read, call verifyTlsPeer() and destroy the
 * socket on error:
 *
 *   client:  tls.connect({ ...tlsOptions(credentials), host, port })
 *              .once('secureConnect', () => verifyTlsPeer(socket, { ..., peerTlsRole: 'server' }))
 *   server:  tls.createServer(tlsOptions(credentials))
 *              .on('secureConnection', (socket) => verifyTlsPeer(socket, { ..., peerTlsRole: 'client' }))
 *
 * With ws, the same socket is `request.socket` in the server's verifyClient
 * and `response.socket` in the client's 'upgrade' event.
 */
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { PkiError } from './errors.js';
import type { PeerIdentity } from './peer-identity.js';
import { verifyPeerChain, type PeerVerifyOptions } from './peer-verifier.js';
import { PEER_CHAIN_CERTS_MAX } from './policy.js';

export interface TlsCredentials {
  keyPem: string;
  /** The node certificate, followed by any certificate to present with it (the cross-signed root during a rotation). */
  certPem: string;
}

/** Options for tls.connect / tls.createServer / https / ws: our credentials, TLS 1.3 only, verification left to verifyTlsPeer(). */
export function tlsOptions(credentials: TlsCredentials): {
  key: string;
  cert: string;
  minVersion: 'TLSv1.3';
  requestCert: true;
  rejectUnauthorized: false;
  checkServerIdentity: () => undefined;
} {
  return {
    key: credentials.keyPem,
    cert: credentials.certPem,
    minVersion: 'TLSv1.3',
    requestCert: true,
    // Deliberate: OpenSSL's check uses the local clock. verifyTlsPeer() does the full check instead.
    rejectUnauthorized: false,
    // Peers are identified by node id in the certificate, not by hostname: addresses change with DHCP and mDNS.
    checkServerIdentity: () => undefined,
  };
}

/**
 * The peer's certificates as DER, leaf first, in issuing order as far as
 * Node could link them.
 */
export function peerChainFromSocket(socket: TLSSocket): Buffer[] {
  const chain: Buffer[] = [];
  let current: PeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<PeerCertificate>();
  while (current !== undefined && current.raw !== undefined && !seen.has(current)) {
    if (chain.length > PEER_CHAIN_CERTS_MAX) break;
    seen.add(current);
    chain.push(current.raw);
    const issuer: PeerCertificate | undefined = (current as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
    // Node ends the chain with a self-signed certificate pointing at itself.
    current = issuer === current ? undefined : issuer;
  }
  return chain;
}

/** Verifies the peer of an established TLS socket; see the file comment for where to call it. */
export function verifyTlsPeer(socket: TLSSocket, options: PeerVerifyOptions): PeerIdentity {
  if (!socket.encrypted) {
    throw new PkiError('EDGE_PKI_PEER_NO_CERT', 'the link is not TLS: edgectl has no insecure mode; connect with wss:// or tls');
  }
  return verifyPeerChain(peerChainFromSocket(socket), options);
}
