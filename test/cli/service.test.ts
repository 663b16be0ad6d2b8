// Proves the service commands send the right control requests (specs built by runtime/spec) and print docker-like tables, JSON and errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EdgeError } from '../../runtime/common/errors.js';
import { defaultServiceSpec } from '../../runtime/store/services.js';
import type { ServiceView, TaskView } from '../../runtime/wire/messages/services.js';
import { edgectl, startDaemon, type FakeDaemon } from './support.js';

let daemon: FakeDaemon;

const nowMs = Date.now();
const webSpec = { ...defaultServiceSpec('web', 'nginx:1.27-alpine'), replicas: 3, env: { LOG: 'info' }, ports: [{ published: 8080, target: 80, protocol: 'tcp' as const }] };
const { healthCheck: _none, ...webWireSpec } = webSpec;
const webView: ServiceView = {
  id: 'svcweb0000000000000000001', name: 'web', image: 'nginx:1.27-alpine', mode: 'replicated', desired: 3, running: 2, specVersion: 4,
  ports: '*:8080->80/tcp', updateState: 'completed', updateMessage: 'update completed', createdAtMs: nowMs - 3_600_000, updatedAtMs: nowMs - 60_000,
};
const agentView: ServiceView = {
  ...webView, id: 'svcagent00000000000000001', name: 'agent', image: 'telegraf:1.30', mode: 'global', desired: 2, running: 2, specVersion: 1, ports: '', updateState: 'none', updateMessage: '',
};

function task(slot: number, fields: Partial<TaskView> = {}): TaskView {
  return {
    id: `task${slot}000000000000000000${fields.specVersion ?? 4}`, service: 'web', serviceId: webView.id, slot, node: 'pi-kitchen', nodeId: 'k3m9x2p7q4w8e6r1t5y0u3i2o9',
    desiredState: 'running', state: 'running', message: 'started', error: '', specVersion: 4, updatedAtMs: nowMs - 120_000, ...fields,
  };
}
const webTasks: TaskView[] = [
  task(1),
  task(2, { node: 'pi-garage', nodeId: 'a7b2c9d4e1f6g3h8i5j0k2l7m4', health: 'starting' }),
  task(3, { node: '', nodeId: '', state: 'pending', message: 'no suitable node (memory: 2 nodes have less than 64MiB free; node.labels.zone==garage: 1 node)' }),
];
const oldTask = task(1, { specVersion: 3, desiredState: 'shutdown', state: 'shutdown', message: 'replaced by update', updatedAtMs: nowMs - 200_000 });

function notFound(ref: string): EdgeError {
  return new EdgeError('EDGE_SERVICE_NOT_FOUND', `no service with name or ID "${ref}"; see \`edgectl service ls\``);
}
function inspection(ref: string) {
  if (ref !== 'web' && !webView.id.startsWith(ref)) throw notFound(ref);
  return { id: webView.id, spec: webWireSpec, previousSpec: { ...webWireSpec, image: 'nginx:1.25-alpine' }, specVersion: 4, view: webView };
}

test.before(async () => {
  daemon = await startDaemon({
    'service.ls': () => ({ services: [webView, agentView] }),
    'service.inspect': (body: { ref: string }) => inspection(body.ref),
    'service.ps': (body: { ref: string; all?: boolean }) => {
      inspection(body.ref);
      return { tasks: body.all ? [oldTask, ...webTasks] : webTasks };
    },
    'service.create': (body: { spec: { name: string } }) => ({ id: 'svcnew0000000000000000001', name: body.spec.name }),
    'service.update': (body: { ref: string }) => ({ id: inspection(body.ref).id, specVersion: 5, changed: true }),
    'service.scale': (body: { ref: string }) => ({ id: inspection(body.ref).id, specVersion: 5 }),
    'service.rollback': (body: { ref: string }) => ({ id: inspection(body.ref).id, specVersion: 5 }),
    'service.rm': (body: { ref: string }) => ({ id: inspection(body.ref).id }),
  });
});
test.after(() => daemon.close());
test.before.each(() => {
  daemon.calls.length = 0;
});

const run = (argv: string[]) => edgectl(argv, { socketPath: daemon.socketPath });
const sent = (method: string) => daemon.calls.filter((call) => call.method === method).map((call) => call.body);

