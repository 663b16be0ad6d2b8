import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isImageError } from '../../../runtime/containers/image/errors.js';
import { parsePaxRecords, TarReader, type TarHeader } from '../../../runtime/containers/image/tar-reader.js';
import { buildTar, type LongNameStyle } from '../support/tar-writer.js';

interface Read {
  header: TarHeader;
  body: string;
}

function readAll(bytes: Uint8Array, chunkBytes = bytes.byteLength): Read[] {
  const reader = new TarReader();
  const entries: Read[] = [];
  let ended = false;
  const consume = (events: ReturnType<TarReader['push']>): void => {
    for (const event of events) {
      if (event.kind === 'entry') entries.push({ header: event.header, body: '' });
      else if (event.kind === 'data') entries.at(-1)!.body += Buffer.from(event.bytes).toString('latin1');
      else if (event.kind === 'end') ended = true;
    }
  };
  for (let at = 0; at < bytes.byteLength; at += chunkBytes) consume(reader.push(bytes.subarray(at, at + chunkBytes)));
  consume(reader.finish());
  assert.ok(ended, 'reader reported the end of the archive');
  return entries;
}

function expectTarError(run: () => unknown, code = 'EDGE_IMAGE_BAD_TAR'): void {
  try {
    run();
  } catch (error) {
    assert.ok(isImageError(error), `expected an ImageError, got ${String(error)}`);
    assert.is((error as { code: string }).code, code);
    return;
  }
  assert.unreachable('expected the archive to be refused');
}

const sample = [
  { path: 'bin/', type: 'directory' as const, mode: 0o755 },
  { path: 'bin/hello', body: 'hello world\n', mode: 0o4755, uid: 1000, gid: 50, mtimeSeconds: 1_600_000_123 },
  { path: 'bin/sh', type: 'symlink' as const, linkPath: 'busybox' },
  { path: 'bin/again', type: 'hardlink' as const, linkPath: 'bin/hello' },
  { path: 'empty', body: '' },
  { path: 'big', body: 'x'.repeat(1500) },
];

test('ustar entries come out with their fields and bodies, however the bytes are chunked', () => {
  // Proves the parser keeps state across arbitrary chunk boundaries, including one byte at a time.
  const bytes = buildTar(sample);
  for (const chunkBytes of [1, 7, 511, 512, 513, 4096, bytes.length]) {
    const entries = readAll(bytes, chunkBytes);
    assert.equal(entries.map((e) => e.header.path), ['bin/', 'bin/hello', 'bin/sh', 'bin/again', 'empty', 'big']);
    assert.equal(entries.map((e) => e.header.type), ['directory', 'file', 'symlink', 'hardlink', 'file', 'file']);
    const hello = entries[1]!;
    assert.is(hello.body, 'hello world\n');
    assert.is(hello.header.mode, 0o4755);
    assert.is(hello.header.uid, 1000);
    assert.is(hello.header.gid, 50);
    assert.is(hello.header.mtimeMs, 1_600_000_123_000);
    assert.is(entries[2]!.header.linkPath, 'busybox');
    assert.is(entries[3]!.header.linkPath, 'bin/hello');
    assert.is(entries[5]!.body.length, 1500);
  }
});

for (const style of ['pax', 'gnu'] as LongNameStyle[]) {
  test(`${style} long names and long link targets replace the truncated ustar fields`, () => {
    // Proves both long-name extensions are honoured for paths and for link targets.
    const longPath = `${'deep/'.repeat(40)}file.txt`;
    const longTarget = `${'t'.repeat(150)}/target`;
    const entries = readAll(buildTar([{ path: longPath, body: 'data' }, { path: 'link', type: 'symlink', linkPath: longTarget }, { path: 'short', body: 'ok' }], style), 100);
    assert.is(entries.length, 3);
    assert.is(entries[0]!.header.path, longPath);
    assert.is(entries[0]!.body, 'data');
    assert.is(entries[1]!.header.linkPath, longTarget);
    assert.is(entries[2]!.header.path, 'short', 'overrides apply to one entry only');
  });
}

