import { readFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EdgeError } from '../../runtime/common/errors.js';
import { DISCOVERY_ERROR_CODES, DiscoveryError, isDiscoveryError } from '../../runtime/discovery/errors.js';

test('every discovery error code has a row in runtime/discovery/README.md', async () => {
  // Proves the error table cannot fall behind the code list: a new code without a row fails here.
  const readme = await readFile(new URL('../../runtime/discovery/README.md', import.meta.url), 'utf8');
  const documented = new Set([...readme.matchAll(/^\| `(EDGE_DISCOVERY_[A-Z_]+)` \|/gm)].map((match) => match[1]));
  assert.equal(DISCOVERY_ERROR_CODES.filter((code) => !documented.has(code)), []);
  assert.equal([...documented].filter((code) => !(DISCOVERY_ERROR_CODES as readonly string[]).includes(code!)), [], 'no row for a code that does not exist');
});

test('a DiscoveryError is an EdgeError with code and retryable', () => {
  // Proves the daemon can match discovery conditions by EdgeError code like any other module's.
  const error = new DiscoveryError('EDGE_DISCOVERY_NO_INTERFACE', 'msg', { retryable: true });
  assert.ok(error instanceof EdgeError);
  assert.equal(error.toJSON(), { code: 'EDGE_DISCOVERY_NO_INTERFACE', message: 'msg', retryable: true });
  assert.ok(isDiscoveryError(error, 'EDGE_DISCOVERY_NO_INTERFACE'));
  assert.not.ok(isDiscoveryError(error, 'EDGE_DISCOVERY_ABORTED'));
  assert.not.ok(isDiscoveryError(new EdgeError('EDGE_DISCOVERY_NO_INTERFACE', 'x')));
});

test.run();
