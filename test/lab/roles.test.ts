// Promote and demote on real hosts: a promoted worker becomes a Raft member
// with a manager certificate and serves manager calls; a demoted manager
// leaves Raft and runs as a worker; the last manager cannot be demoted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { needsCommands, needsRoot } from '../common/env.js';
import { Fleet, nodesByHostname, waitUntil } from './fleet.js';

const ready = needsRoot() && needsCommands('ip', 'nsenter');

test('promote a worker, demote a manager, refuse to demote the last one', async () => {
  if (!ready) return;
  const fleet = Fleet.create({ name: 'roles', hosts: 2 });
  await fleet.run(async () => {
    for (const index of [1, 2]) fleet.start(index);
    for (const index of [1, 2]) await fleet.ready(index);
    const init = await fleet.call(1, 'swarm.init', {});
    await fleet.call(2, 'swarm.join', { token: init.workerToken, manager: fleet.address(1) });

    let refused = '';
    try {
      await fleet.call(1, 'node.demote', { ref: 'self' });
    } catch (error) {
      refused = (error as { code: string }).code;
    }
    assert.is(refused, 'EDGE_STORE_LAST_MANAGER');

    await fleet.call(1, 'node.promote', { ref: 'host2' });
    await waitUntil(async () => (await fleet.call(2, 'swarm.info', {})).role === 'manager', 20_000, 'host2 to run as a manager');
    await waitUntil(async () => {
      try {
        return (await nodesByHostname(fleet, 2)).get('host2')?.managerStatus === 'reachable';
      } catch {
        return false;
      }
    }, 20_000, 'host2 to serve node ls as a manager');

    await fleet.call(2, 'node.demote', { ref: 'host1' });
    await waitUntil(async () => (await fleet.call(1, 'swarm.info', {})).role === 'worker', 20_000, 'host1 to run as a worker');
    const nodes = await nodesByHostname(fleet, 2);
    assert.is(nodes.get('host1').role, 'worker');
    assert.is(nodes.get('host2').managerStatus, 'leader');
    await fleet.call(2, 'node.update', { ref: 'host1', labelsAdd: { after: 'demote' } });
  }, { logHosts: [1, 2], logChars: 2500 });
});

test.run();
