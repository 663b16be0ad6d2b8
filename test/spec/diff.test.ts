import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultServiceSpec } from '../../runtime/store/services.js';
import { diffSpecs, normalizeServiceSpec, parseStack, planStackDeploy, stackNamespaceLabel } from '../../runtime/spec/index.js';

const file = `services:
  web:
    image: busybox:1.36
    environment: { B: "2", A: "1" }
    labels: { x: "1", y: "2" }
    ports: ["8080:80", "5353:53/udp"]
    volumes: ["/b:/b", "/a:/a"]
    deploy:
      replicas: 3
      placement:
        constraints: ["node.labels.zone==a", "node.role==worker"]
  db:
    image: busybox:1.36
`;

test('re-deploying the same file changes nothing, whatever the key order', () => {
  // Proves normalisation: reordered env, labels, ports, mounts and constraints are not a change.
  const first = parseStack(file, { fileName: 'a.yml', stackName: 'shop' });
  const reordered = file
    .replace('{ B: "2", A: "1" }', '{ A: "1", B: "2" }')
    .replace('{ x: "1", y: "2" }', '{ y: "2", x: "1" }')
    .replace('["8080:80", "5353:53/udp"]', '["5353:53/udp", "8080:80"]')
    .replace('["/b:/b", "/a:/a"]', '["/a:/a", "/b:/b"]')
    .replace('["node.labels.zone==a", "node.role==worker"]', '["node.role==worker", "node.labels.zone==a"]');
  const second = parseStack(reordered, { fileName: 'a.yml', stackName: 'shop' });
  for (const [index, spec] of first.services.entries()) assert.equal(diffSpecs(spec, second.services[index]!), { changed: false, fields: [] });
  const plan = planStackDeploy(first.services, second);
  assert.equal(plan, { create: [], update: [], unchanged: ['shop_web', 'shop_db'], absent: [] });
});

test('a changed file updates only the services and fields that changed', () => {
  // Proves the plan names the one changed service and exactly its changed fields, per env key.
  const deployed = parseStack(file, { fileName: 'a.yml', stackName: 'shop' }).services;
  const edited = file.replace('{ B: "2", A: "1" }', '{ B: "3", A: "1", C: "new" }').replace('replicas: 3', 'replicas: 5').replace('"8080:80", ', '');
  const plan = planStackDeploy(deployed, parseStack(edited, { fileName: 'a.yml', stackName: 'shop' }));
  assert.equal(plan.create, []);
  assert.equal(plan.unchanged, ['shop_db']);
  assert.equal(plan.update.map((item) => [item.spec.name, item.fields]), [['shop_web', ['env.B', 'env.C', 'replicas', 'ports']]]);
});

test('services are created when new, and those gone from the file are listed as absent for this stack only', () => {
  // Proves create detection and that absent services are limited to the stack's own namespace label.
  const deployed = parseStack(file, { fileName: 'a.yml', stackName: 'shop' }).services;
  const loose = defaultServiceSpec('shop_cache', 'busybox');
  const otherStack = { ...defaultServiceSpec('blog_web', 'busybox'), labels: { [stackNamespaceLabel]: 'blog' } };
  const next = parseStack('services:\n  web:\n    image: busybox:1.36\n  queue:\n    image: busybox\n', { fileName: 'b.yml', stackName: 'shop' });
  const plan = planStackDeploy([...deployed, loose, otherStack], next);
  assert.equal(plan.create.map((spec) => spec.name), ['shop_queue']);
  assert.equal(plan.absent, ['shop_db']);
  assert.equal(plan.update.map((item) => item.spec.name), ['shop_web']);
});

test('diff fields cover nested objects, health checks and labels with dots', () => {
  // Proves field paths for nested settings, a health check added, and bracketed label keys.
  const before = defaultServiceSpec('web', 'busybox');
  const after = structuredClone(before);
  after.resources.cpuLimit = 0.5;
  after.update.order = 'start-first';
  after.healthCheck = { command: ['true'], intervalMs: 1000, timeoutMs: 1000, retries: 1, startPeriodMs: 0 };
  after.labels['com.example.tier'] = 'front';
  assert.equal(diffSpecs(before, after).fields, ['resources.cpuLimit', 'update.order', 'healthCheck', 'labels["com.example.tier"]']);
  const healthier = structuredClone(after);
  healthier.healthCheck!.retries = 4;
  assert.equal(diffSpecs(after, healthier).fields, ['healthCheck.retries']);
});

test('replicas of a global service and the order of spread levels are handled deliberately', () => {
  // Proves ignored replicas do not count for global services, while spread order (a hierarchy) and argv order do.
  const global = { ...defaultServiceSpec('g', 'busybox'), mode: 'global' as const };
  assert.is(diffSpecs(global, { ...global, replicas: 7 }).changed, false);
  const spread = defaultServiceSpec('s', 'busybox');
  spread.placement.spreadOver = ['node.labels.zone', 'node.labels.rack'];
  const swapped = structuredClone(spread);
  swapped.placement.spreadOver.reverse();
  assert.equal(diffSpecs(spread, swapped).fields, ['placement.spreadOver']);
  assert.equal(diffSpecs({ ...spread, command: ['a', 'b'] }, { ...spread, command: ['b', 'a'] }).fields, ['command']);
});

test('normalisation does not change its input and is stable', () => {
  // Proves normalizeServiceSpec is pure and idempotent.
  const spec = parseStack(file, { fileName: 'a.yml' }).services[0]!;
  const copy = structuredClone(spec);
  const once = normalizeServiceSpec(spec);
  assert.equal(spec, copy);
  assert.equal(normalizeServiceSpec(once), once);
  assert.equal(Object.keys(once.env), ['A', 'B']);
});

test.run();
