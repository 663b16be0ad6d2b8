import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultServiceSpec } from '../../runtime/store/services.js';
import { parseStack, stackNamespaceLabel } from '../../runtime/spec/index.js';

const MiB = 1024 * 1024;

const fullService = `version: "3.8"
services:
  web:
    image: 127.0.0.1:5000/busybox:latest
    command: httpd -f -p 80 -h "/srv/my www" 'a b' c\\ d
    environment:
      LOG: info
      WORKERS: 4
      DEBUG: false
    labels:
      - com.example.tier=front
      - flag
    ports:
      - "8080:80"
      - "5353:53/udp"
      - { target: 443, published: 8443, protocol: tcp, mode: host }
    volumes:
      - data:/data:ro
      - /srv/www:/www
      - { type: bind, source: /etc/ssl, target: /ssl, read_only: true }
      - { type: volume, source: cache, target: /cache }
    healthcheck:
      test: ["CMD-SHELL", "wget -q -O - http://localhost/ || exit 1"]
      interval: 1m30s
      timeout: 2.5s
      start_period: 500ms
      retries: 5
    deploy:
      mode: replicated
      replicas: 6
      placement:
        constraints: ["node.labels.zone==b", "node.role != manager"]
        preferences: [{ spread: node.labels.zone }, { spread: node.labels.rack }]
        max_replicas_per_node: 1
      resources:
        limits: { memory: 1.5GiB, cpus: "0.5", pids: 100 }
        reservations: { memory: 512M }
      restart_policy: { condition: on-failure, delay: 10s, max_attempts: 3, window: 2m }
      update_config: { parallelism: 2, delay: 5s, monitor: 30s, failure_action: rollback, max_failure_ratio: 0.25, order: start-first }
      rollback_config: { parallelism: 0, delay: 1s, monitor: 1s, failure_action: continue, max_failure_ratio: 1, order: stop-first }
volumes:
  data:
  cache:
    driver: local
`;

test('every supported Compose key lands in the right ServiceSpec field, with units converted', () => {
  // Proves the whole supported subset maps to the store's model: names, argv, env, labels, ports, mounts, health, deploy.
  const stack = parseStack(fullService, { fileName: 'stack.yml' });
  assert.is(stack.stackName, null);
  assert.equal(stack.volumes, [{ name: 'data', driver: 'local' }, { name: 'cache', driver: 'local' }]);
  assert.is(stack.services.length, 1);
  const spec = stack.services[0]!;
  assert.is(spec.name, 'web');
  assert.is(spec.image, '127.0.0.1:5000/busybox:latest');
  assert.equal(spec.command, ['httpd', '-f', '-p', '80', '-h', '/srv/my www', 'a b', 'c d']);
  assert.equal(spec.env, { LOG: 'info', WORKERS: '4', DEBUG: 'false' });
  assert.equal(spec.labels, { 'com.example.tier': 'front', flag: '' });
  assert.equal(spec.ports, [
    { published: 8080, target: 80, protocol: 'tcp' },
    { published: 5353, target: 53, protocol: 'udp' },
    { published: 8443, target: 443, protocol: 'tcp' },
  ]);
  assert.equal(spec.mounts, [
    { type: 'volume', source: 'data', target: '/data', readOnly: true },
    { type: 'bind', source: '/srv/www', target: '/www', readOnly: false },
    { type: 'bind', source: '/etc/ssl', target: '/ssl', readOnly: true },
    { type: 'volume', source: 'cache', target: '/cache', readOnly: false },
  ]);
  assert.equal(spec.healthCheck, { command: ['/bin/sh', '-c', 'wget -q -O - http://localhost/ || exit 1'], intervalMs: 90_000, timeoutMs: 2500, startPeriodMs: 500, retries: 5 });
  assert.is(spec.mode, 'replicated');
  assert.is(spec.replicas, 6);
  assert.equal(spec.placement, {
    constraints: [{ field: 'node.labels.zone', operator: '==', value: 'b' }, { field: 'node.role', operator: '!=', value: 'manager' }],
    spreadOver: ['node.labels.zone', 'node.labels.rack'],
    maxReplicasPerNode: 1,
  });
  assert.equal(spec.resources, { memoryLimitBytes: 1.5 * 1024 * MiB, cpuLimit: 0.5, pidsLimit: 100, memoryReservationBytes: 512 * MiB });
  assert.equal(spec.restartPolicy, { condition: 'on-failure', delayMs: 10_000, maxAttempts: 3, windowMs: 120_000 });
  assert.equal(spec.update, { parallelism: 2, delayMs: 5000, monitorMs: 30_000, failureAction: 'rollback', maxFailureRatio: 0.25, order: 'start-first' });
  assert.equal(spec.rollback, { parallelism: 0, delayMs: 1000, monitorMs: 1000, failureAction: 'continue', maxFailureRatio: 1, order: 'stop-first' });
});

