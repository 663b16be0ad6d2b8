// Five real edged processes on five lab hosts with three managers: the
// cluster keeps accepting writes when the leader is killed, a cut-off manager
// cannot change anything while the majority can, and it converges on heal.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { needsCommands, needsRoot } from '../common/env.js';
import { Fleet, leaderAmong, nodesByHostname, waitUntil } from './fleet.js';

const ready = needsRoot() && needsCommands('ip', 'nsenter');

test('leader killed → a new leader takes writes; a partitioned manager cannot write; heal converges', async () => {
  if (!ready) return;
  const fleet = Fleet.create({ name: 'mgrs', hosts: 5 });
  await fleet.run(async () => {
    for (let index = 1; index <= 5; index++) fleet.start(index);
    for (let index = 1; index <= 5; index++) await fleet.ready(index);
    const init = await fleet.call(1, 'swarm.init', {});
    for (const index of [2, 3]) await fleet.call(index, 'swarm.join', { token: init.managerToken, manager: fleet.address(1) });
    for (const index of [4, 5]) await fleet.call(index, 'swarm.join', { token: init.workerToken, manager: fleet.address(1) });
    await waitUntil(async () => (await nodesByHostname(fleet, 3)).size === 5, 10_000, 'five nodes in the store');

    const leader = await leaderAmong(fleet, [1, 2, 3]);
    fleet.kill(leader);
    const killedAt = Date.now();
    const survivors = [1, 2, 3].filter((index) => index !== leader);
    const newLeader = await leaderAmong(fleet, survivors);
    const failoverMs = Date.now() - killedAt;
    console.log(`failover: new leader on host${newLeader} ${failoverMs} ms after kill -9 of host${leader}`);
    await fleet.call(survivors[0]!, 'node.update', { ref: 'host4', labelsAdd: { zone: 'a' } });
    assert.is((await nodesByHostname(fleet, survivors[1]!)).get('host4').labels.zone, 'a');

    // Bring the old leader back, then cut one manager off: the other two still decide.
    fleet.start(leader);
    await fleet.ready(leader);
    const isolated = survivors.find((index) => index !== newLeader)!;
    fleet.lab.cut(isolated);
    let refused = '';
    try {
      await fleet.call(isolated, 'node.update', { ref: 'host5', labelsAdd: { cut: 'yes' } }, 8000);
    } catch (error) {
      refused = (error as { code?: string }).code ?? String(error);
    }
    console.log(`isolated host${isolated}, refused with ${refused}`);
    assert.ok(refused !== '', 'a manager cut off from the majority must not apply a write');
    await fleet.call(newLeader, 'node.update', { ref: 'host5', labelsAdd: { zone: 'b' } });
    fleet.lab.restore(isolated);
    await waitUntil(async () => {
      try {
        return (await nodesByHostname(fleet, isolated)).get('host5')?.labels.zone === 'b';
      } catch {
        return false;
      }
    }, 15_000, 'the healed manager to see the majority’s write');
    const labels = (await nodesByHostname(fleet, isolated)).get('host5').labels;
    if (labels.cut !== undefined) console.log(fleet.logs(isolated), fleet.logs(newLeader));
    assert.is(labels.cut, undefined, 'the isolated write never took effect');
  });
});

test.run();
