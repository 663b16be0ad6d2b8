import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultServiceSpec, type ServiceSpec } from '../../runtime/store/services.js';
import { checkServiceSpec, validateServiceSpec } from '../../runtime/spec/index.js';

function spec(change: (spec: ServiceSpec) => void): ServiceSpec {
  const value = defaultServiceSpec('web', '127.0.0.1:5000/busybox:latest');
  change(value);
  return value;
}

test('the default spec and a fully set spec are valid', () => {
  // Proves validation accepts what the parsers produce, so the manager does not refuse good specs.
  assert.equal(validateServiceSpec(defaultServiceSpec('web', 'busybox')), []);
  const full = spec((value) => {
    value.command = ['httpd', '-f'];
    value.env = { LOG: 'info' };
    value.placement = { constraints: [{ field: 'node.labels.zone', operator: '==', value: 'b' }], spreadOver: ['node.labels.zone'], maxReplicasPerNode: 1 };
    value.resources = { memoryReservationBytes: 8 * 2 ** 20, memoryLimitBytes: 32 * 2 ** 20, cpuLimit: 0.25, pidsLimit: 50 };
    value.healthCheck = { command: ['true'], intervalMs: 1000, timeoutMs: 500, retries: 3, startPeriodMs: 0 };
    value.ports = [{ published: 8080, target: 80, protocol: 'tcp' }, { published: 8080, target: 80, protocol: 'udp' }];
    value.mounts = [{ type: 'bind', source: '/srv', target: '/www', readOnly: true }, { type: 'volume', source: 'data', target: '/data', readOnly: false }];
    value.labels = { 'com.example.tier': 'front' };
  });
  assert.equal(validateServiceSpec(full), []);
});

test('each bound and rule is enforced with a message naming the field', () => {
  // Proves names, image syntax, env bounds, ports, replicas, memory, cpu, durations, health and mode rules.
  const cases: Array<[string, (value: ServiceSpec) => void, RegExp]> = [
    ['long name', (value) => (value.name = 'a'.repeat(64)), /^name: .* is not a service name/],
    ['uppercase name', (value) => (value.name = 'Web'), /^name: /],
    ['bad image', (value) => (value.image = 'Bad Image'), /^image: image reference "Bad Image" is invalid/],
    ['env name', (value) => (value.env = { '1X': 'a' }), /^env\.1X: "1X" is not a variable name/],
    ['env count', (value) => (value.env = Object.fromEntries(Array.from({ length: 513 }, (_, index) => [`V${index}`, 'x']))), /^env has 513 entries; at most 512/],
    ['env size', (value) => (value.env = Object.fromEntries(Array.from({ length: 10 }, (_, index) => [`V${index}`, 'x'.repeat(30_000)]))), /^env is \d+ bytes in all/],
    ['port zero', (value) => (value.ports = [{ published: 0, target: 80, protocol: 'tcp' }]), /^ports\[0\]\.published must be a whole number from 1 to 65535/],
    ['port high', (value) => (value.ports = [{ published: 8080, target: 65_536, protocol: 'tcp' }]), /^ports\[0\]\.target must be/],
    ['duplicate port', (value) => (value.ports = [{ published: 8080, target: 80, protocol: 'tcp' }, { published: 8080, target: 81, protocol: 'tcp' }]), /^ports\[1\] publishes 8080\/tcp again/],
    ['replicas', (value) => (value.replicas = 10_001), /^replicas must be a whole number from 0 to 10000, not 10001/],
    ['negative replicas', (value) => (value.replicas = -1), /^replicas must be/],
    ['memory', (value) => (value.resources.memoryLimitBytes = 1000), /^resources\.memoryLimitBytes must be 0 \(none\) or a whole number of bytes from 6MiB/],
    ['reservation', (value) => Object.assign(value.resources, { memoryReservationBytes: 64 * 2 ** 20, memoryLimitBytes: 32 * 2 ** 20 }), /^resources\.memoryReservationBytes \(64MiB\) is more than the memory limit \(32MiB\)/],
    ['cpu', (value) => (value.resources.cpuLimit = 0.001), /^resources\.cpuLimit must be a number from 0\.01 to 1024/],
    ['delay', (value) => (value.restartPolicy.delayMs = -5), /^restartPolicy\.delayMs must be a whole number from 0 to \d+ ms/],
    ['ratio', (value) => (value.update.maxFailureRatio = 1.5), /^update\.maxFailureRatio must be a number from 0 to 1/],
    ['rollback action', (value) => (value.rollback.failureAction = 'rollback'), /^rollback\.failureAction must be one of continue, pause/],
    ['job restart', (value) => Object.assign(value, { mode: 'replicated-job' }), /^restartPolicy\.condition is any, but a replicated-job/],
    ['health interval', (value) => (value.healthCheck = { command: ['true'], intervalMs: 10, timeoutMs: 1, retries: 1, startPeriodMs: 0 }), /^healthCheck\.intervalMs must be a whole number from 100/],
    ['health command', (value) => (value.healthCheck = { command: [], intervalMs: 1000, timeoutMs: 1, retries: 1, startPeriodMs: 0 }), /^healthCheck\.command is empty/],
    ['constraint', (value) => (value.placement.constraints = [{ field: 'engine.labels.os', operator: '==', value: 'linux' }]), /^placement\.constraints\[0\]: engine\.labels\.os is not supported/],
    ['mount target', (value) => (value.mounts = [{ type: 'bind', source: '/a', target: '/', readOnly: false }]), /^mounts\[0\]\.target: the target cannot be "\/"/],
    ['mount source', (value) => (value.mounts = [{ type: 'bind', source: 'rel', target: '/a', readOnly: false }]), /^mounts\[0\]\.source: the source "rel" is not an absolute path/],
    ['ports per node', (value) => Object.assign(value, { ports: [{ published: 80, target: 80, protocol: 'tcp' }], placement: { ...value.placement, maxReplicasPerNode: 2 } }), /^placement\.maxReplicasPerNode is 2, but the service publishes ports/],
  ];
  for (const [name, change, expected] of cases) {
    const problems = validateServiceSpec(spec(change));
    assert.is(problems.length, 1, `${name}: ${problems.join(' | ')}`);
    assert.match(problems[0]!, expected, name);
  }
});

test('malformed input from the wire is described, never thrown on', () => {
  // Proves the manager can hand validateServiceSpec anything: wrong types, missing and extra fields, non-objects.
  assert.equal(checkServiceSpec(null).map((problem) => problem.message), ['spec must be an object, not null']);
  assert.equal(checkServiceSpec([]).map((problem) => problem.code), ['EDGE_SPEC_BAD_TYPE']);
  const broken = { ...defaultServiceSpec('web', 'busybox'), replicas: '3', env: { A: 1 }, ports: 'none', extra: true } as unknown as ServiceSpec;
  delete (broken as Partial<ServiceSpec>).labels;
  const messages = validateServiceSpec(broken);
  assert.equal(messages, [
    'spec.labels is missing',
    'spec.extra is not a field of a service spec',
    'env.A must be a string without NUL bytes, not 1',
    'labels must be an object of strings, not undefined',
    'replicas must be a whole number from 0 to 10000, not "3"',
    'ports must be a list, not "none"',
  ]);
});

test('the number of problems reported is bounded', () => {
  // Proves a spec with thousands of bad entries yields at most problemsShownMax messages.
  const value = spec((item) => (item.ports = Array.from({ length: 60 }, () => ({ published: 0, target: 0, protocol: 'sctp' as 'tcp' }))));
  assert.is(validateServiceSpec(value).length, 20);
});

test.run();
