import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PkiError } from '../../runtime/pki/errors.js';
import type { PeerIdentity } from '../../runtime/pki/peer-identity.js';
import { tlsOptions, verifyTlsPeer, type TlsCredentials } from '../../runtime/pki/tls-peer.js';
import { TrustBundle } from '../../runtime/pki/trust-bundle.js';
import type { TrustedTime } from '../../runtime/pki/trusted-time.js';
import { DAY_MS, issueNode, makeCa, timeAt } from './helpers.js';

// Certificates dated four years ahead of the machine's clock: to OpenSSL (which
// reads the real clock) they are "not yet valid", exactly what a board whose
// clock says 1970 sees with certificates dated today.
const futureMs = Date.now() + 4 * 365 * DAY_MS;
const { ca } = await makeCa('cluster-a', futureMs);
const trust = TrustBundle.of([ca.certificate]);
const server = await issueNode(ca, { nodeId: 'manager-1', role: 'manager', addresses: ['127.0.0.1'] });
const client = await issueNode(ca, { nodeId: 'worker-1', role: 'worker' });

type Outcome = PeerIdentity | PkiError;

/** One TLS 1.3 handshake over loopback; each side runs verifyTlsPeer with its own TrustedTime. */
async function handshake(
  serverCredentials: TlsCredentials,
  clientCredentials: TlsCredentials | undefined,
  times: { server: TrustedTime; client: TrustedTime },
): Promise<{ atServer: Outcome; atClient: Outcome }> {
  const outcome = (action: () => PeerIdentity): Outcome => {
    try {
      return action();
    } catch (error) {
      if (error instanceof PkiError) return error;
      throw error;
    }
  };
  const listener = tls.createServer(tlsOptions(serverCredentials));
  const atServer = new Promise<Outcome>((resolve) => {
    listener.once('secureConnection', (socket) => {
      resolve(outcome(() => verifyTlsPeer(socket, { trust, time: times.server, peerTlsRole: 'client' })));
      socket.destroy();
    });
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as AddressInfo;
  const base = clientCredentials === undefined ? { minVersion: 'TLSv1.3' as const, rejectUnauthorized: false } : tlsOptions(clientCredentials);
  const socket = tls.connect({ ...base, host: '127.0.0.1', port });
  await once(socket, 'secureConnect');
  const atClient = outcome(() => verifyTlsPeer(socket, { trust, time: times.client, peerTlsRole: 'server' }));
  const result = { atServer: await atServer, atClient };
  socket.destroy();
  listener.close();
  return result;
}

function identity(value: Outcome): PeerIdentity {
  if (value instanceof PkiError) assert.unreachable(`expected an identity, got ${value.code}: ${value.message}`);
  return value as PeerIdentity;
}

test("OpenSSL's own check refuses these certificates on the clock", async () => {
  // Proves the premise: with rejectUnauthorized the builtin verification fails as "not yet valid", so the transport cannot rely on it.
  const listener = tls.createServer(tlsOptions(server));
  listener.on('secureConnection', (socket) => socket.destroy());
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as AddressInfo;
  const socket = tls.connect({ key: client.keyPem, cert: client.certPem, ca: ca.certPem, host: '127.0.0.1', port, minVersion: 'TLSv1.3', rejectUnauthorized: true, checkServerIdentity: () => undefined });
  const [error] = (await once(socket, 'error').catch((caught: unknown) => [caught])) as [NodeJS.ErrnoException];
  assert.is(error.code, 'CERT_NOT_YET_VALID');
  listener.close();
});

test('both ends accept each other with rejectUnauthorized:false + verifyTlsPeer on a 1970 clock', async () => {
  // Proves the designed path: the handshake completes, each side's verifier returns the other's identity from the certificate.
  const { atServer, atClient } = await handshake(server, client, { server: timeAt(0).time, client: timeAt(0).time });
  assert.equal([identity(atServer).nodeId, identity(atServer).role], ['worker-1', 'worker']);
  assert.equal([identity(atClient).nodeId, identity(atClient).role], ['manager-1', 'manager']);
});

test('with a plausible clock the same certificates are refused as not yet valid', async () => {
  // Proves verifyTlsPeer really checks validity: with the machine's real time as a plausible local clock both sides refuse.
  const { atServer, atClient } = await handshake(server, client, { server: timeAt(Date.now()).time, client: timeAt(Date.now()).time });
  assert.ok(atServer instanceof PkiError && atServer.code === 'EDGE_PKI_CERT_NOT_YET_VALID');
  assert.ok(atClient instanceof PkiError && atClient.code === 'EDGE_PKI_CERT_NOT_YET_VALID');
});

test('a client without a certificate, or with one from another CA, is refused by the server', async () => {
  // Proves the server side of mutual TLS: no client certificate and a stranger's certificate are typed refusals.
  const times = { server: timeAt(0).time, client: timeAt(0).time };
  const anonymous = await handshake(server, undefined, times);
  assert.ok(anonymous.atServer instanceof PkiError && anonymous.atServer.code === 'EDGE_PKI_PEER_NO_CERT');
  const { ca: other } = await makeCa('cluster-a', futureMs);
  const stranger = await issueNode(other, { nodeId: 'worker-9' });
  const refused = await handshake(server, stranger, times);
  assert.ok(refused.atServer instanceof PkiError && refused.atServer.code === 'EDGE_PKI_CERT_UNTRUSTED');
  assert.is(identity(refused.atClient).nodeId, 'manager-1');
});

test.run();
