// Quorum-loss recovery on real hosts: three managers and two workers, two
// managers killed for good. Writes on the survivor fail with the quorum error
// until `edgectl swarm init --force-new-cluster` restarts the cluster from
// it; then it leads alone and takes writes, the state (a label) is still
// there, the lost managers show down, the workers ready. It stays so across
// a kill -9 and restart of the survivor, a promoted worker makes the cluster
// grow again, and a lost manager that comes back changes nothing until it is
// removed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { needsCommands, needsRoot } from '../common/env.js';
import { Fleet, nodesByHostname, waitUntil } from './fleet.js';

const ready = needsRoot() && needsCommands('ip', 'nsenter');

/** How a label write through host `index` ends ('' when it succeeds). */
function writeOutcome(fleet: Fleet, index: number, labels: Record<string, string>): Promise<{ code: string; message: string }> {
  return fleet.outcome(index, 'node.update', { ref: 'host5', labelsAdd: labels }, 10_000);
}

async function isLeader(fleet: Fleet, index: number): Promise<boolean> {
  try {
    const info = await fleet.call(index, 'swarm.info', {}, 2000);
    return info.leader !== '' && info.leader === info.nodeId;
  } catch {
    return false;
  }
}

test('two of three managers lost for good → force-new-cluster on the survivor restores a working cluster', async () => {
  if (!ready) return;
  const fleet = Fleet.create({ name: 'fnc', hosts: 5 });
  const started = Date.now();
  await fleet.run(async () => {
    for (let index = 1; index <= 5; index++) fleet.start(index);
    for (let index = 1; index <= 5; index++) await fleet.ready(index);
    const init = await fleet.call(1, 'swarm.init', {});
    for (const index of [2, 3]) await fleet.call(index, 'swarm.join', { token: init.managerToken, manager: fleet.address(1) });
    for (const index of [4, 5]) await fleet.call(index, 'swarm.join', { token: init.workerToken, manager: fleet.address(1) });
    await waitUntil(async () => {
      const nodes = await nodesByHostname(fleet, 2);
      return nodes.size === 5 && [...nodes.values()].every((node) => node.status === 'ready');
    }, 20_000, 'five ready nodes');
    fleet.edgectl(2, ['node', 'update', '--label-add', 'zone=a', 'host4']);

    // Host 2 survives (it did not make the join tokens, so it cannot print them).
    fleet.kill(1);
    fleet.kill(3);
    let refusal = { code: '', message: '' };
    await waitUntil(async () => {
      refusal = await writeOutcome(fleet, 2, { lost: 'quorum' });
      return refusal.code === 'EDGE_CLUSTER_NO_LEADER';
    }, 30_000, 'the survivor to refuse writes for want of a leader');
    assert.match(refusal.message, 'majority of managers is down');
    assert.match(refusal.message, '--force-new-cluster', 'the refusal names the way out');

    const forcedAt = Date.now();
    const printed = fleet.edgectl(2, ['swarm', 'init', '--force-new-cluster'], 60_000);
    console.log(`force-new-cluster answered in ${Date.now() - forcedAt} ms`);
    assert.match(printed, 'Swarm initialized: current node');
    assert.match(printed, 'edgectl swarm join-token --rotate worker');

    assert.equal(await writeOutcome(fleet, 2, { after: 'recovery' }), { code: '', message: '' }, 'the survivor takes writes at once');
    const listed = (): Map<string, any> => new Map((JSON.parse(fleet.edgectl(2, ['node', 'ls', '--json'])) as any[]).map((node) => [node.hostname, node]));
    await waitUntil(() => {
      const nodes = listed();
      return nodes.get('host4')?.status === 'ready' && nodes.get('host5')?.status === 'ready';
    }, 30_000, 'both workers ready again');
    let nodes = listed();
    assert.is(nodes.get('host2').managerStatus, 'leader');
    for (const lost of ['host1', 'host3']) {
      assert.is(nodes.get(lost).status, 'down', `${lost} is down`);
      assert.is(nodes.get(lost).managerStatus, 'unreachable', `${lost} is no Raft member`);
      assert.is(nodes.get(lost).raftId, 0);
    }
    assert.is(nodes.get('host4').labels.zone, 'a', 'the label written before the loss is kept');
    assert.is(nodes.get('host5').labels.after, 'recovery');
    assert.is(nodes.get('host5').labels.lost, undefined, 'no refused write took effect');
    const survivorId = nodes.get('host2').id;
    for (const worker of [4, 5]) {
      // The session retries the known managers in turn with a backoff: two of three are dead.
      await waitUntil(async () => (await fleet.call(worker, 'swarm.info', {})).leader === survivorId, 20_000, `host${worker}'s session with the new leader`);
    }

    // Durable: kill -9 and restart; the survivor comes back as the one-manager cluster.
    fleet.kill(2);
    fleet.start(2);
    await fleet.ready(2);
    await waitUntil(() => isLeader(fleet, 2), 20_000, 'the survivor to lead again after its restart');
    assert.equal(await writeOutcome(fleet, 2, { after: 'restart' }), { code: '', message: '' });
    nodes = listed();
    assert.is(nodes.get('host4').labels.zone, 'a');
    assert.is(nodes.get('host1').managerStatus, 'unreachable');

    // The cluster grows again: a promoted worker becomes a reachable manager and serves writes.
    fleet.edgectl(2, ['node', 'promote', 'host4']);
    await waitUntil(async () => {
      try {
        return (await nodesByHostname(fleet, 4)).get('host4')?.managerStatus === 'reachable';
      } catch {
        return false;
      }
    }, 30_000, 'host4 to serve node ls as a reachable manager');
    assert.equal(await writeOutcome(fleet, 4, { via: 'host4' }), { code: '', message: '' }, 'the new manager forwards writes to the leader');

    // A lost manager comes back: it is not a member, so it moves nothing; then it can be removed, and the other demoted.
    fleet.start(3);
    await fleet.ready(3);
    await waitUntil(() => fleet.logs(2).includes('no longer a Raft member'), 20_000, 'the leader to refuse the returned manager\'s Raft messages');
    assert.ok(await isLeader(fleet, 2), 'host2 still leads');
    assert.equal(await writeOutcome(fleet, 2, { returned: 'host3' }), { code: '', message: '' });
    fleet.edgectl(2, ['node', 'rm', '--force', 'host3']);
    fleet.edgectl(2, ['node', 'demote', 'host1']);
    nodes = listed();
    assert.is(nodes.get('host3'), undefined, 'host3 removed');
    assert.is(nodes.get('host1').role, 'worker', 'host1 demoted');
    assert.ok(await isLeader(fleet, 2), 'host2 still leads');
    console.log(`recovery lab: ${Date.now() - started} ms`);
  }, { logHosts: [2, 3, 4] });
});

