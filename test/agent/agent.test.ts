// The agent's task state machine against the FakeExecutor and a fake image
// store: the steps and what each reports, desired shutdown, tasks that leave
// the assignment, exits and OOM kills, rejections, health, and the bound on
// concurrent pulls.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fakeProgramArgs } from '../../runtime/containers/executor/index.js';
import { defaultImage, Harness, imageConfig, task } from './support.js';

const test = suite('agent');
const MiB = 1024 * 1024;
let harness: Harness;

test.before.each(async () => {
  harness = await Harness.create();
  harness.agent.onSessionOpen();
});
test.after.each(async () => {
  await harness.cleanup();
});

test('a new task goes accepted → preparing → starting → running, each step reported when time lets it out', async () => {
  // Proves one transition per step: with the pull held, "preparing" is what the manager sees; after it, "running".
  harness.images.hold();
  await harness.agent.onAssign({ version: 1, tasks: [task('t1')] });
  await harness.advance(200);
  assert.is(harness.lastUpdateOf('t1')?.state, 'preparing');
  assert.match(harness.lastUpdateOf('t1')?.message ?? '', defaultImage);
  harness.images.release();
  await harness.advance(200);
  const states = harness.updatesOf('t1').map((update) => update.state);
  assert.equal(states, ['preparing', 'running'], 'statuses are coalesced per task between flushes');
  const running = harness.lastUpdateOf('t1')!;
  assert.is(running.containerId, 't1');
  assert.is(harness.host.containers.get('t1')?.startedAtMs !== null, true);
  assert.is(harness.images.pulls.length, 1);
});

test('the container gets the spec: command override, env merged over the image env, limits, host network for ports', async () => {
  // Proves the translation from RunSpec to ContainerSpec reaches the executor.
  harness.images.add('registry.test/web:1', imageConfig({ env: ['PATH=/bin', 'MODE=image'], workingDir: '/srv' }));
  const web = task('web', {
    spec: { image: 'registry.test/web:1', env: { MODE: 'task', EXTRA: '1' }, memoryLimitBytes: 64 * MiB, cpuLimit: 0.5, pidsLimit: 32, ports: [{ published: 8080, target: 8080, protocol: 'tcp' }] },
  });
  await harness.assign(1, [web]);
  const spec = harness.host.containers.get('web')!.spec;
  assert.equal(spec.args, web.spec.command);
  assert.ok(spec.env.includes('MODE=task') && spec.env.includes('EXTRA=1') && spec.env.includes('PATH=/bin'));
  assert.is(spec.cwd, '/srv');
  assert.equal(spec.resources, { memoryBytesMax: 64 * MiB, cpuCoresMax: 0.5, pidsMax: 32 });
  assert.is(spec.network, 'host');
});

test('an empty command runs the image entrypoint and cmd; an image with neither fails the task', async () => {
  // Proves the image config fills in for an empty command, and the clear failure when nothing is left to run.
  harness.images.add('registry.test/empty:1', imageConfig({ entrypoint: [], cmd: [] }));
  await harness.assign(1, [task('from-image', { spec: { command: [] } }), task('nothing', { spec: { image: 'registry.test/empty:1', command: [] } })]);
  assert.equal(harness.host.containers.get('from-image')!.spec.args, imageConfig().cmd);
  assert.is(harness.view('nothing')?.state, 'failed');
  assert.match(harness.view('nothing')?.error ?? '', 'no entrypoint or cmd');
});

test('an exit 0 completes the task, a non-zero exit fails it with the code', async () => {
  // Proves the exit watcher and the finish step.
  await harness.assign(1, [task('ok', { program: { exitAfterMs: 50 } }), task('bad', { program: { exitAfterMs: 50, exitCode: 3 } })]);
  await harness.advance(300);
  assert.is(harness.lastUpdateOf('ok')?.state, 'complete');
  assert.is(harness.lastUpdateOf('ok')?.exitCode, 0);
  assert.is(harness.lastUpdateOf('bad')?.state, 'failed');
  assert.is(harness.lastUpdateOf('bad')?.exitCode, 3);
  assert.match(harness.lastUpdateOf('bad')?.error ?? '', 'exit code 3');
});

test('an OOM kill fails the task with "OOM-killed: limit 64 MiB"', async () => {
  // Proves the OOM verdict is turned into the error text the manager shows.
  await harness.assign(1, [task('hog', { program: { exitAfterMs: 20, oom: true }, spec: { memoryLimitBytes: 64 * MiB } })]);
  await harness.advance(200);
  const status = harness.lastUpdateOf('hog')!;
  assert.is(status.state, 'failed');
  assert.is(status.error, 'OOM-killed: limit 64 MiB');
  assert.is(status.exitCode, 137);
});

