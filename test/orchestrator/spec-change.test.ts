import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runsDifferently } from '../../runtime/orchestrator/index.js';
import { makeSpec } from './fixtures.js';

test('scaling, update and rollback settings, labels and key order do not call for new tasks', () => {
  // Proves which spec changes must not bump specVersion (else `service scale` would restart every replica).
  const base = makeSpec({ env: { A: '1', B: '2' } });
  assert.not.ok(runsDifferently(base, { ...base, replicas: 9 }));
  assert.not.ok(runsDifferently(base, { ...base, update: { ...base.update, parallelism: 4 }, rollback: { ...base.rollback, order: 'start-first' } }));
  assert.not.ok(runsDifferently(base, { ...base, labels: { team: 'edge' } }));
  assert.not.ok(runsDifferently(base, { ...base, env: { B: '2', A: '1' } }));
});

test('what a task runs, or where it may run, does', () => {
  // Proves the fields that must bump specVersion.
  const base = makeSpec();
  assert.ok(runsDifferently(base, { ...base, image: 'registry.local/web:2' }));
  assert.ok(runsDifferently(base, { ...base, env: { A: '1' } }));
  assert.ok(runsDifferently(base, { ...base, resources: { ...base.resources, memoryLimitBytes: 1 } }));
  assert.ok(runsDifferently(base, { ...base, placement: { ...base.placement, constraints: [{ field: 'node.role', operator: '==', value: 'worker' }] } }));
  assert.ok(runsDifferently(base, { ...base, healthCheck: { command: ['true'], intervalMs: 1, timeoutMs: 1, retries: 1, startPeriodMs: 0 } }));
});

test.run();
