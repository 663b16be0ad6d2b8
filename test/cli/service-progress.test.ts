// Proves that without --detach the change commands follow the service slot by slot until it converges (exit 0), pauses, rolls back or times out (exit 1), and that Ctrl-C ends only the wait.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../runtime/cli/main.js';
import { assessService } from '../../runtime/cli/progress.js';
import { defaultServiceSpec } from '../../runtime/store/services.js';
import type { ServiceView, TaskView } from '../../runtime/wire/messages/services.js';
import { edgectl, startDaemon, type FakeDaemon } from './support.js';

let daemon: FakeDaemon;

const { healthCheck: _none, ...webSpec } = { ...defaultServiceSpec('web', 'nginx:alpine'), replicas: 2 };
const baseView: ServiceView = {
  id: 'svcweb0000000000000000001', name: 'web', image: 'nginx:alpine', mode: 'replicated', desired: 2, running: 0, specVersion: 1,
  ports: '', updateState: 'none', updateMessage: '', createdAtMs: 1_700_000_000_000, updatedAtMs: 1_700_000_000_000,
};
const noNode = 'no suitable node (memory: 3 nodes have less than 64MiB free)';

function task(slot: number, state: string, fields: Partial<TaskView> = {}): TaskView {
  return {
    id: `task${slot}v${fields.specVersion ?? 1}`, service: 'web', serviceId: baseView.id, slot, node: state === 'pending' ? '' : 'pi-kitchen', nodeId: state === 'pending' ? '' : 'node1',
    desiredState: 'running', state, message: state === 'pending' ? noNode : '', error: '', specVersion: 1, updatedAtMs: 1_700_000_000_000, ...fields,
  };
}

interface Step {
  view?: Partial<ServiceView>;
  tasks: TaskView[];
}
/** What edged answers at each service.inspect (and the service.ps after it), in order; the last step repeats. */
let steps: Step[] = [];
let tasksNow: TaskView[] = [];
let polls = 0;
function script(answers: Step[]): void {
  steps = answers;
}
/** `service update` asks for the spec once before it changes anything. */
const beforeUpdate: Step = { tasks: [] };

test.before(async () => {
  daemon = await startDaemon({
    'service.create': () => ({ id: baseView.id, name: 'web' }),
    'service.inspect': () => {
      polls++;
      const step = steps.length > 1 ? steps.shift()! : steps[0]!;
      tasksNow = step.tasks;
      const view = { ...baseView, ...step.view };
      return { id: view.id, spec: webSpec, specVersion: view.specVersion, view };
    },
    'service.ps': () => ({ tasks: tasksNow }),
    'service.update': () => ({ id: baseView.id, specVersion: 2, changed: true }),
    'service.scale': () => ({ id: baseView.id, specVersion: 2 }),
    'service.rollback': () => ({ id: baseView.id, specVersion: 3 }),
  });
});
test.after(() => daemon.close());
test.before.each(() => {
  daemon.calls.length = 0;
  polls = 0;
});

const wait = (argv: string[]) => edgectl(argv, { socketPath: daemon.socketPath });
const count = (text: string, part: string): number => text.split(part).length - 1;

test('create follows each slot, printing a line only when it changes, until running == desired: exit 0', async () => {
  script([
    { tasks: [task(1, 'pending'), task(2, 'pending')] },
    { tasks: [task(1, 'running'), task(2, 'pending')] },
    { tasks: [task(1, 'running'), task(2, 'running')] },
  ]);
  const result = await wait(['service', 'create', '--name', 'web', '--replicas', '2', 'nginx:alpine']);
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stdout, `${baseView.id}\n`);
  assert.is(count(result.stderr, `web.1  pending: ${noNode}`), 1, result.stderr);
  assert.is(count(result.stderr, `web.2  pending: ${noNode}`), 1, 'an unchanged line is not printed again');
  assert.ok(result.stderr.indexOf('web.1  running') < result.stderr.indexOf('web.2  running'));
  assert.match(result.stderr, 'web: 0/2 running\nweb.1  pending');
  assert.match(result.stderr, 'web: 2/2 running');
  assert.ok(result.stderr.endsWith('web: converged\n'), result.stderr);
  assert.is(polls, 3);
});