test('service ls prints ID NAME MODE REPLICAS (running/desired) IMAGE PORTS, sorted by name', async () => {
  const result = await run(['service', 'ls']);
  assert.is(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^ID\s+NAME\s+MODE\s+REPLICAS\s+IMAGE\s+PORTS$/);
  assert.match(lines[1]!, /^svcagent0000\s+agent\s+global\s+2\/2\s+telegraf:1.30$/);
  assert.match(lines[2]!, /^svcweb000000\s+web\s+replicated\s+2\/3\s+nginx:1.27-alpine\s+\*:8080->80\/tcp$/);
  const quiet = await run(['service', 'list', '-q']);
  assert.is(quiet.stdout, `${agentView.id}\n${webView.id}\n`);
  const json = await run(['service', 'ls', '--json']);
  assert.equal(JSON.parse(json.stdout), [agentView, webView]);
});

test('service ps prints one row per slot with NAME service.slot, the image, node, states and the pending reason', async () => {
  const result = await run(['service', 'ps', 'web']);
  assert.is(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^ID\s+NAME\s+IMAGE\s+NODE\s+DESIRED STATE\s+CURRENT STATE\s+ERROR$/);
  assert.match(lines[1]!, /^task10000000\s+web\.1\s+nginx:1.27-alpine\s+pi-kitchen\s+Running\s+Running 2 minutes ago$/);
  assert.match(lines[2]!, /^task20000000\s+web\.2\s+nginx:1.27-alpine\s+pi-garage\s+Running\s+Running \(starting\) 2 minutes ago$/, 'a running task with a health check shows its health');
  assert.match(lines[3]!, /^task30000000\s+web\.3\s+nginx:1.27-alpine\s+Running\s+Pending 2 minutes ago\s+no suitable node \(memory: 2 nodes have less than 64MiB free…$/);
  assert.equal(sent('service.ps'), [{ ref: 'web' }]);
});

test('service ps --all shows an older task under its slot with \\_ and the previous image; --no-trunc keeps errors whole', async () => {
  const result = await run(['service', 'ps', '--all', '--no-trunc', 'web']);
  assert.is(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  assert.match(lines[1]!, /^task10000000000000000004\s+web\.1\s+nginx:1\.27-alpine/);
  assert.match(lines[2]!, /^task10000000000000000003\s+ \\_ web\.1\s+nginx:1\.25-alpine\s+pi-kitchen\s+Shutdown\s+Shutdown 3 minutes ago\s+replaced by update$/);
  assert.match(lines[4]!, /no suitable node \(memory: 2 nodes have less than 64MiB free; node.labels.zone==garage: 1 node\)$/);
  assert.equal(sent('service.ps'), [{ ref: 'web', all: true }]);
});

test('service ps --json gives each task id, service, slot, node, desiredState, state, error and health (exitCode null until it exits)', async () => {
  const result = await run(['service', 'ps', 'web', '--json']);
  assert.is(result.code, 0, result.stderr);
  const printed = JSON.parse(result.stdout) as Record<string, unknown>[];
  assert.is(printed.length, 3);
  for (const entry of printed) for (const key of ['id', 'service', 'slot', 'node', 'desiredState', 'state', 'error']) assert.ok(key in entry, key);
  assert.equal(printed[2], { ...webTasks[2], name: 'web.3', exitCode: null });
  assert.is(printed[1]!.health, 'starting');
  assert.not.ok('health' in printed[0]!, 'no health without a health check');
});

test('an unknown service: edged\'s error passes through with its code, exit 1', async () => {
  for (const argv of [['service', 'ps', 'nope'], ['service', 'inspect', 'nope'], ['service', 'rollback', 'nope']]) {
    const result = await run(argv);
    assert.is(result.code, 1, argv.join(' '));
    assert.is(result.stdout, argv[1] === 'inspect' ? '[]\n' : '');
    assert.match(result.stderr, 'Error: no service with name or ID "nope"; see `edgectl service ls` [EDGE_SERVICE_NOT_FOUND]');
  }
});

test('service inspect prints JSON with null for absent health check; --pretty a docker-like summary', async () => {
  const raw = await run(['service', 'inspect', 'web']);
  assert.is(raw.code, 0, raw.stderr);
  const [printed] = JSON.parse(raw.stdout) as { id: string; specVersion: number; spec: Record<string, unknown>; previousSpec: Record<string, unknown> }[];
  assert.is(printed!.id, webView.id);
  assert.is(printed!.spec.healthCheck, null);
  assert.is(printed!.previousSpec.image, 'nginx:1.25-alpine');
  const pretty = await run(['service', 'inspect', '--pretty', 'web']);
  assert.is(pretty.code, 0, pretty.stderr);
  for (const text of ['ID:', webView.id, 'Service Mode:', 'replicated', ' Replicas:', 'UpdateStatus:', 'update completed', 'Image:', 'nginx:1.27-alpine', 'LOG=info', '8080:80/tcp']) {
    assert.match(pretty.stdout, text);
  }
  const both = await run(['service', 'inspect', '--pretty', '--json', 'web']);
  assert.is(both.code, 2);
});

test('service create -d sends the spec runtime/spec built from docker flags, IMAGE and COMMAND, and prints the id', async () => {
  const result = await run(['service', 'create', '-d', '--name', 'web', '--replicas', '2', '-e', 'LOG=debug', '--publish', '8080:80', '--limit-memory', '64M', 'nginx:alpine', 'nginx', '-g', 'daemon off;']);
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stdout, 'svcnew0000000000000000001\n');
  const [body] = sent('service.create') as { spec: Record<string, unknown> }[];
  assert.is(body!.spec.name, 'web');
  assert.is(body!.spec.image, 'nginx:alpine');
  assert.equal(body!.spec.command, ['nginx', '-g', 'daemon off;']);
  assert.is(body!.spec.replicas, 2);
  assert.equal(body!.spec.env, { LOG: 'debug' });
  assert.equal(body!.spec.ports, [{ published: 8080, target: 80, protocol: 'tcp' }]);
  assert.is((body!.spec.resources as { memoryLimitBytes: number }).memoryLimitBytes, 64 * 1024 * 1024);
  assert.not.ok('healthCheck' in body!.spec, 'no health check: the field is left out, as the wire wants');
  assert.is(daemon.calls.length, 1, 'detached: no waiting');
});

test('after IMAGE every word is the command, even -d and --json', async () => {
  const result = await run(['service', 'create', '--detach', '--name', 'sh', 'busybox', 'sh', '-c', 'echo -d', '--json']);
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stdout, 'svcnew0000000000000000001\n');
  assert.equal((sent('service.create')[0] as { spec: { command: string[] } }).spec.command, ['sh', '-c', 'echo -d', '--json']);
});

