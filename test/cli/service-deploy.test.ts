// Proves `service deploy` checks the stack file locally (problems name file:line, nothing is sent), sends the specs runtime/spec built, prints what changed and waits for the created and updated services.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultServiceSpec } from '../../runtime/store/services.js';
import type { ServiceView } from '../../runtime/wire/messages/services.js';
import { edgectl, startDaemon, type FakeDaemon } from './support.js';

let daemon: FakeDaemon;
let directory: string;

const stackText = [
  'services:',
  '  web:',
  '    image: nginx:alpine',
  '    ports: ["8080:80"]',
  '    deploy:',
  '      replicas: 2',
  '  cache:',
  '    image: redis:7-alpine',
  '',
].join('\n');
const brokenText = [
  'services:',
  '  web:',
  '    image: nginx:alpine',
  '    depends_on: [cache]',
  '    deploy:',
  '      replicas: lots',
  '',
].join('\n');

/** service.inspect calls per service: each answers "starting" at the first poll and "running" from the second. */
const polls = new Map<string, number>();
const runningNow = (ref: string): boolean => (polls.get(ref) ?? 0) > 1;

function inspection(ref: string) {
  polls.set(ref, (polls.get(ref) ?? 0) + 1);
  const { healthCheck: _none, ...spec } = defaultServiceSpec(ref, 'nginx:alpine');
  const view: ServiceView = {
    id: `id-${ref}`, name: ref, image: spec.image, mode: 'replicated', desired: 1, running: runningNow(ref) ? 1 : 0, specVersion: 1,
    ports: '', updateState: 'none', updateMessage: '', createdAtMs: 1_700_000_000_000, updatedAtMs: 1_700_000_000_000,
  };
  return { id: view.id, spec, specVersion: 1, view };
}

function tasks(ref: string) {
  return [{
    id: `task-${ref}`, service: ref, serviceId: `id-${ref}`, slot: 1, node: 'pi-kitchen', nodeId: 'node1', desiredState: 'running' as const,
    state: runningNow(ref) ? 'running' : 'starting', message: '', error: '', specVersion: 1, updatedAtMs: 1_700_000_000_000,
  }];
}

test.before(async () => {
  directory = mkdtempSync(join(tmpdir(), 'edgectl-deploy-'));
  writeFileSync(join(directory, 'stack.yml'), stackText);
  writeFileSync(join(directory, 'broken.yml'), brokenText);
  daemon = await startDaemon({
    'service.deploy': (body: { specs: { name: string }[]; prune: boolean }) => {
      const [first, ...rest] = body.specs.map((spec) => spec.name);
      return { created: first === undefined ? [] : [first], updated: [], unchanged: rest, removed: body.prune ? ['home_old'] : [] };
    },
    'service.inspect': (body: { ref: string }) => inspection(body.ref),
    'service.ps': (body: { ref: string }) => ({ tasks: tasks(body.ref) }),
  });
});
test.after(async () => {
  await daemon.close();
  rmSync(directory, { recursive: true, force: true });
});
test.before.each(() => {
  daemon.calls.length = 0;
  polls.clear();
});

const deploy = (argv: string[]) => edgectl(['service', 'deploy', ...argv], { socketPath: daemon.socketPath });

test('deploy -d --stack --prune sends the file\'s specs, named and labelled for the stack, and prints what changed', async () => {
  const result = await deploy(['-f', join(directory, 'stack.yml'), '--stack', 'home', '--prune', '-d']);
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stdout, 'Created service home_web\nUnchanged service home_cache\nRemoved service home_old\n');
  assert.equal(daemon.calls.map((call) => call.method), ['service.deploy']);
  const body = daemon.calls[0]!.body as { specs: { name: string; replicas: number; ports: unknown[]; labels: Record<string, string> }[]; prune: boolean; stack: string };
  assert.equal(body.specs.map((spec) => spec.name), ['home_web', 'home_cache']);
  assert.is(body.specs[0]!.replicas, 2);
  assert.equal(body.specs[0]!.ports, [{ published: 8080, target: 80, protocol: 'tcp' }]);
  assert.is(body.specs[0]!.labels['edgectl.stack.namespace'], 'home');
  assert.is(body.prune, true);
  assert.is(body.stack, 'home');
});

test('--json prints created, updated, unchanged and removed', async () => {
  const result = await deploy(['--file', join(directory, 'stack.yml'), '--json', '--detach']);
  assert.is(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout), { created: ['web'], updated: [], unchanged: ['cache'], removed: [] });
});

test('a broken stack file: every problem with file:line, exit 1, nothing sent', async () => {
  const file = join(directory, 'broken.yml');
  const result = await deploy(['-f', file]);
  assert.is(result.code, 1);
  assert.is(result.stdout, '');
  assert.match(result.stderr, `${file}:4: services.web.depends_on is not supported`);
  assert.match(result.stderr, `${file}:6: services.web.deploy.replicas`);
  assert.match(result.stderr, '[EDGE_SPEC_INVALID]');
  const missing = await deploy(['-f', join(directory, 'nope.yml')]);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, 'it does not exist [EDGE_SPEC_FILE_UNREADABLE]');
  const badStack = await deploy(['-f', join(directory, 'stack.yml'), '--stack', 'Not A Name']);
  assert.is(badStack.code, 1);
  assert.match(badStack.stderr, 'stack name');
  assert.is(daemon.calls.length, 0);
});

test('no --file is a usage error (exit 2)', async () => {
  const result = await deploy(['--prune']);
  assert.is(result.code, 2);
  assert.match(result.stderr, 'missing --file');
  assert.match(result.stderr, 'Usage: edgectl service deploy [OPTIONS]');
});

test('without --detach, deploy waits for the created and updated services (not the unchanged ones) to converge', async () => {
  const result = await deploy(['-f', join(directory, 'stack.yml')]);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stderr, 'web.1  starting');
  assert.match(result.stderr, 'web: 1/1 running');
  assert.ok(result.stderr.endsWith('web: converged\n'), result.stderr);
  const asked = new Set(daemon.calls.filter((call) => call.method === 'service.ps').map((call) => (call.body as { ref: string }).ref));
  assert.equal([...asked], ['web']);
});

test.run();