test('desired shutdown stops the container with SIGTERM, reports shutdown, and removes the container', async () => {
  // Proves the shutdown path ends with no container and no rootfs left.
  await harness.assign(1, [task('t1')]);
  assert.ok(harness.host.containers.has('t1'));
  await harness.assign(2, [task('t1', { desiredState: 'shutdown' })]);
  await harness.advance(200);
  const status = harness.lastUpdateOf('t1')!;
  assert.is(status.state, 'shutdown');
  assert.is(status.exitCode, 143);
  assert.not.ok(harness.host.containers.has('t1'), 'container removed');
  assert.not.ok(harness.images.rootfs.has('t1'), 'rootfs released');
});

test('a program that ignores SIGTERM is killed after the grace period', async () => {
  // Proves the grace period is the agent's stopGraceMs.
  await harness.cleanup();
  harness = await Harness.create({ stopGraceMs: 500 });
  harness.agent.onSessionOpen();
  await harness.assign(1, [task('stubborn', { program: { onTerm: 'ignore' } })]);
  await harness.agent.onAssign({ version: 2, tasks: [task('stubborn', { desiredState: 'shutdown' })] });
  await harness.advance(400);
  assert.ok(harness.host.containers.has('stubborn'), 'still within the grace period');
  await harness.advance(300);
  assert.is(harness.lastUpdateOf('stubborn')?.exitCode, 137);
  assert.not.ok(harness.host.containers.has('stubborn'));
});

test('a task missing from the next assignment is stopped, removed and forgotten, without further statuses', async () => {
  // Proves "anything not listed must be stopped and removed", and that the manager hears nothing more of it.
  await harness.assign(1, [task('keep'), task('drop')]);
  await harness.advance(200);
  const before = harness.updatesOf('drop').length;
  await harness.assign(2, [task('keep')]);
  await harness.advance(200);
  assert.not.ok(harness.host.containers.has('drop'));
  assert.not.ok(harness.images.rootfs.has('drop'));
  assert.is(harness.updatesOf('drop').length, before);
  assert.is(harness.view('drop'), undefined, 'record dropped');
  assert.ok(harness.host.containers.has('keep'));
});

test('a task still pulling when it is unassigned shuts down without a container once the pull ends', async () => {
  // Proves a step in flight is never interrupted, and the next step honours the new desired state.
  harness.images.hold();
  await harness.agent.onAssign({ version: 1, tasks: [task('slow')] });
  await harness.agent.onAssign({ version: 2, tasks: [task('slow', { desiredState: 'shutdown' })] });
  harness.images.release();
  await harness.advance(200);
  assert.is(harness.lastUpdateOf('slow')?.state, 'shutdown');
  assert.not.ok(harness.host.containers.has('slow'));
});

test('host-mode ports: target ≠ published is rejected; a port already published on the node is rejected', async () => {
  // Proves the two port refusals, with their codes in the error text.
  await harness.assign(1, [
    task('remap', { spec: { ports: [{ published: 8080, target: 80, protocol: 'tcp' }] } }),
    task('first', { spec: { ports: [{ published: 9000, target: 9000, protocol: 'tcp' }] } }),
    task('second', { spec: { ports: [{ published: 9000, target: 9000, protocol: 'tcp' }] } }),
    task('udp', { spec: { ports: [{ published: 9000, target: 9000, protocol: 'udp' }] } }),
  ]);
  await harness.advance(200);
  assert.is(harness.lastUpdateOf('remap')?.state, 'rejected');
  assert.match(harness.lastUpdateOf('remap')?.error ?? '', 'EDGE_AGENT_PORT_REMAP_UNSUPPORTED');
  assert.is(harness.lastUpdateOf('first')?.state, 'running');
  assert.is(harness.lastUpdateOf('second')?.state, 'rejected');
  assert.match(harness.lastUpdateOf('second')?.error ?? '', 'EDGE_AGENT_PORT_CONFLICT');
  assert.is(harness.lastUpdateOf('udp')?.state, 'running', 'udp/9000 is a different port');
  assert.not.ok(harness.host.containers.has('remap'));
});

test('a stop-first update on the same host port: the new task waits for the old container to end, then starts', async () => {
  // Proves a port held by a task being shut down delays the replacement instead of rejecting it or letting it fail to bind.
  await harness.cleanup();
  harness = await Harness.create({ stopGraceMs: 1000 });
  harness.agent.onSessionOpen();
  const port = { ports: [{ published: 8080, target: 8080, protocol: 'tcp' as const }] };
  await harness.assign(1, [task('v1', { program: { onTerm: 'ignore' }, spec: port })]);
  await harness.assign(2, [task('v1', { desiredState: 'shutdown', program: { onTerm: 'ignore' }, spec: port }), task('v2', { spec: port })]);
  await harness.advance(500);
  assert.is(harness.view('v2')?.state, 'preparing', 'accepted and pulled, waiting for the port');
  assert.not.ok(harness.host.containers.has('v2'));
  await harness.advance(700);
  assert.is(harness.view('v1')?.state, 'shutdown');
  assert.is(harness.view('v2')?.state, 'running');
});

