// Proves `service logs` prints each task's lines docker-style, passes --tail, and that -f prints only new lines (a running count per task) until Ctrl-C.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { unseenLines } from '../../runtime/cli/service-commands.js';
import { defaultServiceSpec } from '../../runtime/store/services.js';
import type { ServiceView } from '../../runtime/wire/messages/services.js';
import { edgectl, startDaemon, type FakeDaemon } from './support.js';

let daemon: FakeDaemon;

const { healthCheck: _none, ...webSpec } = defaultServiceSpec('web', 'nginx:alpine');
const view: ServiceView = {
  id: 'svcweb0000000000000000001', name: 'web', image: 'nginx:alpine', mode: 'replicated', desired: 2, running: 2, specVersion: 1,
  ports: '', updateState: 'none', updateMessage: '', createdAtMs: 1_700_000_000_000, updatedAtMs: 1_700_000_000_000,
};
type Line = { task: string; slot: number; node: string; stream: 'stdout' | 'stderr'; text: string };
const a = (text: string): Line => ({ task: 'taskaaaaaaaaaaaaaaaa1', slot: 1, node: 'pi-kitchen', stream: 'stdout', text });
const b = (text: string): Line => ({ task: 'taskbbbbbbbbbbbbbbbb2', slot: 2, node: 'pi-garage', stream: 'stderr', text });

/** service.logs answers in order; the last repeats. Each answer holds every line the tasks kept, oldest first. */
let answers: Line[][] = [];
let onLogs: (calls: number) => void = () => {};
let logCalls = 0;

test.before(async () => {
  daemon = await startDaemon({
    'service.inspect': () => ({ id: view.id, spec: webSpec, specVersion: 1, view }),
    'service.logs': () => {
      logCalls++;
      onLogs(logCalls);
      return { lines: answers.length > 1 ? answers.shift()! : answers[0]! };
    },
  });
});
test.after(() => daemon.close());
test.before.each(() => {
  daemon.calls.length = 0;
  logCalls = 0;
  onLogs = () => {};
});

const logs = (argv: string[]) => edgectl(['service', 'logs', ...argv], { socketPath: daemon.socketPath });

test('service logs prints NAME.SLOT.TASK@NODE | TEXT for every line, asking by the service id', async () => {
  answers = [[a('listening on :80\n'), b('warning: no config'), a('GET /')]];
  const result = await logs(['web']);
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stdout, [
    'web.1.taskaaaaaaaa@pi-kitchen    | listening on :80',
    'web.2.taskbbbbbbbb@pi-garage    | warning: no config',
    'web.1.taskaaaaaaaa@pi-kitchen    | GET /',
    '',
  ].join('\n'));
  assert.equal(daemon.calls.map((call) => call.body), [{ ref: 'web' }, { ref: view.id }]);
});

test('--tail N is passed to edged; a bad --tail is exit 2 before anything is asked', async () => {
  answers = [[a('last')]];
  const result = await logs(['--tail', '1', 'web']);
  assert.is(result.code, 0, result.stderr);
  assert.equal(daemon.calls[1]?.body, { ref: view.id, tailLines: 1 });
  const bad = await logs(['--tail', 'lots', 'web']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, '--tail: "lots" is not a number of lines');
  assert.is(daemon.calls.length, 2);
});

test('--json prints one JSON object per line, with the service and the stream', async () => {
  answers = [[b('oops')]];
  const result = await logs(['web', '--json']);
  assert.equal(JSON.parse(result.stdout.trim()), { service: 'web', ...b('oops') });
});

test('-f polls every second and prints only lines it has not printed, until Ctrl-C (exit 0)', async () => {
  answers = [[a('a1'), a('a2'), b('b1')], [a('a1'), a('a2'), b('b1'), a('a3')], [a('a1'), a('a2'), b('b1'), a('a3'), b('b2')]];
  const listeners = process.listenerCount('SIGINT');
  onLogs = (calls) => {
    if (calls === 4) setImmediate(() => process.emit('SIGINT'));
  };
  const started = Date.now();
  const result = await logs(['-f', 'web']);
  assert.is(result.code, 0, result.stderr);
  assert.ok(Date.now() - started >= 3000, 'one call a second');
  assert.equal(result.stdout.trimEnd().split('\n').map((line) => line.split('| ')[1]), ['a1', 'a2', 'b1', 'a3', 'b2']);
  assert.is(process.listenerCount('SIGINT'), listeners);
});

test('unseenLines: --tail applies per task on the first poll; a log that got shorter restarts its count', () => {
  const printed = new Map<string, number>();
  assert.equal(unseenLines([a('a1'), a('a2'), b('b1'), a('a3')], printed, 1).map((line) => line.text), ['b1', 'a3']);
  assert.equal(unseenLines([a('a1'), a('a2'), b('b1'), a('a3'), a('a4')], printed).map((line) => line.text), ['a4']);
  // Rotated: only two lines of a are kept now. Nothing can be told apart, so nothing is printed, and counting restarts.
  assert.equal(unseenLines([a('a4'), a('a5'), b('b1')], printed).map((line) => line.text), []);
  assert.equal(unseenLines([a('a4'), a('a5'), a('a6'), b('b1')], printed).map((line) => line.text), ['a6']);
});

test.run();