test('--quiet waits without progress; errors still show', async () => {
  script([{ tasks: [task(1, 'pending'), task(2, 'running')] }, { tasks: [task(1, 'running'), task(2, 'running')] }]);
  const quiet = await wait(['service', 'scale', '-q', 'web=2']);
  assert.is(quiet.code, 0, quiet.stderr);
  assert.is(quiet.stderr, '');
  assert.is(polls, 2);
  script([{ tasks: [task(1, 'pending'), task(2, 'running')] }]);
  const timedOut = await wait(['service', 'scale', '--quiet', '--timeout', '1s', 'web=2']);
  assert.is(timedOut.code, 1);
  assert.match(timedOut.stderr, '[EDGE_CLI_CONVERGE_TIMEOUT]');
});

test('--json waits silently and prints only the result', async () => {
  script([{ tasks: [task(1, 'pending'), task(2, 'running')] }, { tasks: [task(1, 'running'), task(2, 'running')] }]);
  const result = await wait(['service', 'create', '--json', '--name', 'web', 'nginx:alpine']);
  assert.is(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout), { id: baseView.id, name: 'web' });
  assert.is(result.stderr, '');
  assert.is(polls, 2);
});

test('--timeout passes with slots still pending: exit 1 with EDGE_CLI_CONVERGE_TIMEOUT and the last reasons', async () => {
  script([{ tasks: [task(1, 'running'), task(2, 'pending')] }]);
  const started = Date.now();
  const result = await wait(['service', 'scale', 'web=2', '--timeout', '1s']);
  assert.is(result.code, 1);
  assert.ok(Date.now() - started >= 1000);
  assert.is(result.stdout, 'web scaled to 2\n');
  assert.match(result.stderr, 'not converged after 1s (web: 1/2 running)');
  assert.match(result.stderr, `web.2  pending: ${noNode}`);
  assert.match(result.stderr, '`edgectl service ps web`');
  assert.match(result.stderr, '[EDGE_CLI_CONVERGE_TIMEOUT]');
});

test('an update that pauses fails at once with edged\'s message: exit 1, EDGE_CLI_UPDATE_FAILED', async () => {
  const failed = task(1, 'failed', { specVersion: 2, error: 'exit code 1', desiredState: 'shutdown' });
  script([
    beforeUpdate,
    { view: { specVersion: 2, updateState: 'updating', updateMessage: 'updating 0/2' }, tasks: [task(1, 'starting', { specVersion: 2 }), task(2, 'running')] },
    { view: { specVersion: 2, updateState: 'paused', updateMessage: 'update paused: 1 of 2 tasks failed (max failure ratio 0)' }, tasks: [failed, task(2, 'running')] },
  ]);
  const result = await wait(['service', 'update', '--image', 'nginx:broken', 'web']);
  assert.is(result.code, 1);
  assert.match(result.stderr, 'web: 0/2 running, updating 0/2');
  assert.match(result.stderr, 'web.1  starting');
  assert.match(result.stderr, 'web.2  running (previous spec)');
  assert.match(result.stderr, 'Error: web: update paused: 1 of 2 tasks failed (max failure ratio 0); see `edgectl service ps web`');
  assert.match(result.stderr, '`edgectl service rollback web` [EDGE_CLI_UPDATE_FAILED]');
});

test('an update rolled back by edged is a failure that quotes why, though the tasks end up running', async () => {
  script([
    beforeUpdate,
    { view: { specVersion: 2, updateState: 'updating', updateMessage: 'updating 0/2' }, tasks: [task(1, 'running'), task(2, 'running')] },
    { view: { specVersion: 3, updateState: 'rolling-back', updateMessage: 'rolling back: 1 of 2 tasks failed' }, tasks: [task(1, 'running', { specVersion: 3 }), task(2, 'running')] },
    { view: { specVersion: 3, updateState: 'rolled-back', updateMessage: 'rollback completed' }, tasks: [task(1, 'running', { specVersion: 3 }), task(2, 'running', { specVersion: 3 })] },
  ]);
  const result = await wait(['service', 'update', '--image', 'nginx:broken', 'web']);
  assert.is(result.code, 1);
  assert.match(result.stderr, 'web: the update failed and was rolled back to the previous spec (rolling back: 1 of 2 tasks failed)');
});

