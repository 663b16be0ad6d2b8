// A service whose command allocates past its memory limit, on a real host
// with runc: every task is OOM-killed by the kernel and `service ps` says so
// ("OOM-killed: limit 32 MiB", not just exit 137); the restart policy
// (on-failure, a delay, max attempts 2) starts exactly two more tasks, each
// no sooner than the delay after the previous one ended, and then none.
//
// This machine is cgroup v1, so the lab exercises the v1 evidence file
// (memory.oom_control of the leaf). On v2 only that file differs
// (memory.events of the container dir, see oomEvidencePath); the shim's copy,
// parseOomKilled and the agent's outcome are the same code, and
// test/containers/executor/cgroups.test.ts feeds both versions' files to it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitUntil } from './fleet.js';
import { labBusyboxImage } from './registry.js';
import { serviceTasks, servicesLabReady, sleep, startServiceCluster, type TaskRow } from './services-helpers.js';

const ready = servicesLabReady();
const restartDelayMs = 4000;
/** The test and the manager read the same machine's clock; this covers rounding and the manager's trusted-time smoothing. */
const clockSlackMs = 250;

test('an OOM-killed task says so, and is restarted per on-failure, delay and max attempts', async () => {
  if (!ready) return;
  const fleet = await startServiceCluster({ name: 'svcoom', hosts: 1 });
  await fleet.run(async () => {
    assert.match(fleet.logs(1), /running tasks with cgroup v1/, 'this lab checks the cgroup v1 evidence file');
    // dd's 64 MiB block buffer cannot fit under a 32 MiB limit (swap is limited to the same value).
    fleet.edgectl(1, [
      'service', 'create', '--detach', '--name', 'hog', '--limit-memory', '32M',
      '--restart-condition', 'on-failure', '--restart-delay', `${restartDelayMs}ms`, '--restart-max-attempts', '2',
      labBusyboxImage, 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1',
    ]);

    // A task is created before anyone sees it: when it was first seen bounds its creation from above.
    const firstSeenAtMs = new Map<string, number>();
    const observe = (): TaskRow[] => {
      const list = serviceTasks(fleet, 'hog', { all: true });
      const now = Date.now();
      for (const task of list) if (!firstSeenAtMs.has(task.id)) firstSeenAtMs.set(task.id, now);
      return list;
    };
    await waitUntil(() => {
      const list = observe();
      return list.length === 3 && list.every((task) => task.state === 'failed');
    }, 90_000, 'three failed tasks: the first and its two restarts');

    // Long enough for a fourth task, had the policy allowed one.
    await sleep(restartDelayMs * 2 + 2000);
    const final = observe();
    assert.is(final.length, 3, `no restart after max attempts:\n${JSON.stringify(final, null, 2)}`);
    for (const task of final) {
      assert.is(task.slot, 1);
      assert.is(task.state, 'failed');
      assert.match(task.error, /^OOM-killed: limit 32 MiB$/, `task ${task.id} names the OOM kill and the limit`);
      assert.is(task.exitCode, 137);
    }
    const holder = final.filter((task) => task.desiredState === 'running');
    assert.is(holder.length, 1, 'the last failed task stays the slot holder (the slot gave up, nothing else fills it)');

    // Each restart appeared no sooner than the delay after its predecessor's failure was reported (its updatedAtMs).
    const byId = new Map(final.map((task) => [task.id, task]));
    const order = [...firstSeenAtMs.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => byId.get(id)!);
    for (let index = 1; index < order.length; index++) {
      const gapMs = firstSeenAtMs.get(order[index]!.id)! - order[index - 1]!.updatedAtMs;
      assert.ok(gapMs >= restartDelayMs - clockSlackMs, `restart ${index} appeared ${gapMs} ms after the failure; the delay is ${restartDelayMs} ms`);
    }
  }, { logChars: 6000 });
});

test.run();
