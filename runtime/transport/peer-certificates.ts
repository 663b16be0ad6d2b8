import type { X509Certificate } from 'node:crypto';
import { nodeCrypto } from '../common/builtin.js';
import type { TLSSocket } from 'node:tls';

/** The certificate chain a TLS peer presented, leaf first; empty when it sent none. */
export function peerChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let current = socket.getPeerCertificate(true) as { raw?: Buffer; issuerCertificate?: unknown } | null;
  const seen = new Set<string>();
  // Bounded: a chain longer than this is not one we issued.
  for (let depth = 0; current && current.raw && depth < 8; depth++) {
    const fingerprint = current.raw.toString('base64');
    if (seen.has(fingerprint)) break; // a self-signed root points at itself
    seen.add(fingerprint);
    chain.push(new (nodeCrypto().X509Certificate)(current.raw));
    current = current.issuerCertificate as typeof current;
  }
  return chain;
}
