// Every way a peer that is not a trusted, current node of this cluster is
// refused on a real TLS link, each with a reason a person can act on.
import { connect as tlsConnect } from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../runtime/common/clock.js';
import { isEdgeError } from '../../runtime/common/errors.js';
import { dialTls, startTlsServer, TestCluster, waitFor } from './support.js';

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isEdgeError(error), `expected an EdgeError, got ${String(error)}`);
    return { code: error.code, message: error.message };
  }
  throw new Error('the connection was accepted, but it should have been refused');
}

test('a client with no certificate is refused and told to join first', async () => {
  const cluster = await TestCluster.create();
  const handle = await startTlsServer(cluster);
  try {
    const { code, message } = await refusal(dialTls(cluster, handle, undefined));
    assert.is(code, 'EDGE_LINK_NO_CLIENT_CERT');
    assert.match(message, /join/);
    assert.is(handle.links.length, 0);
    assert.ok(handle.refused.some((line) => line.includes('EDGE_LINK_NO_CLIENT_CERT')), 'the server logs why');
  } finally {
    await handle.server.close();
  }
});

test('a certificate from another cluster’s CA is refused', async () => {
  const cluster = await TestCluster.create();
  const stranger = await TestCluster.create('c1');
  const handle = await startTlsServer(cluster);
  try {
    const { code, message } = await refusal(dialTls(cluster, handle, await stranger.issue('intruder', 'manager')));
    assert.match(code, /^EDGE_PKI_/);
    assert.match(message, /intruder|trust|CA|root/i);
    assert.is(handle.links.length, 0);
  } finally {
    await handle.server.close();
  }
});

test('an expired certificate is refused with its expiry in the reason', async () => {
  const cluster = await TestCluster.create();
  const material = await cluster.issue('old-node', 'worker', 60 * 60 * 1000);
  // The server's clock is two hours after issuance: the one-hour certificate has expired.
  const later = new ManualClock(cluster.clock.nowMs() + 2 * 60 * 60 * 1000);
  const handle = await startTlsServer(cluster, {}, later);
  try {
    const { code, message } = await refusal(dialTls(cluster, handle, material));
    assert.is(code, 'EDGE_PKI_CERT_EXPIRED');
    assert.match(message, /expired/);
  } finally {
    await handle.server.close();
  }
});

test('a removed node is refused at connect, and its live link is closed at removal', async () => {
  const cluster = await TestCluster.create();
  const handle = await startTlsServer(cluster);
  try {
    const material = await cluster.issue('worker7', 'worker');
    const link = await dialTls(cluster, handle, material);
    await waitFor(() => handle.links.length === 1);
    handle.denyList.denyNode('worker7');
    await waitFor(() => !link.isOpen);
    const { code, message } = await refusal(dialTls(cluster, handle, material));
    assert.is(code, 'EDGE_LINK_NODE_REMOVED');
    assert.match(message, /join again/);
  } finally {
    await handle.server.close();
  }
});

test('a server whose certificate comes from another CA is refused by the client', async () => {
  const cluster = await TestCluster.create();
  const impostor = await TestCluster.create();
  const handle = await startTlsServer(impostor);
  try {
    const { code } = await refusal(dialTls(cluster, handle, await cluster.issue('w1', 'worker')));
    assert.match(code, /^EDGE_PKI_/);
  } finally {
    await handle.server.close();
  }
});

test('TLS 1.2 is refused: links speak TLS 1.3 only', async () => {
  const cluster = await TestCluster.create();
  const handle = await startTlsServer(cluster);
  try {
    const outcome = await new Promise<string>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: handle.port, maxVersion: 'TLSv1.2', rejectUnauthorized: false });
      socket.on('secureConnect', () => {
        resolve(`connected with ${socket.getProtocol()}`);
        socket.destroy();
      });
      socket.on('error', (error) => resolve(`refused: ${error.message}`));
    });
    assert.match(outcome, /^refused/);
  } finally {
    await handle.server.close();
  }
});

test('a board whose clock reads 1970 still accepts a valid peer (no dead-lock before time sync)', async () => {
  const cluster = await TestCluster.create();
  const board1970 = new ManualClock(Date.UTC(1970, 0, 1, 0, 5), 0);
  const handle = await startTlsServer(cluster, {}, board1970);
  try {
    const link = await dialTls(cluster, handle, await cluster.issue('w2', 'worker'));
    assert.equal(await link.request('test.echo', { text: 'tick' }), { text: 'tick' });
    link.close();
  } finally {
    await handle.server.close();
  }
});

test.run();
