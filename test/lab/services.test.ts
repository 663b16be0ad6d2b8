// Services on real hosts with real containers: a stack from examples/ is
// deployed and answers on each node's address; six replicas spread 2-2-2;
// a killed worker's replicas run elsewhere; the reason of a task that fits
// nowhere is shown; removing a service stops its containers.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Fleet, waitUntil } from './fleet.js';
import { labBusyboxImage } from './registry.js';
import { runningPerNode, serviceTasks as tasks, servicesLabReady, startServiceCluster } from './services-helpers.js';

const ready = servicesLabReady();

function fetchFrom(fleet: Fleet, from: number, address: string): string {
  return fleet.lab.exec(from, 'wget', ['-q', '-O', '-', `http://${address}:8080/`], { timeoutMs: 5000 });
}

test('deploy, spread, answer on each node, heal after a worker dies, explain what cannot run', async () => {
  if (!ready) return;
  const fleet = await startServiceCluster({ name: 'svc', hosts: 3 });
  await fleet.run(async () => {
    // The example stack: one web task per board (host port 8080).
    fleet.edgectl(1, ['service', 'deploy', '-f', 'examples/web-stack.yml', '--stack', 'web', '--detach']);
    await waitUntil(() => runningPerNode(tasks(fleet, 'web_httpd')).size === 3, 90_000, 'a web task running on each of the 3 hosts');
    for (const index of [1, 2, 3]) {
      const page = fetchFrom(fleet, 1, fleet.lab.host(index).address);
      assert.ok(page.trim().length > 0, `host${index} answers on its address`);
    }
    // Six replicas of a one-per-board service on three boards: three stay pending and say why.
    fleet.edgectl(1, ['service', 'scale', '--detach', 'web_httpd=6']);
    await waitUntil(() => tasks(fleet, 'web_httpd').filter((task) => task.state === 'pending').length === 3, 30_000, 'three pending web tasks');
    const pending = tasks(fleet, 'web_httpd').filter((task) => task.state === 'pending');
    assert.match(pending[0]?.message ?? '', /no suitable node .*8080/);
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    assert.is(runningPerNode(tasks(fleet, 'web_httpd')).size, 3, 'the health check (wget) keeps the web tasks running');

    // Six replicas without a host port: spread evenly.
    fleet.edgectl(1, ['service', 'create', '--detach', '--name', 'spread', '--replicas', '6', '--reserve-memory', '8M', labBusyboxImage, 'sh', '-c', 'echo started on $(hostname); exec sleep 3600']);
    await waitUntil(() => [...runningPerNode(tasks(fleet, 'spread')).values()].reduce((a, b) => a + b, 0) === 6, 90_000, 'six spread tasks running');
    assert.equal([...runningPerNode(tasks(fleet, 'spread')).values()].sort(), [2, 2, 2]);
    const logs = fleet.edgectl(1, ['service', 'logs', 'spread']);
    assert.is(logs.split('\n').filter((line) => line.includes('started on')).length, 6, `logs from all six tasks on three nodes:\n${logs}`);

    // Scaling does not restart running tasks.
    const before = new Set(tasks(fleet, 'spread').filter((task) => task.state === 'running').map((task) => task.id));
    fleet.edgectl(1, ['service', 'scale', '--detach', 'spread=7']);
    await waitUntil(() => tasks(fleet, 'spread').filter((task) => task.state === 'running').length === 7, 60_000, 'seven spread tasks');
    for (const id of before) assert.ok(tasks(fleet, 'spread').some((task) => task.id === id && task.state === 'running'), `task ${id} kept running through the scale`);
    fleet.edgectl(1, ['service', 'scale', '--detach', 'spread=6']);
    await waitUntil(() => tasks(fleet, 'spread').filter((task) => task.state === 'running' && task.desiredState === 'running').length === 6, 60_000, 'back to six');

    // An update to an image that does not exist fails and, with failure action rollback, returns to the old spec.
    const beforeUpdate = JSON.parse(fleet.edgectl(1, ['service', 'inspect', 'web_httpd']))[0] ?? JSON.parse(fleet.edgectl(1, ['service', 'inspect', 'web_httpd']));
    const oldImage = (beforeUpdate.spec ?? beforeUpdate.Spec ?? beforeUpdate).image;
    let updateFailed = false;
    try {
      fleet.edgectl(1, ['service', 'update', '--image', '10.254.42.1:5000/busybox:missing', '--timeout', '120s', 'web_httpd'], 150_000);
    } catch {
      updateFailed = true;
    }
    assert.ok(updateFailed, 'the CLI reports the failed update');
    await waitUntil(() => {
      const inspected = JSON.parse(fleet.edgectl(1, ['service', 'inspect', 'web_httpd']));
      const current = Array.isArray(inspected) ? inspected[0] : inspected;
      return (current.spec ?? current).image === oldImage && runningPerNode(tasks(fleet, 'web_httpd')).size === 3;
    }, 120_000, 'web_httpd rolled back and running on three hosts');

    // A worker dies: its replicas come back on the others.
    fleet.kill(3);
    const killedAt = Date.now();
    await waitUntil(() => {
      const counts = runningPerNode(tasks(fleet, 'spread'));
      return !counts.has('host3') && [...counts.values()].reduce((a, b) => a + b, 0) === 6;
    }, 60_000, 'replacements of host3\'s tasks running elsewhere');
    console.log(`dead worker → replacements running: ${Date.now() - killedAt} ms`);

    // Removing a service stops its containers on every node.
    fleet.edgectl(1, ['service', 'rm', 'spread']);
    await waitUntil(() => {
      const listed = execFileSync('runc', ['--root', `${fleet.lab.host(1).runcRoot}/runtime`, 'list', '-q'], { encoding: 'utf8' });
      return !tasks(fleet, 'web_httpd').some((task) => listed.includes(task.id)) || listed.trim().split('\n').filter(Boolean).length <= 1;
    }, 30_000, 'spread containers gone from host1');
  }, { logChars: 12000 });
});

test.run();
