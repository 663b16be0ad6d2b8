// Gossip on real hosts: a worker killed with -9 is shown down by every
// manager within the bound; restarted, it is ready again with the same id;
// a worker that leaves gracefully is shown down as having left.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { needsCommands, needsRoot } from '../common/env.js';
import { Fleet, nodesByHostname, waitUntil } from './fleet.js';

const ready = needsRoot() && needsCommands('ip', 'nsenter');
/** The target is under 2 s on the lab; allow for a loaded CI machine. */
const detectionBoundMs = 4000;

async function statusEverywhere(fleet: Fleet, managers: number[], hostname: string, status: string): Promise<boolean> {
  for (const index of managers) {
    const node = (await nodesByHostname(fleet, index, true)).get(hostname);
    if (node?.status !== status) return false;
  }
  return true;
}

test('kill -9 of a worker: down on every manager within the bound; back to ready after restart', async () => {
  if (!ready) return;
  const fleet = Fleet.create({ name: 'alive', hosts: 5 });
  await fleet.run(async () => {
    for (let index = 1; index <= 5; index++) fleet.start(index);
    for (let index = 1; index <= 5; index++) await fleet.ready(index);
    const init = await fleet.call(1, 'swarm.init', {});
    for (const index of [2, 3]) await fleet.call(index, 'swarm.join', { token: init.managerToken, manager: fleet.address(1) });
    for (const index of [4, 5]) await fleet.call(index, 'swarm.join', { token: init.workerToken, manager: fleet.address(1) });
    await waitUntil(() => statusEverywhere(fleet, [1, 2, 3], 'host5', 'ready'), 10_000, 'host5 ready everywhere');
    const id = (await nodesByHostname(fleet, 1)).get('host5').id;

    fleet.kill(5);
    const detectedMs = await waitUntil(() => statusEverywhere(fleet, [1, 2, 3], 'host5', 'down'), 15_000, 'host5 down on every manager');
    console.log(`dead worker detected by every manager in ${detectedMs} ms`);
    assert.ok(detectedMs < detectionBoundMs, `detection took ${detectedMs} ms, bound ${detectionBoundMs} ms`);
    assert.ok(await statusEverywhere(fleet, [1, 2, 3], 'host4', 'ready'), 'the live worker was never declared down');

    fleet.start(5);
    await waitUntil(() => statusEverywhere(fleet, [1, 2, 3], 'host5', 'ready'), 15_000, 'host5 ready again');
    assert.is((await nodesByHostname(fleet, 2)).get('host5').id, id, 'same id after the restart');

    await fleet.call(4, 'swarm.leave', { force: false });
    await waitUntil(() => statusEverywhere(fleet, [1, 2, 3], 'host4', 'down'), 10_000, 'host4 shown down after leaving');
    assert.match((await nodesByHostname(fleet, 1)).get('host4').statusMessage, /left/);
  }, { logHosts: [1, 5], logChars: 4000 });
});

test.run();
