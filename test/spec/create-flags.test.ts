import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultServiceSpec } from '../../runtime/store/services.js';
import { parseServiceCreateFlags, parseStack, diffSpecs } from '../../runtime/spec/index.js';
import { problemLines, problemsOf } from './helpers.js';

const MiB = 2 ** 20;

test('every create flag sets its field, with Docker names and value syntax', () => {
  // Proves the whole docker-service-create flag set listed in the issue maps onto ServiceSpec.
  const spec = parseServiceCreateFlags([
    '--name', 'web', '--replicas=6', '--constraint', 'node.labels.zone==b', '--constraint', 'node.role!=manager',
    '--placement-pref', 'spread=node.labels.zone', '--reserve-memory', '64M', '--limit-memory', '1g', '--limit-cpu', '0.5', '--limit-pids', '100',
    '--publish', 'published=8080,target=80', '-p', '5353:53/udp', '--publish', 'published=9000,target=90,protocol=udp,mode=host',
    '--env', 'LOG=info', '-e', 'A=x=y', '--mount', 'type=bind,source=/srv,target=/www,readonly', '--mount', 'type=volume,source=data,target=/data',
    '--restart-condition', 'on-failure', '--restart-delay', '10s', '--restart-max-attempts', '3', '--restart-window', '2m',
    '--update-parallelism', '2', '--update-delay', '5s', '--update-monitor', '30s', '--update-failure-action', 'rollback',
    '--update-max-failure-ratio', '0.25', '--update-order', 'start-first',
    '--rollback-parallelism', '0', '--rollback-delay', '1s', '--rollback-monitor', '1s', '--rollback-failure-action', 'continue',
    '--rollback-max-failure-ratio', '1', '--rollback-order', 'stop-first',
    '--health-cmd', 'wget -q -O - http://localhost/', '--health-interval', '1m30s', '--health-timeout', '2s', '--health-retries', '5', '--health-start-period', '500ms',
    '--label', 'tier=front', '-l', 'flag', '--max-replicas-per-node', '1',
    '127.0.0.1:5000/busybox:latest', 'httpd', '-f', '-p', '80',
  ]);
  assert.is(spec.name, 'web');
  assert.is(spec.image, '127.0.0.1:5000/busybox:latest');
  assert.equal(spec.command, ['httpd', '-f', '-p', '80']);
  assert.is(spec.replicas, 6);
  assert.equal(spec.placement, {
    constraints: [{ field: 'node.labels.zone', operator: '==', value: 'b' }, { field: 'node.role', operator: '!=', value: 'manager' }],
    spreadOver: ['node.labels.zone'],
    maxReplicasPerNode: 1,
  });
  assert.equal(spec.resources, { memoryReservationBytes: 64 * MiB, memoryLimitBytes: 1024 * MiB, cpuLimit: 0.5, pidsLimit: 100 });
  assert.equal(spec.ports, [{ published: 8080, target: 80, protocol: 'tcp' }, { published: 5353, target: 53, protocol: 'udp' }, { published: 9000, target: 90, protocol: 'udp' }]);
  assert.equal(spec.env, { LOG: 'info', A: 'x=y' });
  assert.equal(spec.mounts, [{ type: 'bind', source: '/srv', target: '/www', readOnly: true }, { type: 'volume', source: 'data', target: '/data', readOnly: false }]);
  assert.equal(spec.restartPolicy, { condition: 'on-failure', delayMs: 10_000, maxAttempts: 3, windowMs: 120_000 });
  assert.equal(spec.update, { parallelism: 2, delayMs: 5000, monitorMs: 30_000, failureAction: 'rollback', maxFailureRatio: 0.25, order: 'start-first' });
  assert.equal(spec.rollback, { parallelism: 0, delayMs: 1000, monitorMs: 1000, failureAction: 'continue', maxFailureRatio: 1, order: 'stop-first' });
  assert.equal(spec.healthCheck, { command: ['/bin/sh', '-c', 'wget -q -O - http://localhost/'], intervalMs: 90_000, timeoutMs: 2000, retries: 5, startPeriodMs: 500 });
  assert.equal(spec.labels, { tier: 'front', flag: '' });
});

test('flags stop at IMAGE: the rest is the command, dashes and all', () => {
  // Proves Docker's non-interspersed parsing, so "sh -c" style commands pass through untouched.
  const spec = parseServiceCreateFlags(['--name', 'x', 'busybox', 'ls', '--replicas', '-la']);
  assert.equal(spec.command, ['ls', '--replicas', '-la']);
  assert.is(spec.replicas, 1);
  assert.equal(parseServiceCreateFlags(['--name', 'x', '--', 'busybox']).command, []);
});

test('a minimal create equals defaultServiceSpec, and equals the same service from a stack file', () => {
  // Proves both input paths produce the same spec for the same intent (so a diff between them is empty).
  assert.equal(parseServiceCreateFlags(['--name', 'app', 'busybox']), defaultServiceSpec('app', 'busybox'));
  const fromFlags = parseServiceCreateFlags(['--name', 'web', '--mode', 'replicated-job', '--replicas', '3', '-e', 'A=1', '-p', '8080:80', '--limit-memory', '64M', 'busybox', 'sleep', '1']);
  const fromFile = parseStack('services:\n  web:\n    image: busybox\n    command: sleep 1\n    environment: [A=1]\n    ports: ["8080:80"]\n    deploy:\n      mode: replicated-job\n      replicas: 3\n      resources: {limits: {memory: 64M}}\n', { fileName: 's.yml' }).services[0]!;
  assert.equal(diffSpecs(fromFile, fromFlags), { changed: false, fields: [] });
});