test('service rollback: rolled-back is the goal, reached once every task of the new version runs: exit 0', async () => {
  script([
    { view: { specVersion: 3, updateState: 'rolling-back', updateMessage: 'rolling back 1/2' }, tasks: [task(1, 'running', { specVersion: 3 }), task(2, 'running')] },
    { view: { specVersion: 3, updateState: 'rolled-back', updateMessage: 'rollback completed' }, tasks: [task(1, 'running', { specVersion: 3 }), task(2, 'running', { specVersion: 3 })] },
  ]);
  const result = await wait(['service', 'rollback', 'web']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stderr, 'web: 1/2 running, rolling back 1/2');
  assert.ok(result.stderr.endsWith('web: converged\n'));
});

test('a job converges when as many tasks of its version have completed as desired', async () => {
  script([
    { view: { mode: 'replicated-job' }, tasks: [task(1, 'complete', { desiredState: 'complete' }), task(2, 'running', { desiredState: 'complete' })] },
    { view: { mode: 'replicated-job' }, tasks: [task(1, 'complete', { desiredState: 'complete' }), task(2, 'complete', { desiredState: 'complete' })] },
  ]);
  const result = await wait(['service', 'create', '--mode', 'replicated-job', '--replicas', '2', '--name', 'web', 'busybox', 'true']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stderr, 'web: 1/2 completed');
  assert.match(result.stderr, 'web: 2/2 completed');
});

test('on a terminal the block is redrawn in place, each line cut to the width', async () => {
  script([{ tasks: [task(1, 'pending'), task(2, 'pending')] }, { tasks: [task(1, 'running'), task(2, 'running')] }]);
  let stderr = '';
  const code = await run(['service', 'scale', 'web=2'], {
    env: { EDGECTL_HOST: daemon.socketPath },
    stdout: { write: () => true },
    stderr: { write: (text: string) => (stderr += text), isTTY: true, columns: 40 },
  });
  assert.is(code, 0, stderr);
  const draws = stderr.split('\x1b[3A\r\x1b[J');
  assert.is(draws.length, 2, JSON.stringify(stderr));
  assert.is(draws[0], 'web: 0/2 running\nweb.1  pending: no suitable node (memor\nweb.2  pending: no suitable node (memor\n');
  // Converged, the service shrinks to its summary so the block stays small.
  assert.is(draws[1], 'web: 2/2 running\nweb: converged\n');
});

test('Ctrl-C stops the wait (exit 130, the change goes on) and leaves no SIGINT handler behind', async () => {
  script([{ tasks: [task(1, 'pending'), task(2, 'pending')] }]);
  const listeners = process.listenerCount('SIGINT');
  setTimeout(() => process.emit('SIGINT'), 700);
  const result = await wait(['service', 'scale', 'web=2']);
  assert.is(result.code, 130);
  assert.match(result.stderr, 'Stopped waiting; the change goes on in the background: follow it with `edgectl service ps web`');
  assert.is(process.listenerCount('SIGINT'), listeners);
});

test('assessService: tasks of the previous spec, too few tasks, or a rolling update in progress are not converged', () => {
  const inspection = (view: Partial<ServiceView>) => ({ id: baseView.id, spec: webSpec, specVersion: 2, view: { ...baseView, specVersion: 2, ...view } });
  const expect = { specVersion: 2, rollback: false, rollbackReason: '' };
  const current = [task(1, 'running', { specVersion: 2 }), task(2, 'running', { specVersion: 2 })];
  assert.is(assessService(inspection({}), current, expect).outcome, 'converged');
  assert.is(assessService(inspection({}), [current[0]!, task(2, 'running')], expect).outcome, 'waiting');
  assert.is(assessService(inspection({}), [current[0]!], expect).outcome, 'waiting');
  assert.is(assessService(inspection({ updateState: 'updating' }), current, expect).outcome, 'waiting');
  // A task being shut down shows, but does not count; scaled to 0 with nothing running is converged.
  const stopping = assessService(inspection({ desired: 0 }), [task(1, 'running', { desiredState: 'shutdown' })], expect);
  assert.equal([stopping.outcome, stopping.lines[0]?.text], ['converged', 'running, shutting down']);
  // A global service names slots by node.
  const global = assessService(inspection({ mode: 'global', desired: 1 }), [task(0, 'running', { specVersion: 2, nodeId: 'k3m9x2p7q4w8e6r1' })], expect);
  assert.equal([global.outcome, global.lines[0]?.name], ['converged', 'web.k3m9x2p7q4w8']);
});

test.run();
