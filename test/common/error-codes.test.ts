// Every EDGE_* code the runtime can raise is described in a module README,
// and docs/errors.md (the one list of codes) is up to date with them.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EdgeError, isEdgeError } from '../../runtime/common/errors.js';

test('docs/errors.md lists every code used in runtime/, each with a description', () => {
  const result = spawnSync(process.execPath, ['scripts/errors-doc.mjs', '--check'], { encoding: 'utf8' });
  assert.is(result.status, 0, `${result.stderr}${result.stdout}`);
  assert.match(result.stdout, /\d+ error codes documented/);
});

test('an EdgeError carries its code, retry hint and a JSON form without the stack', () => {
  const error = new EdgeError('EDGE_TEST_CODE', 'do this', { retryable: true });
  assert.ok(isEdgeError(error, 'EDGE_TEST_CODE'));
  assert.not.ok(isEdgeError(error, 'EDGE_OTHER'));
  assert.equal(error.toJSON(), { code: 'EDGE_TEST_CODE', message: 'do this', retryable: true });
  assert.not.ok(isEdgeError(new Error('plain')));
});

test.run();
