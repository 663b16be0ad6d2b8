import { readFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EdgeError } from '../../runtime/common/errors.js';
import { PKI_ERROR_CODES, PkiError, isPkiError } from '../../runtime/pki/errors.js';

test('every PKI error code is documented in runtime/pki/README.md', async () => {
  // Proves the error table cannot silently fall behind the code list (a new code without a row fails here).
  const readme = await readFile(new URL('../../runtime/pki/README.md', import.meta.url), 'utf8');
  const documented = new Set([...readme.matchAll(/^\| `(EDGE_[A-Z_]+)` \|/gm)].map((match) => match[1]));
  const missing = PKI_ERROR_CODES.filter((code) => !documented.has(code));
  assert.equal(missing, []);
  assert.ok(documented.has('EDGE_FILE_WRITE_FAILED'));
});

test('a PkiError is an EdgeError carrying code, reason and retryable', () => {
  // Proves callers elsewhere can match on EdgeError and code without knowing the PKI's class.
  const error = new PkiError('EDGE_PKI_CERT_NOT_YET_VALID', 'msg', { retryable: true, reason: 'local' });
  assert.ok(error instanceof EdgeError);
  assert.equal(error.toJSON(), { code: 'EDGE_PKI_CERT_NOT_YET_VALID', message: 'msg', retryable: true });
  assert.is(error.reason, 'local');
  assert.ok(isPkiError(error, 'EDGE_PKI_CERT_NOT_YET_VALID'));
  assert.not.ok(isPkiError(error, 'EDGE_PKI_CERT_EXPIRED'));
  assert.not.ok(isPkiError(new EdgeError('EDGE_PKI_CERT_EXPIRED', 'x')));
});

test.run();
