import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffSpecs, parseServiceCreateFlags, parseServiceUpdateFlags } from '../../runtime/spec/index.js';
import { problemLines, problemsOf } from './helpers.js';

function current() {
  return parseServiceCreateFlags([
    '--name', 'web', '--replicas', '3', '-e', 'LOG=info', '-e', 'OLD=1', '--label', 'tier=front', '--constraint', 'node.labels.zone==a',
    '--placement-pref', 'spread=node.labels.zone', '-p', '8080:80', '-p', '5353:53/udp', '--mount', 'type=bind,source=/srv,target=/www',
    '--health-cmd', 'true', '--health-interval', '10s', 'busybox:1.36', 'httpd', '-f',
  ]);
}

test('update flags change only what they name and leave the current spec untouched', () => {
  // Proves image, replicas, env, constraint, publish, mount, label and limit updates, and that the input is not mutated.
  const before = current();
  const snapshot = structuredClone(before);
  const next = parseServiceUpdateFlags([
    '--image', 'busybox:1.37', '--replicas', '5', '--env-add', 'LOG=debug', '--env-rm', 'OLD', '--constraint-add', 'node.role==worker',
    '--constraint-rm', 'node.labels.zone==a', '--publish-add', '9090:90', '--publish-rm', '53/udp', '--mount-add', 'type=volume,source=cache,target=/cache',
    '--mount-rm', '/www', '--label-add', 'owner=ops', '--label-rm', 'tier', '--limit-memory', '64M', '--placement-pref-rm', 'spread=node.labels.zone',
    '--placement-pref-add', 'spread=node.labels.rack',
  ], before);
  assert.equal(before, snapshot);
  assert.is(next.image, 'busybox:1.37');
  assert.is(next.replicas, 5);
  assert.equal(next.env, { LOG: 'debug' });
  assert.equal(next.placement.constraints, [{ field: 'node.role', operator: '==', value: 'worker' }]);
  assert.equal(next.placement.spreadOver, ['node.labels.rack']);
  assert.equal(next.ports, [{ published: 8080, target: 80, protocol: 'tcp' }, { published: 9090, target: 90, protocol: 'tcp' }]);
  assert.equal(next.mounts, [{ type: 'volume', source: 'cache', target: '/cache', readOnly: false }]);
  assert.equal(next.labels, { owner: 'ops' });
  assert.is(next.resources.memoryLimitBytes, 64 * 2 ** 20);
  assert.equal(diffSpecs(before, next).fields, [
    'image', 'env.LOG', 'env.OLD', 'replicas', 'placement.constraints', 'placement.spreadOver', 'resources.memoryLimitBytes', 'ports', 'mounts', 'labels.owner', 'labels.tier',
  ]);
});

test('removals apply before additions, whatever their order on the line', () => {
  // Proves Docker's rm-then-add order: removing then re-adding a variable in one command keeps the new value.
  const next = parseServiceUpdateFlags(['--env-add', 'LOG=warn', '--env-rm', 'LOG'], current());
  assert.is(next.env.LOG, 'warn');
  const port = parseServiceUpdateFlags(['--publish-add', '8080:81'], current());
  assert.equal(port.ports.find((item) => item.published === 8080), { published: 8080, target: 81, protocol: 'tcp' });
});

test('health timings adjust the current check; the service name may be given', () => {
  // Proves --health-interval alone updates an existing check, and a positional equal to the name is accepted.
  const next = parseServiceUpdateFlags(['web', '--health-retries', '7'], current());
  assert.equal(next.healthCheck, { command: ['/bin/sh', '-c', 'true'], intervalMs: 10_000, timeoutMs: 30_000, retries: 7, startPeriodMs: 0 });
  assert.is(parseServiceUpdateFlags(['--no-healthcheck'], current()).healthCheck, null);
  assert.equal(parseServiceUpdateFlags(['--args', 'httpd -f -p 8000'], current()).command, ['httpd', '-f', '-p', '8000']);
});

test('removing what is not there, renaming, changing mode and a wrong name are errors', () => {
  // Proves update refuses silent no-ops and changes Swarm cannot make in place.
  const error = problemsOf(() => parseServiceUpdateFlags([
    '--env-rm', 'NOPE', '--constraint-rm', 'node.labels.zone==z', '--publish-rm', '81', '--mount-rm', '/nope', '--label-rm', 'nope',
    '--mode', 'global', '--name', 'other', '--env', 'A=1', 'someone-else',
  ], current()));
  assert.equal(problemLines(error), [
    'argument 1: --env-rm: the service has no variable NOPE',
    'argument 3: --constraint-rm: the service has no constraint node.labels.zone==z',
    'argument 5: --publish-rm: the service publishes nothing that matches 81',
    'argument 7: --mount-rm: the service has no mount at /nope',
    'argument 9: --label-rm: the service has no label nope',
    'argument 11: --mode is not supported by edgectl (the mode of a service cannot change; remove the service and create it again)',
    'argument 13: --name is not supported by edgectl (a service cannot be renamed; create a new one and remove the old)',
    'argument 15: --env is not supported by edgectl (use --env-add and --env-rm)',
    'argument 17: "someone-else" is not a flag, and the only argument update takes is the service\'s name (web)',
  ]);
});

test('an update that would make the spec invalid is refused as a whole', () => {
  // Proves the result passes validateServiceSpec: a reservation above the new limit is caught.
  const withReservation = parseServiceUpdateFlags(['--reserve-memory', '128M'], current());
  const error = problemsOf(() => parseServiceUpdateFlags(['--limit-memory', '64M'], withReservation));
  assert.equal(error.problems.map((problem) => problem.path), ['resources.memoryReservationBytes']);
});

test.run();