test('mode comes first whatever its position, and sets the job restart default', () => {
  // Proves flag order never matters: --restart-condition before --mode still wins over the job default.
  assert.is(parseServiceCreateFlags(['--name', 'j', '--mode', 'global-job', 'busybox']).restartPolicy.condition, 'on-failure');
  assert.is(parseServiceCreateFlags(['--restart-condition', 'none', '--name', 'j', '--mode', 'replicated-job', 'busybox']).restartPolicy.condition, 'none');
  assert.is(parseServiceCreateFlags(['--health-interval', '5s', '--name', 'h', '--health-cmd', 'true', 'busybox']).healthCheck?.intervalMs, 5000);
});

test('every mistake on the line is reported with its argument position', () => {
  // Proves collection and location for unknown, unsupported, repeated, valueless and badly valued flags.
  const error = problemsOf(() => parseServiceCreateFlags([
    '--replicas', 'lots', '--limit-memory', 'lots', '--replicsa=2', '--entrypoint', 'sh', '--publish', '8080', '--mode', 'sometimes',
    '--name', 'web', '--name', 'web2', '--constraint', 'zone=b',
  ]));
  assert.equal(problemLines(error), [
    'argument 1: --replicas: "lots" is not a whole number from 0 to 10000',
    'argument 3: --limit-memory: "lots" is not a memory size; write a number with a unit, e.g. 512M, 1g or 1.5GiB',
    'argument 5: --replicsa is not a flag of this command; did you mean --replicas?',
    "argument 6: --entrypoint is not supported by edgectl (the spec has one command that replaces the image's entrypoint and cmd together; give the full command after IMAGE)",
    'argument 8: --publish: "8080" has no published port; without a routing mesh edgectl needs both, e.g. 8080:8080',
    'argument 10: --mode: "sometimes" is not one of replicated, global, replicated-job, global-job',
    'argument 14: --name is given more than once; give it once',
    'argument 16: --constraint: "zone=b" is not a constraint; write FIELD==VALUE or FIELD!=VALUE, e.g. node.labels.zone==b',
    'IMAGE is missing; write edgectl service create [flags] IMAGE [COMMAND…]',
  ]);
  assert.ok(error.problems.some((problem) => problem.path === '--replicsa' && problem.code === 'EDGE_SPEC_UNKNOWN_FLAG'));
  assert.ok(error.problems.some((problem) => problem.path === 'IMAGE' && problem.code === 'EDGE_SPEC_MISSING_ARGUMENT'));
});

test('missing name, missing image, a missing value and cross-flag contradictions are refused', () => {
  // Proves required parts and rules that involve several flags.
  const codes = (argv: string[]) => problemsOf(() => parseServiceCreateFlags(argv)).problems.map((problem) => `${problem.path} ${problem.code}`);
  assert.equal(codes(['busybox']), ['--name EDGE_SPEC_MISSING_ARGUMENT']);
  assert.equal(codes(['--name', 'x', '--replicas']), ['--replicas EDGE_SPEC_MISSING_ARGUMENT', 'IMAGE EDGE_SPEC_MISSING_ARGUMENT']);
  assert.equal(codes(['--name', 'x', '--mode', 'global', '--replicas', '2', 'busybox']), ['--replicas EDGE_SPEC_BAD_VALUE']);
  assert.equal(codes(['--name', 'x', '--mode', 'replicated-job', '--restart-condition', 'any', 'busybox']), ['--restart-condition EDGE_SPEC_BAD_VALUE']);
  assert.equal(codes(['--name', 'x', '--health-interval', '5s', 'busybox']), ['--health-cmd EDGE_SPEC_MISSING_ARGUMENT']);
  assert.equal(codes(['--name', 'x', '--no-healthcheck', '--health-cmd', 'true', 'busybox']), ['--no-healthcheck EDGE_SPEC_BAD_VALUE']);
  assert.equal(codes(['--name', 'x', '-p', '8080:80', '-p', '8080:81', 'busybox']), ['--publish EDGE_SPEC_DUPLICATE_PORT']);
  assert.equal(codes(['--name', 'x', '--reserve-memory', '1g', '--limit-memory', '512M', 'busybox']), ['resources.memoryReservationBytes EDGE_SPEC_BAD_VALUE']);
  assert.equal(codes(['--name', 'Bad_Name!', 'busybox']), ['--name EDGE_SPEC_BAD_NAME']);
  assert.equal(codes(['--name', 'x', 'Not A Reference']), ['IMAGE EDGE_SPEC_BAD_IMAGE']);
});

test('--no-healthcheck gives no health check; the switch takes no value', () => {
  // Proves the one boolean flag behaves as a switch.
  assert.is(parseServiceCreateFlags(['--name', 'x', '--no-healthcheck', 'busybox']).healthCheck, null);
  const error = problemsOf(() => parseServiceCreateFlags(['--name', 'x', '--no-healthcheck=maybe', 'busybox']));
  assert.is(error.problems[0]!.path, '--no-healthcheck');
});

test.run();
