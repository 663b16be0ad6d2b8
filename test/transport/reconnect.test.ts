// Reconnection: jittered exponential backoff stays within its bounds, and a
// client whose server goes away gets a new link once the server is back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRng } from '../../runtime/common/rng.js';
import { backoffDelayMs, defaultBackoff } from '../../runtime/transport/backoff.js';
import { ReconnectingLink } from '../../runtime/transport/reconnecting-link.js';
import { LinkServer } from '../../runtime/transport/tls-server.js';
import { DenyList } from '../../runtime/transport/authorization.js';
import { codec, dialTls, startTlsServer, TestCluster, testPolicy, testRouter, waitFor } from './support.js';

test('backoff delays grow exponentially up to the ceiling and are spread by jitter', () => {
  const rng = new SeededRng(7);
  for (let attempt = 0; attempt < 40; attempt++) {
    const ceiling = Math.min(defaultBackoff.maxMs, defaultBackoff.baseMs * 2 ** attempt);
    const delays = Array.from({ length: 200 }, () => backoffDelayMs(attempt, defaultBackoff, rng));
    assert.ok(delays.every((delay) => delay >= 0 && delay <= ceiling), `attempt ${attempt}: a delay left [0, ${ceiling}]`);
    // Full jitter: delays of one attempt are spread, not identical (a fleet must not retry in step).
    assert.ok(new Set(delays).size > 50, `attempt ${attempt}: delays are not spread`);
  }
});

test('a client reconnects by itself after the server restarts on the same port', async () => {
  const cluster = await TestCluster.create();
  const first = await startTlsServer(cluster);
  const port = first.port;
  const material = await cluster.issue('w1', 'worker');
  const links: number[] = [];
  const reconnecting = new ReconnectingLink({
    dial: () => dialTls(cluster, { ...first, port }, material),
    rng: new SeededRng(1),
    backoff: { baseMs: 20, maxMs: 200 },
    onLink: () => links.push(Date.now()),
  });
  let second: LinkServer | undefined;
  try {
    const link = await reconnecting.ready();
    assert.equal(await link.request('test.echo', { text: 'one' }), { text: 'one' });
    await first.server.close();
    await waitFor(() => !link.isOpen);
    second = new LinkServer({
      host: '127.0.0.1',
      port,
      tls: await cluster.issue('server1', 'manager'),
      verifyPeer: cluster.verifier('client'),
      codec,
      policy: testPolicy(),
      router: testRouter({ aborted: [], notes: [] }),
      denyList: new DenyList(),
      acceptJoiners: false,
    });
    await second.listen();
    await waitFor(() => links.length === 2, 5000);
    const again = await reconnecting.ready();
    assert.equal(await again.request('test.echo', { text: 'two' }), { text: 'two' });
  } finally {
    reconnecting.stop();
    await second?.close();
  }
});

test.run();
