// Every edged of a cluster restarted at once (a power cut of the whole shop)
// comes back with its state: same ids, same leader election, same labels.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { needsCommands, needsRoot } from '../common/env.js';
import { Fleet, nodesByHostname, waitUntil } from './fleet.js';

const ready = needsRoot() && needsCommands('ip', 'nsenter');

test('kill -9 of every host, then restart: the cluster returns with its state', async () => {
  if (!ready) return;
  const fleet = Fleet.create({ name: 'restart', hosts: 4 });
  await fleet.run(async () => {
    for (let index = 1; index <= 4; index++) fleet.start(index);
    for (let index = 1; index <= 4; index++) await fleet.ready(index);
    const init = await fleet.call(1, 'swarm.init', {});
    for (const index of [2, 3]) await fleet.call(index, 'swarm.join', { token: init.managerToken, manager: fleet.address(1) });
    await fleet.call(4, 'swarm.join', { token: init.workerToken, manager: fleet.address(2) });
    await fleet.call(1, 'node.update', { ref: 'host4', labelsAdd: { shelf: '7' }, availability: 'drain' });
    const before = await nodesByHostname(fleet, 1);

    for (let index = 1; index <= 4; index++) fleet.kill(index);
    for (let index = 1; index <= 4; index++) fleet.start(index);
    for (let index = 1; index <= 4; index++) await fleet.ready(index);
    await waitUntil(async () => {
      try {
        const info = await fleet.call(3, 'swarm.info', {}, 2000);
        return info.leader !== '';
      } catch {
        return false;
      }
    }, 20_000, 'a leader after the restart');
    const after = await nodesByHostname(fleet, 3);
    assert.equal([...after.keys()].sort(), [...before.keys()].sort());
    for (const [hostname, node] of before) assert.is(after.get(hostname).id, node.id, `${hostname} kept its id`);
    assert.is(after.get('host4').labels.shelf, '7');
    assert.is(after.get('host4').availability, 'drain');
    const info4 = await fleet.call(4, 'swarm.info', {});
    assert.is(info4.state, 'active');
    assert.is(info4.nodeId, before.get('host4').id);
    // Writes work again.
    await fleet.call(2, 'node.update', { ref: 'host4', availability: 'active' });
    assert.is((await nodesByHostname(fleet, 1)).get('host4').availability, 'active');
  });
});

test.run();