test('force-new-cluster refuses where there is no manager state, and on a healthy cluster goes ahead with a warning', async () => {
  if (!ready) return;
  const fleet = Fleet.create({ name: 'fncb', hosts: 3 });
  await fleet.run(async () => {
    for (const index of [1, 2, 3]) fleet.start(index);
    for (const index of [1, 2, 3]) await fleet.ready(index);
    const force = { forceNewCluster: true };

    const inactive = await fleet.outcome(3, 'swarm.init', force, 30_000);
    assert.is(inactive.code, 'EDGE_SWARM_NOT_MEMBER');
    assert.match(inactive.message, 'this node is not a manager of a cluster');

    const init = await fleet.call(1, 'swarm.init', {});
    await fleet.call(2, 'swarm.join', { token: init.managerToken, manager: fleet.address(1) });
    await fleet.call(3, 'swarm.join', { token: init.workerToken, manager: fleet.address(1) });
    await waitUntil(async () => [...(await nodesByHostname(fleet, 1)).values()].filter((node) => node.status === 'ready').length === 3, 20_000, 'three ready nodes');

    const onWorker = await fleet.outcome(3, 'swarm.init', force, 30_000);
    assert.is(onWorker.code, 'EDGE_NOT_A_MANAGER');
    assert.match(onWorker.message, 'this node is not a manager');
    assert.is((await fleet.outcome(1, 'swarm.init', {}, 30_000)).code, 'EDGE_SWARM_ALREADY_MEMBER', 'without the flag, init on a member keeps its error');
    const moved = await fleet.outcome(1, 'swarm.init', { ...force, advertiseAddr: '10.254.42.99' }, 30_000);
    assert.is(moved.code, 'EDGE_SWARM_FORCE_OPTION');
    assert.is((await nodesByHostname(fleet, 2)).get('host2').managerStatus, 'reachable', 'a refusal changed nothing');

    // Both managers are up: allowed, as in Docker, but said out loud.
    const forced = await fleet.call(1, 'swarm.init', force, 60_000);
    assert.match(forced.warning ?? '', 'still had a leader');
    assert.ok(forced.workerToken.startsWith('EDGE1-'), 'the manager that made the tokens prints them');
    assert.match(fleet.logs(1), 'force-new-cluster: warning');
    await waitUntil(() => isLeader(fleet, 1), 20_000, 'host1 to lead alone');
    await fleet.call(1, 'node.update', { ref: 'host3', labelsAdd: { after: 'force' } });
    const nodes = await nodesByHostname(fleet, 1);
    assert.is(nodes.get('host2').managerStatus, 'unreachable', 'host2 is no longer a Raft member, up or not');
    assert.is(nodes.get('host2').raftId, 0);
    // host2 still runs with its old view: its Raft messages are refused, and nothing moves host1.
    await waitUntil(() => fleet.logs(1).includes('no longer a Raft member'), 20_000, 'host1 to refuse host2\'s Raft messages');
    assert.ok(await isLeader(fleet, 1));
    const fromLost = await fleet.outcome(2, 'node.update', { ref: 'host3', labelsAdd: { from: 'host2' } }, 30_000);
    assert.ok(['EDGE_CLUSTER_NO_LEADER', 'EDGE_CLUSTER_NOT_MEMBER'].includes(fromLost.code), `a write through the left-out manager is refused (${fromLost.code})`);
    await fleet.call(1, 'node.update', { ref: 'host3', labelsAdd: { still: 'leader' } });
    const labels = (await nodesByHostname(fleet, 1)).get('host3').labels;
    assert.is(labels.still, 'leader');
    assert.is(labels.from, undefined, 'the refused write never took effect');
  }, { logHosts: [1, 2] });
});

test.run();
