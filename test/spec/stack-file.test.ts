import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSpecError, readStackFile, specLimits } from '../../runtime/spec/index.js';

const dir = mkdtempSync(join(tmpdir(), 'edgectl-spec-'));

async function refusal(path: string) {
  try {
    await readStackFile(path);
  } catch (error) {
    if (isSpecError(error)) return error;
    throw error;
  }
  throw new Error('expected readStackFile to refuse');
}

test('a stack file is read as text', async () => {
  // Proves the thin I/O wrapper returns the file's content unchanged.
  const path = join(dir, 'ok.yml');
  writeFileSync(path, 'services:\n  a:\n    image: busybox # ünïcode\n');
  assert.is(await readStackFile(path), 'services:\n  a:\n    image: busybox # ünïcode\n');
});

test('missing files, directories and oversized files are refused with their codes', async () => {
  // Proves unreadable input gets EDGE_SPEC_FILE_UNREADABLE and size is checked before reading.
  assert.is((await refusal(join(dir, 'nope.yml'))).code, 'EDGE_SPEC_FILE_UNREADABLE');
  mkdirSync(join(dir, 'sub'));
  assert.is((await refusal(join(dir, 'sub'))).code, 'EDGE_SPEC_FILE_UNREADABLE');
  const big = join(dir, 'big.yml');
  writeFileSync(big, 'x'.repeat(specLimits.stackFileBytesMax + 1));
  const error = await refusal(big);
  assert.is(error.code, 'EDGE_SPEC_TOO_LARGE');
  assert.match(error.message, /at most 1048576 bytes/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
