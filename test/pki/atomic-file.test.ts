import { mkdtemp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AtomicWriteError, writeFileAtomic } from '../../runtime/common/atomic-file.js';

async function withDirectory(body: (directory: string) => Promise<void>): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'edge-atomic-'));
  try {
    await body(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

test('writes the bytes with mode 0600 by default and leaves no temporary file', async () => {
  // Proves the default is owner-only (for keys) and the temp file is renamed away, not left behind.
  await withDirectory(async (directory) => {
    const path = join(directory, 'node.key');
    await writeFileAtomic(path, 'secret\n');
    assert.is(await readFile(path, 'utf8'), 'secret\n');
    assert.is((await stat(path)).mode & 0o777, 0o600);
    assert.equal(await readdir(directory), ['node.key']);
  });
});

test('the requested mode is applied exactly, whatever the umask', async () => {
  // Proves fchmod is used: a permissive umask cannot widen 0600, a strict one cannot narrow 0644.
  await withDirectory(async (directory) => {
    const previous = process.umask(0o000);
    try {
      await writeFileAtomic(join(directory, 'a'), 'x');
      process.umask(0o077);
      await writeFileAtomic(join(directory, 'b'), new Uint8Array([1, 2, 3]), { mode: 0o644 });
    } finally {
      process.umask(previous);
    }
    assert.is((await stat(join(directory, 'a'))).mode & 0o777, 0o600);
    assert.is((await stat(join(directory, 'b'))).mode & 0o777, 0o644);
    assert.equal([...(await readFile(join(directory, 'b')))], [1, 2, 3]);
  });
});

test('replacing a file swaps the whole content and resets a loose mode', async () => {
  // Proves replacement semantics: new bytes, old permissions not inherited.
  await withDirectory(async (directory) => {
    const path = join(directory, 'credentials');
    await writeFile(path, 'old content that is longer than the new one', { mode: 0o644 });
    await writeFileAtomic(path, 'new');
    assert.is(await readFile(path, 'utf8'), 'new');
    assert.is((await stat(path)).mode & 0o777, 0o600);
    assert.equal(await readdir(directory), ['credentials']);
  });
});

test('a failed write leaves the old file intact and no temporary file, with a typed error', async () => {
  // Proves the all-or-nothing property on failure: the rename never happens and the temp file is cleaned up.
  await withDirectory(async (directory) => {
    const path = join(directory, 'target');
    await writeFile(path, 'original');
    const badData = { not: 'bytes' } as unknown as string;
    const error = await writeFileAtomic(path, badData).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof AtomicWriteError);
    assert.is((error as AtomicWriteError).code, 'EDGE_FILE_WRITE_FAILED');
    assert.is(await readFile(path, 'utf8'), 'original');
    assert.equal(await readdir(directory), ['target']);

    await mkdir(join(directory, 'a-directory'));
    const overDirectory = await writeFileAtomic(join(directory, 'a-directory'), 'x').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    assert.ok(overDirectory instanceof AtomicWriteError);
    assert.equal((await readdir(directory)).sort(), ['a-directory', 'target']);
    const missing = await writeFileAtomic(join(directory, 'no-such-dir', 'file'), 'x').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    assert.ok(missing instanceof AtomicWriteError && missing.retryable);
  });
});

test('concurrent writers to one path each land whole', async () => {
  // Proves unique temp names: parallel writes never interleave bytes; the final content is one of the writes.
  await withDirectory(async (directory) => {
    const path = join(directory, 'shared');
    const payloads = Array.from({ length: 8 }, (_, i) => String(i).repeat(10_000));
    await Promise.all(payloads.map((payload) => writeFileAtomic(path, payload)));
    assert.ok(payloads.includes(await readFile(path, 'utf8')));
    assert.equal(await readdir(directory), ['shared']);
  });
});

test.run();