test('a minimal service gets exactly the store defaults', () => {
  // Proves omitted keys leave defaultServiceSpec's values (Docker's defaults), with no invented settings.
  const stack = parseStack('services:\n  app:\n    image: busybox\n', { fileName: 'min.yml' });
  assert.equal(stack.services, [defaultServiceSpec('app', 'busybox')]);
  assert.equal(stack.volumes, []);
});

test('a stack name prefixes services and volumes as Docker does, and labels each service', () => {
  // Proves "<stack>_<service>" naming, volume mounts pointing at the prefixed volume, and the namespace label.
  const text = 'services:\n  web:\n    image: busybox\n    volumes: ["data:/data"]\n  db:\n    image: busybox\nvolumes:\n  data: {}\n';
  const stack = parseStack(text, { fileName: 'stack.yml', stackName: 'shop' });
  assert.equal(stack.services.map((spec) => spec.name), ['shop_web', 'shop_db']);
  assert.equal(stack.volumes, [{ name: 'shop_data', driver: 'local' }]);
  assert.is(stack.services[0]!.mounts[0]!.source, 'shop_data');
  assert.is(stack.services[1]!.labels[stackNamespaceLabel], 'shop');
});

test('command and healthcheck test accept every documented form', () => {
  // Proves list commands, CMD / CMD-SHELL / NONE / string tests and disable: true.
  const text = `services:
  a:
    image: busybox
    command: ["sleep", 10]
    healthcheck: { test: "pgrep sleep" }
  b:
    image: busybox
    healthcheck: { test: ["CMD", "true"] }
  c:
    image: busybox
    healthcheck: { test: ["NONE"] }
  d:
    image: busybox
    healthcheck: { disable: true }
`;
  const [a, b, c, d] = parseStack(text, { fileName: 'h.yml' }).services;
  assert.equal(a!.command, ['sleep', '10']);
  assert.equal(a!.healthCheck?.command, ['/bin/sh', '-c', 'pgrep sleep']);
  assert.equal(a!.healthCheck, { command: ['/bin/sh', '-c', 'pgrep sleep'], intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0 });
  assert.equal(b!.healthCheck?.command, ['true']);
  assert.is(c!.healthCheck, null);
  assert.is(d!.healthCheck, null);
});

test('environment as a list, anchors and merge keys, x- extensions and $$ escapes', () => {
  // Proves the YAML features real Compose files use for shared settings, and that $$ means a literal $.
  const text = `x-common: &common
  LOG: info
  ZONE: a
x-limits: &limits
  memory: 64M
services:
  api:
    image: busybox
    x-note: ignored by design
    environment:
      <<: *common
      ZONE: b
    command: ["sh", "-c", "echo $$HOME"]
    deploy:
      resources:
        limits: *limits
  worker:
    image: busybox
    environment: ["A=1", "B=x=y", "EMPTY="]
`;
  const [api, worker] = parseStack(text, { fileName: 'anchors.yml' }).services;
  assert.equal(api!.env, { ZONE: 'b', LOG: 'info' });
  assert.equal(api!.command, ['sh', '-c', 'echo $HOME']);
  assert.is(api!.resources.memoryLimitBytes, 64 * MiB);
  assert.equal(worker!.env, { A: '1', B: 'x=y', EMPTY: '' });
});

test('jobs restart on failure by default, global services take no replicas', () => {
  // Proves mode defaults: job restart condition on-failure unless set, global mode keeps replicas at the default.
  const text = `services:
  job:
    image: busybox
    deploy: { mode: replicated-job, replicas: 4 }
  everywhere:
    image: busybox
    deploy: { mode: global }
  patient:
    image: busybox
    deploy: { mode: global-job, restart_policy: { condition: none } }
`;
  const [job, everywhere, patient] = parseStack(text, { fileName: 'modes.yml' }).services;
  assert.is(job!.mode, 'replicated-job');
  assert.is(job!.replicas, 4);
  assert.is(job!.restartPolicy.condition, 'on-failure');
  assert.is(everywhere!.mode, 'global');
  assert.is(everywhere!.restartPolicy.condition, 'any');
  assert.is(patient!.restartPolicy.condition, 'none');
});

test('version may be a string or a number and is otherwise ignored', () => {
  // Proves version is accepted without effect in both scalar forms.
  for (const version of ['"3.8"', '3', '3.9']) {
    const stack = parseStack(`version: ${version}\nservices:\n  a:\n    image: busybox\n`, { fileName: 'v.yml' });
    assert.equal(stack.services, [defaultServiceSpec('a', 'busybox')]);
  }
});

test.run();
