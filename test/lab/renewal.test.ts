// Certificates renew themselves: with a 60-second certificate lifetime
// (swarm init --cert-expiry), a worker and the manager each get a new
// certificate before the old one expires, and the cluster keeps working.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { needsCommands, needsRoot } from '../common/env.js';
import { Fleet, nodesByHostname, waitUntil } from './fleet.js';

const ready = needsRoot() && needsCommands('ip', 'nsenter');

function serialOf(fleet: Fleet, index: number): string {
  const saved = JSON.parse(readFileSync(join(fleet.lab.host(index).dataDir, 'pki', 'node-credentials.json'), 'utf8')) as { certPem: string };
  const leaf = saved.certPem.slice(0, saved.certPem.indexOf('-----END CERTIFICATE-----') + '-----END CERTIFICATE-----'.length);
  return new X509Certificate(leaf).serialNumber;
}

test('node certificates renew at 50–80 % of their life and links keep working', async () => {
  if (!ready) return;
  const fleet = Fleet.create({ name: 'renew', hosts: 2 });
  await fleet.run(async () => {
    for (const index of [1, 2]) fleet.start(index);
    for (const index of [1, 2]) await fleet.ready(index);
    const init = await fleet.call(1, 'swarm.init', { certExpiryMs: 60_000 });
    await fleet.call(2, 'swarm.join', { token: init.workerToken, manager: fleet.address(1) });
    const before = [serialOf(fleet, 1), serialOf(fleet, 2)];
    const renewedMs = await waitUntil(() => serialOf(fleet, 1) !== before[0] && serialOf(fleet, 2) !== before[1], 57_000, 'both certificates renewed');
    console.log(`both certificates renewed ${renewedMs} ms after the join (lifetime 60 s)`);
    assert.match(fleet.logs(2), /certificate renewed/);
    // Past the first certificates' expiry, the worker is still a ready member and writes still work.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 62_000 - renewedMs)));
    await fleet.call(1, 'node.update', { ref: 'host2', labelsAdd: { renewed: 'yes' } });
    const host2 = (await nodesByHostname(fleet, 1)).get('host2');
    assert.is(host2.status, 'ready');
    assert.is(host2.labels.renewed, 'yes');
  }, { logHosts: [1, 2] });
});

test.run();
