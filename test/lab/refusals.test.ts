// Real edged hosts refuse what is not theirs, with the reason logged: a
// wrong token, a token pinning another cluster's CA, a node of another
// cluster, and a removed node trying to come back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { needsCommands, needsRoot } from '../common/env.js';
import { Fleet, nodesByHostname, waitUntil } from './fleet.js';

const ready = needsRoot() && needsCommands('ip', 'nsenter');

async function joinError(fleet: Fleet, index: number, token: string, manager: string): Promise<{ code: string; message: string }> {
  const outcome = await fleet.outcome(index, 'swarm.join', { token, manager }, 15_000);
  if (outcome.code === '') throw new Error('the join was accepted but should have been refused');
  return outcome;
}

test('wrong tokens, foreign nodes and removed nodes are refused with their reasons', async () => {
  if (!ready) return;
  const fleet = Fleet.create({ name: 'refuse', hosts: 4 });
  await fleet.run(async () => {
    for (let index = 1; index <= 4; index++) fleet.start(index);
    for (let index = 1; index <= 4; index++) await fleet.ready(index);
    const cluster = await fleet.call(1, 'swarm.init', {});
    const other = await fleet.call(4, 'swarm.init', {});

    // Right CA, wrong secret.
    const [prefix, digest] = cluster.workerToken.split('-');
    const forged = `${prefix}-${digest}-${'a'.repeat(32)}`;
    const wrongSecret = await joinError(fleet, 2, forged, fleet.address(1));
    assert.is(wrongSecret.code, 'EDGE_PKI_TOKEN_INVALID');
    assert.match(fleet.logs(1), /EDGE_PKI_TOKEN_INVALID|not valid for this cluster/);

    // A token of cluster 4 presented to cluster 1: the joiner refuses before sending the secret.
    const mismatch = await joinError(fleet, 2, other.workerToken, fleet.address(1));
    assert.is(mismatch.code, 'EDGE_PKI_CA_MISMATCH');
    assert.not.match(fleet.logs(1), new RegExp(other.workerToken.split('-')[2]), 'the secret never reached the other cluster');

    // host2 and host3 join properly.
    await fleet.call(2, 'swarm.join', { token: cluster.workerToken, manager: fleet.address(1) });
    await fleet.call(3, 'swarm.join', { token: cluster.workerToken, manager: fleet.address(1) });

    // A node of another cluster (host4, manager of its own) dialing host1 is refused at TLS verification.
    const foreign = await joinError(fleet, 4, cluster.workerToken, fleet.address(1)).catch((error) => ({ code: 'thrown', message: String(error) }));
    assert.is(foreign.code, 'EDGE_SWARM_ALREADY_MEMBER', 'a node in a cluster cannot join another without leaving');

    // Remove host3 while it runs: its certificate is refused from then on.
    const nodes = await nodesByHostname(fleet, 1);
    await fleet.call(1, 'node.rm', { ref: nodes.get('host3').id, force: true });
    await fleet.stop(3);
    fleet.start(3);
    await fleet.ready(3);
    await waitUntil(() => /EDGE_LINK_NODE_REMOVED|removed/.test(fleet.logs(3)), 15_000, 'host3 to log that it was refused as removed');
    assert.match(fleet.logs(1), /refused a connection from .*NODE_REMOVED/);
    assert.not.ok((await nodesByHostname(fleet, 1)).has('host3'));
  });
});

test.run();