test('a memory limit under 6 MiB and volume mounts without a driver are rejected before any pull', async () => {
  // Proves accept-time refusals cost no download.
  await harness.assign(1, [
    task('tiny', { spec: { memoryLimitBytes: MiB } }),
    task('vol', { spec: { mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: false }] } }),
  ]);
  await harness.advance(200);
  assert.is(harness.lastUpdateOf('tiny')?.state, 'rejected');
  assert.is(harness.lastUpdateOf('vol')?.state, 'rejected');
  assert.match(harness.lastUpdateOf('vol')?.error ?? '', 'EDGE_AGENT_SPEC_UNSUPPORTED');
  assert.is(harness.images.pulls.length, 0);
});

test('a pull that fails fails the task; an image already in the store survives an unreachable registry', async () => {
  // Proves pull errors reach the status with their code, and the offline fallback to the stored copy.
  await harness.assign(1, [task('missing', { spec: { image: 'registry.test/nope:1' } })]);
  await harness.advance(200);
  assert.is(harness.lastUpdateOf('missing')?.state, 'failed');
  assert.match(harness.lastUpdateOf('missing')?.error ?? '', 'EDGE_IMAGE_NOT_FOUND');
  harness.images.stored.add(defaultImage);
  harness.images.unreachable.add(defaultImage);
  await harness.assign(2, [task('cached')]);
  await harness.advance(200);
  assert.is(harness.lastUpdateOf('cached')?.state, 'running');
});

test('health transitions are reported; an unhealthy container fails the task and is stopped', async () => {
  // Proves health comes from the executor's checks and unhealthy ends the task, as in swarm mode.
  const healthCheck = { command: ['check'], intervalMs: 1000, timeoutMs: 500, retries: 2, startPeriodMs: 0 };
  await harness.assign(1, [
    task('fine', { spec: { healthCheck } }),
    task('sick', { program: { execExitCodes: { check: 1 } }, spec: { healthCheck } }),
  ]);
  await harness.advance(200);
  assert.is(harness.lastUpdateOf('fine')?.health, 'starting');
  await harness.advance(2500);
  assert.is(harness.lastUpdateOf('fine')?.health, 'healthy');
  assert.is(harness.lastUpdateOf('fine')?.state, 'running');
  const sick = harness.lastUpdateOf('sick')!;
  assert.is(sick.state, 'failed');
  assert.match(sick.error, 'unhealthy: health check failed 2 time(s)');
  assert.is(sick.health, 'unhealthy', 'the failed status names the health that failed it');
  assert.not.ok(harness.host.containers.get('sick')?.exit === null, 'container stopped');
});

test('pulls are bounded by pullsConcurrentMax; the others wait their turn', async () => {
  // Proves the pull queue's bound.
  await harness.cleanup();
  harness = await Harness.create({ pullsConcurrentMax: 1 });
  harness.agent.onSessionOpen();
  harness.images.hold();
  await harness.agent.onAssign({ version: 1, tasks: [task('a'), task('b'), task('c')] });
  await harness.advance(50);
  assert.is(harness.images.pullsInFlight, 1);
  harness.images.release();
  await harness.advance(200);
  assert.is(harness.images.pullsInFlightMax, 1);
  for (const id of ['a', 'b', 'c']) assert.is(harness.view(id)?.state, 'running');
});

test('a stale container already under the task id is replaced at create; a running one fails the task instead', async () => {
  // Proves the create step recovers from a leftover container without ever removing a running one.
  harness.images.hold();
  await harness.agent.onAssign({ version: 1, tasks: [task('stale'), task('busy')] });
  await harness.settle();
  await harness.executor.create({ id: 'stale', rootfsPath: '/leftover', args: fakeProgramArgs({}) });
  await harness.executor.create({ id: 'busy', rootfsPath: '/leftover', args: fakeProgramArgs({}) });
  await harness.executor.start('busy');
  harness.images.release();
  await harness.advance(100);
  assert.is(harness.view('stale')?.state, 'running');
  assert.is(harness.host.containers.get('stale')?.spec.rootfsPath, '/fake/rootfs/stale');
  assert.is(harness.view('busy')?.state, 'failed');
  assert.match(harness.view('busy')?.error ?? '', 'EDGE_CONTAINER_WRONG_STATE');
  assert.not.ok(harness.images.rootfs.has('busy'), 'the rootfs of the failed create was released');
});

test('duplicate task ids refuse the whole assignment; an older version on the same session is ignored', async () => {
  // Proves assignment-level checks: nothing half-applied, and no going back within a session.
  await harness.assign(5, [task('t1')]);
  try {
    await harness.agent.onAssign({ version: 6, tasks: [task('x'), task('x')] });
    assert.unreachable('should refuse');
  } catch (error) {
    assert.is((error as { code?: string }).code, 'EDGE_AGENT_ASSIGNMENT_INVALID');
  }
  await harness.assign(4, []);
  assert.ok(harness.host.containers.has('t1'), 'stale version did not unlist t1');
  assert.is(harness.view('x'), undefined);
});

test.run();
