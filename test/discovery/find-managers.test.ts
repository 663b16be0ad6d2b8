// findManagers against a stand-in socket that answers its query with a
// scripted set of advertisers: which ones it returns, when it returns, and
// how it ends on timeout, abort and bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isDiscoveryError } from '../../runtime/discovery/errors.js';
import { findManagers, type FindManagersOptions } from '../../runtime/discovery/find-managers.js';
import { announcement } from '../../runtime/discovery/responder.js';
import type { PeerTxt } from '../../runtime/discovery/txt.js';
import { FakeSocket, ipv4Interface } from './fake-socket.js';

const DIGEST = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const txt = (node: string, extra: Partial<PeerTxt> = {}): PeerTxt => ({ cluster: 'lab', ca: DIGEST.slice(0, 16), role: 'manager', node, ...extra });

interface Responder {
  instance: string;
  address: string;
  txt: PeerTxt;
  /** Answers this long after the query. */
  delayMs: number;
}

/** Options whose socket answers the first query with each responder's announcement, as dns-packet would decode it. */
function options(responders: Responder[], overrides: Partial<FindManagersOptions> = {}): FindManagersOptions {
  return {
    caDigestPrefix: DIGEST,
    timeoutMs: 2000,
    log: () => {},
    readInterfaces: () => ({ eth0: [ipv4Interface('10.0.0.2')] }),
    socketFactory: (address) => {
      const socket = new FakeSocket(address);
      const send = socket.send.bind(socket);
      socket.send = (packet, destination, callback) => {
        send(packet, destination, callback);
        if (packet.type !== 'query' || socket.sent.length > 1) return;
        for (const responder of responders) {
          const reply = announcement({ instance: responder.instance, port: 4242, txt: responder.txt, addresses: [responder.address], ttlSeconds: 120 }, { goodbye: false });
          const decoded = { ...reply, id: 0, flags: 1024, additionals: [], answers: reply.answers!.map((r) => (r.type === 'TXT' ? { ...r, data: r.data.map((s) => Buffer.from(s)) } : r)) };
          setTimeout(() => socket.deliver(decoded, responder.address), responder.delayMs);
        }
      };
      return socket;
    },
    ...overrides,
  };
}

test('returns every matching manager that answers within the settle time, and nothing else', async () => {
  // Proves the auto-join search: role manager, matching CA prefix, optional cluster; late answers within settleMs are included.
  const started = performance.now();
  const peers = await findManagers(
    options([
      { instance: 'mgr-1', address: '10.0.0.11', txt: txt('n1'), delayMs: 10 },
      { instance: 'mgr-2', address: '10.0.0.12', txt: txt('n2'), delayMs: 150 },
      { instance: 'wrk-1', address: '10.0.0.13', txt: txt('w1', { role: 'worker' }), delayMs: 10 },
      { instance: 'other', address: '10.0.0.14', txt: txt('o1', { ca: 'ffffffffffffffff' }), delayMs: 10 },
      { instance: 'mgr-9', address: '10.0.0.15', txt: txt('n9'), delayMs: 900 },
    ]),
  );
  const elapsedMs = performance.now() - started;
  assert.equal(peers.map((peer) => [peer.instance, peer.addresses[0]]), [['mgr-1', '10.0.0.11'], ['mgr-2', '10.0.0.12']]);
  assert.ok(elapsedMs < 800, `returned after the settle time, not the timeout (${elapsedMs.toFixed(0)} ms)`);
});

test('clusterId narrows further; no match resolves [] at the timeout', async () => {
  // Proves the timeout path returns an empty list (the daemon explains) after waiting the full time.
  const started = performance.now();
  const peers = await findManagers(options([{ instance: 'mgr-1', address: '10.0.0.11', txt: txt('n1'), delayMs: 10 }], { clusterId: 'another', timeoutMs: 400 }));
  assert.equal(peers, []);
  assert.ok(performance.now() - started >= 395);
});

test('an abort rejects with EDGE_DISCOVERY_ABORTED; a bad digest, timeout or interface address throws CONFIG_INVALID', async () => {
  // Proves the caller can cancel a search (shutdown during boot) and that a malformed token digest is refused up front.
  const controller = new AbortController();
  const pending = findManagers(options([], { signal: controller.signal, timeoutMs: 5000 }));
  setTimeout(() => controller.abort(), 50);
  try {
    await pending;
    assert.unreachable('resolved');
  } catch (error) {
    assert.ok(isDiscoveryError(error, 'EDGE_DISCOVERY_ABORTED'), String(error));
  }
  assert.throws(() => findManagers(options([], { caDigestPrefix: '9f86' })), (error: unknown) => isDiscoveryError(error, 'EDGE_DISCOVERY_CONFIG_INVALID'));
  assert.throws(() => findManagers(options([], { timeoutMs: 0 })), (error: unknown) => isDiscoveryError(error, 'EDGE_DISCOVERY_CONFIG_INVALID'));
  assert.throws(() => findManagers(options([], { interfaceAddress: 'fe80::1' })), (error: unknown) => isDiscoveryError(error, 'EDGE_DISCOVERY_CONFIG_INVALID'));
});

test.run();