test('bad service flags: a usage error naming the flag and the argument as typed, exit 2, nothing sent', async () => {
  const result = await run(['service', 'create', '-d', '--name', 'web', '--replicas', 'lots', '--limit-memory', '1K', '--netwrok', 'x', 'nginx']);
  assert.is(result.code, 2);
  assert.is(result.stdout, '');
  assert.is(daemon.calls.length, 0);
  assert.match(result.stderr, 'edgectl service create has 3 problems; nothing was changed');
  // --replicas is the 4th argument as typed (-d is edgectl's own and not passed on), so positions are not shifted.
  assert.match(result.stderr, 'argument 4: --replicas: "lots" is not a whole number');
  assert.match(result.stderr, 'argument 6: --limit-memory');
  assert.match(result.stderr, 'argument 8: --netwrok is not a flag of this command');
  assert.match(result.stderr, '[EDGE_SPEC_INVALID]');
  assert.match(result.stderr, 'Usage: edgectl service create [OPTIONS] IMAGE [COMMAND...]');
  const json = await run(['service', 'create', '--json', '--name', 'web', '--replicas', 'lots', 'nginx']);
  assert.is(json.code, 2);
  const printed = JSON.parse(json.stderr) as { error: { code: string; problems: { path: string }[] } };
  assert.is(printed.error.code, 'EDGE_SPEC_INVALID');
  assert.equal(printed.error.problems.map((problem) => problem.path), ['--replicas']);
});

test('edgectl\'s own flags are checked too: a bad --timeout or a missing value is exit 2 before anything is sent', async () => {
  const timeout = await run(['service', 'create', '--timeout', 'soon', '--name', 'web', 'nginx']);
  assert.is(timeout.code, 2);
  assert.match(timeout.stderr, '--timeout: "soon" is not a duration');
  const missing = await run(['service', 'scale', 'web=3', '--timeout']);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, 'flag --timeout needs a value');
  assert.is(daemon.calls.length, 0);
});

