import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseStack, readStackFile, validateServiceSpec } from '../../runtime/spec/index.js';

const examplesDir = fileURLToPath(new URL('../../examples/', import.meta.url));
const exampleFiles = readdirSync(examplesDir).filter((name) => name.endsWith('.yml') || name.endsWith('.yaml')).sort();

test('every example stack file parses and every service in it is valid', async () => {
  // Proves the shipped examples stay in step with the parser (a new example is covered without editing this test).
  assert.ok(exampleFiles.length >= 3, `examples found: ${exampleFiles.join(', ')}`);
  for (const name of exampleFiles) {
    const stack = parseStack(await readStackFile(join(examplesDir, name)), { fileName: name, stackName: 'demo' });
    assert.ok(stack.services.length > 0, name);
    for (const spec of stack.services) assert.equal(validateServiceSpec(spec), [], `${name}: ${spec.name}`);
  }
});

test('the web example is the one the README promises', async () => {
  // Proves web-stack.yml keeps its documented shape: the lab registry's busybox httpd, 3 replicas one per host, port 8080, health, memory, update config.
  const stack = parseStack(await readStackFile(join(examplesDir, 'web-stack.yml')), { fileName: 'web-stack.yml', stackName: 'web' });
  const [httpd] = stack.services;
  assert.is(httpd!.name, 'web_httpd');
  assert.is(httpd!.image, '10.254.42.1:5000/busybox:latest');
  assert.ok(httpd!.command.join(' ').includes('httpd -f -p 8080'));
  assert.is(httpd!.replicas, 3);
  assert.is(httpd!.placement.maxReplicasPerNode, 1);
  assert.equal(httpd!.ports, [{ published: 8080, target: 8080, protocol: 'tcp' }]);
  assert.ok(httpd!.healthCheck !== null && httpd!.healthCheck.command.includes('wget'));
  assert.ok(httpd!.resources.memoryReservationBytes > 0 && httpd!.resources.memoryLimitBytes > httpd!.resources.memoryReservationBytes);
  assert.is(httpd!.update.parallelism, 2);
  assert.is(httpd!.update.failureAction, 'rollback');
});

test('the global and job examples use their modes', async () => {
  // Proves the other two examples show a global service and a job as their comments say.
  const modes: Record<string, string[]> = {};
  for (const name of ['global-stack.yml', 'job-stack.yml']) {
    const stack = parseStack(await readStackFile(join(examplesDir, name)), { fileName: name });
    modes[name] = stack.services.map((spec) => spec.mode);
  }
  assert.equal(modes, { 'global-stack.yml': ['global'], 'job-stack.yml': ['replicated-job'] });
});

test.run();