test('archives written by GNU tar in gnu and pax formats read back with the same content', () => {
  // Proves interoperability with an independent writer, not only with our test writer.
  const dir = mkdtempSync(join(tmpdir(), 'edge-tar-'));
  try {
    const root = join(dir, 'root');
    const longDir = join(root, 'a'.repeat(60), 'b'.repeat(60));
    mkdirSync(longDir, { recursive: true });
    writeFileSync(join(longDir, 'c'.repeat(80)), 'long named file');
    writeFileSync(join(root, 'small'), Buffer.alloc(3000, 7));
    symlinkSync('small', join(root, 'link'));
    for (const format of ['gnu', 'pax', 'ustar']) {
      if (format === 'ustar') rmSync(join(root, 'a'.repeat(60)), { recursive: true });
      const archive = execFileSync('tar', ['-C', root, `--format=${format}`, '--sort=name', '-cf', '-', '.']);
      const entries = readAll(archive, 1000);
      const byPath = new Map(entries.map((e) => [e.header.path.replace(/\/$/, ''), e]));
      assert.is(byPath.get('./small')?.body, Buffer.alloc(3000, 7).toString('latin1'), `${format}: body`);
      assert.is(byPath.get('./link')?.header.linkPath, 'small', `${format}: symlink`);
      if (format !== 'ustar') {
        const long = byPath.get(`./${'a'.repeat(60)}/${'b'.repeat(60)}/${'c'.repeat(80)}`);
        assert.is(long?.body, 'long named file', `${format}: long name`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a header with a wrong checksum is refused', () => {
  // Proves random bytes or a corrupted header are not taken for an entry.
  const bytes = buildTar([{ path: 'a', body: 'x' }]);
  bytes[0] = 'b'.charCodeAt(0);
  expectTarError(() => readAll(bytes));
});

test('an archive cut inside a body is refused at finish', () => {
  // Proves a truncated download cannot pass as a complete layer.
  const bytes = buildTar([{ path: 'a', body: 'x'.repeat(2000) }]);
  const reader = new TarReader();
  reader.push(bytes.subarray(0, 1200));
  expectTarError(() => reader.finish());
});

test('an archive that ends between entries without zero blocks is accepted', () => {
  // Proves compatibility with writers that omit the end marker, as GNU tar tolerates.
  const bytes = buildTar([{ path: 'a', body: 'x' }]).subarray(0, 1024);
  assert.equal(readAll(bytes).map((e) => e.body), ['x']);
});

test('base-256 size and uid fields are decoded', () => {
  // Proves the GNU binary number encoding used for large values is read.
  const bytes = buildTar([{ path: 'a', body: 'abc', uid: 5 }]);
  const header = bytes.subarray(0, 512);
  header.fill(0, 108, 116);
  header[108] = 0x80;
  header.writeUInt32BE(3_000_000, 112);
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  const [entry] = readAll(bytes);
  assert.is(entry!.header.uid, 3_000_000);
  assert.is(entry!.body, 'abc');
});

test('sparse entries are refused with a clear error', () => {
  // Proves unsupported entry types fail loudly instead of producing wrong files.
  const bytes = buildTar([{ path: 'a', body: 'x' }]);
  bytes[156] = 'S'.charCodeAt(0);
  bytes.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of bytes.subarray(0, 512)) sum += byte;
  bytes.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  expectTarError(() => readAll(bytes));
});

test('pax records parse by their length prefix and bad lengths are refused', () => {
  // Proves values may contain spaces, "=" and newlines, and that a lying length is caught.
  const value = 'a b=c\nd';
  const record = `${Buffer.byteLength(` path=${value}\n`) + 2} path=${value}\n`;
  assert.equal(parsePaxRecords(Buffer.from(record)), { path: value });
  expectTarError(() => parsePaxRecords(Buffer.from('99 path=x\n')));
  expectTarError(() => parsePaxRecords(Buffer.from('abc path=x\n')));
});

test('an oversized pax header is refused before it is buffered', () => {
  // Proves the extended-header memory bound holds.
  const bytes = buildTar([{ path: 'p'.repeat(300), body: 'x' }], 'pax');
  const reader = new TarReader({ metaBytesMax: 64, pathBytesMax: 4096 });
  expectTarError(() => reader.push(bytes));
});

test('a lone zero block followed by data is refused', () => {
  // Proves a corrupted archive with a hole is not silently truncated.
  const entry = buildTar([{ path: 'a', body: 'x' }]).subarray(0, 1024);
  const bytes = Buffer.concat([Buffer.alloc(512), entry]);
  expectTarError(() => readAll(bytes));
});

test.run();