test('service update fetches the spec, applies the flags with runtime/spec and sends the whole new spec', async () => {
  const result = await run(['service', 'update', '--detach', '--image', 'nginx:1.27.1-alpine', '--env-add', 'LOG=debug', '--replicas', '5', 'web']);
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stdout, 'web\n');
  assert.match(result.stderr, 'web: changing image, env.LOG, replicas');
  assert.equal(daemon.calls.map((call) => call.method), ['service.inspect', 'service.update']);
  const [body] = sent('service.update') as { ref: string; spec: typeof webWireSpec }[];
  assert.is(body!.ref, webView.id);
  assert.equal(body!.spec, { ...webWireSpec, image: 'nginx:1.27.1-alpine', env: { LOG: 'debug' }, replicas: 5 });
});

test('service update: a flag runtime/spec refuses is exit 2 and nothing is changed; no SERVICE is a usage error', async () => {
  const bad = await run(['service', 'update', '--env-rm', 'NOPE', 'web']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, 'edgectl service update web has 1 problem');
  assert.match(bad.stderr, 'argument 1: --env-rm: the service has no variable NOPE');
  assert.equal(daemon.calls.map((call) => call.method), ['service.inspect']);
  const none = await run(['service', 'update', '--replicas', '2']);
  assert.is(none.code, 2);
  assert.match(none.stderr, 'missing SERVICE');
  // A misspelt flag leaves its value behind as an argument: SERVICE is still the last one, and runtime/spec names the flag.
  const misspelt = await run(['service', 'update', '--replica', '2', 'web']);
  assert.is(misspelt.code, 2);
  assert.match(misspelt.stderr, 'edgectl service update web has 1 problem');
  assert.match(misspelt.stderr, 'argument 1: --replica is not a flag of this command; did you mean --replicas?');
  const misspeltLast = await run(['service', 'update', 'web', '--netwrok', 'lan']);
  assert.is(misspeltLast.code, 2, 'the value after an unknown flag is not taken for SERVICE');
  assert.match(misspeltLast.stderr, 'argument 2: --netwrok is not a flag of this command');
  const stray = await run(['service', 'update', 'extra', '--replicas', '2', 'web']);
  assert.is(stray.code, 2);
  assert.match(stray.stderr, 'argument 1: "extra" is not a flag, and the only argument update takes is the service\'s name (web)');
  const unknown = await run(['service', 'update', '--replicas', '2', 'nope']);
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, '[EDGE_SERVICE_NOT_FOUND]');
});

test('service scale checks every NAME=N first, then scales each and says so', async () => {
  for (const bad of ['web', 'web=', '=3', 'web=three', 'web=20000']) {
    const result = await run(['service', 'scale', 'api=1', bad]);
    assert.is(result.code, 2, bad);
    assert.match(result.stderr, 'SERVICE=REPLICAS');
  }
  assert.is(daemon.calls.length, 0);
  const result = await run(['service', 'scale', '-d', 'web=5', 'nope=1']);
  assert.is(result.code, 1);
  assert.is(result.stdout, 'web scaled to 5\n');
  assert.match(result.stderr, '[EDGE_SERVICE_NOT_FOUND]');
  assert.equal(sent('service.scale'), [{ ref: 'web', replicas: 5 }, { ref: 'nope', replicas: 1 }]);
});

test('service rollback -d and service rm print the service; rm reports each failure and exits 1', async () => {
  const rolled = await run(['service', 'rollback', '-d', 'web']);
  assert.is(rolled.code, 0, rolled.stderr);
  assert.is(rolled.stdout, 'web\n');
  const removed = await run(['service', 'rm', 'web', 'nope']);
  assert.is(removed.code, 1);
  assert.is(removed.stdout, 'web\n');
  assert.match(removed.stderr, '"nope"');
  const json = await run(['service', 'remove', 'web', '--json']);
  assert.equal(JSON.parse(json.stdout), [{ ref: 'web', id: webView.id }]);
});

test('service create --help lists edgectl\'s flags and the docker service flags runtime/spec reads', async () => {
  const result = await edgectl(['service', 'create', '--help'], { socketPath: '/nonexistent/edgectl.sock' });
  assert.is(result.code, 0);
  for (const text of ['Usage: edgectl service create [OPTIONS] IMAGE [COMMAND...]', '-d, --detach', '--timeout DURATION', '--replicas', '--env (-e)', '--publish (-p)', '--limit-memory']) {
    assert.match(result.stdout, text);
  }
});

test.run();
