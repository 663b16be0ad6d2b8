// The unpacker on a real filesystem, fed tar bytes: what it creates, and the
// hostile archives it refuses (escaping paths, symlink and hardlink tricks).
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isImageError, type ImageErrorCode } from '../../../runtime/containers/image/errors.js';
import { uncompressedLayer } from '../../../runtime/containers/image/layer-stream.js';
import { unpackLayer } from '../../../runtime/containers/image/layer-unpack.js';
import { needsCommands, needsRoot } from '../../common/env.js';
import { sha256 } from '../support/image-builder.js';
import { buildTar, type TarWriterEntry } from '../support/tar-writer.js';
import { tempStore, type TempStore } from '../support/temp-store.js';

const ready = needsRoot() && needsCommands('mknod', 'zstd');
let scratch: TempStore | undefined;
let counter = 0;

test.before(() => {
  if (ready) scratch = tempStore('unpack');
});
test.after(() => scratch?.cleanup());

/** A fresh "layer" directory inside a parent that stands for the rest of the host. */
function freshTarget(): { host: string; target: string } {
  const host = join(scratch!.dataDir, `host-${++counter}`);
  const target = join(host, 'layer');
  mkdirSync(target, { recursive: true });
  return { host, target };
}

async function unpack(entries: TarWriterEntry[], target: string, lowerDirs: string[] = []) {
  return unpackLayer([buildTar(entries)], { targetDir: target, lowerDirs });
}

async function expectRefused(code: ImageErrorCode, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    assert.ok(isImageError(error, code), `expected ${code}, got ${String(error)}`);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

test('files, directories, symlinks and hardlinks are created with their owners, modes and diff ID', async () => {
  // Proves ordinary entries land as described, and the returned diff ID is the hash of the tar bytes.
  if (!ready) return;
  const { target } = freshTarget();
  const entries: TarWriterEntry[] = [
    { path: 'usr/bin/', type: 'directory', mode: 0o755 },
    { path: 'usr/bin/tool', body: 'tool', mode: 0o4755, uid: 1000, gid: 1001 },
    { path: 'usr/bin/alias', type: 'hardlink', linkPath: 'usr/bin/tool' },
    { path: 'usr/bin/abs', type: 'symlink', linkPath: '/etc/passwd' },
    { path: 'implicit/parent/file', body: 'x' },
    { path: 'pipe', type: 'fifo', mode: 0o600 },
    { path: 'dev-null', type: 'char-device', deviceMajor: 1, deviceMinor: 3 },
  ];
  const result = await unpack(entries, target);
  assert.is(result.diffId, sha256(buildTar(entries)));
  const tool = lstatSync(join(target, 'usr/bin/tool'));
  assert.is(tool.mode & 0o7777, 0o4755, 'setuid kept (chmod after chown)');
  assert.equal([tool.uid, tool.gid], [1000, 1001]);
  assert.is(lstatSync(join(target, 'usr/bin/alias')).ino, tool.ino, 'hardlink shares the inode');
  assert.is(readlinkSync(join(target, 'usr/bin/abs')), '/etc/passwd', 'absolute symlink stored, not followed');
  assert.is(readFileSync(join(target, 'implicit/parent/file'), 'utf8'), 'x');
  assert.ok(lstatSync(join(target, 'pipe')).isFIFO());
  assert.not.ok(existsSync(join(target, 'dev-null')), 'device nodes are skipped');
  assert.is(result.skippedDevices, 1);
});

for (const [label, entries] of [
  ['a "../" path', [{ path: '../escaped', body: 'x' }]],
  ['a nested "../" path', [{ path: 'a/../../escaped', body: 'x' }]],
  ['an absolute path', [{ path: '/escaped', body: 'x' }]],
  ['a file written through a symlink to the host', [{ path: 'link', type: 'symlink', linkPath: '..' }, { path: 'link/escaped', body: 'x' }]],
  ['a file written through an absolute symlink', [{ path: 'link', type: 'symlink', linkPath: '/' }, { path: 'link/tmp/escaped', body: 'x' }]],
  ['a hardlink to a path outside', [{ path: 'escaped', type: 'hardlink', linkPath: '../outside.txt' }]],
  ['a hardlink through a symlink', [{ path: 'link', type: 'symlink', linkPath: '..' }, { path: 'escaped', type: 'hardlink', linkPath: 'link/outside.txt' }]],
  ['a whiteout of "../"', [{ path: '../.wh.outside.txt', body: '' }]],
] as [string, TarWriterEntry[]][]) {
  test(`a layer with ${label} is refused and the host is untouched`, async () => {
    // Proves the layer cannot write or link outside its directory.
    if (!ready) return;
    const { host, target } = freshTarget();
    writeFileSync(join(host, 'outside.txt'), 'host file');
    await expectRefused('EDGE_IMAGE_UNSAFE_PATH', () => unpack(entries, target));
    assert.not.ok(existsSync(join(host, 'escaped')), 'nothing escaped into the host directory');
    assert.not.ok(existsSync('/escaped') || existsSync('/tmp/escaped'), 'nothing escaped to /');
    assert.is(readFileSync(join(host, 'outside.txt'), 'utf8'), 'host file');
    assert.is(lstatSync(join(host, 'outside.txt')).nlink, 1, 'no hardlink to the host file');
  });
}

test('a hardlink to a file only in a lower layer becomes a copy, and a symlink there stays a symlink', async () => {
  // Proves cross-layer hardlinks work without linking across layer directories or following lower symlinks.
  if (!ready) return;
  const lower = freshTarget().target;
  writeFileSync(join(lower, 'base'), 'from below');
  execFileSync('ln', ['-s', '/etc/shadow', join(lower, 'sneaky')]);
  const { target } = freshTarget();
  await unpack([{ path: 'copy', type: 'hardlink', linkPath: 'base' }, { path: 'sneaky-link', type: 'hardlink', linkPath: 'sneaky' }], target, [lower]);
  assert.is(readFileSync(join(target, 'copy'), 'utf8'), 'from below');
  assert.is(lstatSync(join(target, 'copy')).nlink, 1);
  assert.is(readlinkSync(join(target, 'sneaky-link')), '/etc/shadow');
});

test('whiteouts become 0/0 character devices and opaque directories hide what the lower layers show', async () => {
  // Proves the overlayfs encoding of deletions produced for one layer over a lower one.
  if (!ready) return;
  const lower = freshTarget().target;
  mkdirSync(join(lower, 'opaque/sub'), { recursive: true });
  writeFileSync(join(lower, 'opaque/old'), '');
  writeFileSync(join(lower, 'opaque/sub/old'), '');
  writeFileSync(join(lower, 'gone'), '');
  const { target } = freshTarget();
  const result = await unpack([{ path: '.wh.gone', body: '' }, { path: 'opaque/.wh..wh..opq', body: '' }, { path: 'opaque/sub/new', body: 'n' }], target, [lower]);
  const gone = lstatSync(join(target, 'gone'));
  assert.ok(gone.isCharacterDevice() && gone.rdev === 0);
  assert.ok(lstatSync(join(target, 'opaque/old')).isCharacterDevice(), 'lower file hidden');
  assert.ok(lstatSync(join(target, 'opaque/sub/old')).isCharacterDevice(), 'lower file in a merged subdirectory hidden');
  assert.ok(existsSync(join(target, 'opaque/sub/new')));
  assert.not.ok(existsSync(join(target, 'opaque/.wh..wh..opq')), 'marker not materialised as a file');
  assert.is(result.whiteouts, 3);
});

test('a tar whose bytes do not match the expected diff ID is refused', async () => {
  // Proves the uncompressed content is checked against the config's diff_ids.
  if (!ready) return;
  const { target } = freshTarget();
  await expectRefused('EDGE_IMAGE_DIGEST_MISMATCH', () => unpackLayer([buildTar([{ path: 'a', body: 'x' }])], { targetDir: target, lowerDirs: [], expectedDiffId: `sha256:${'1'.repeat(64)}` }));
});

test('gzip layers inflate; zstd layers inflate where Node has zstd, else fail with a clear code', async () => {
  // Proves compression is sniffed from the bytes and zstd is either supported or refused as EDGE_IMAGE_UNSUPPORTED_COMPRESSION.
  if (!ready) return;
  const tar = buildTar([{ path: 'hello', body: 'compressed' }]);
  const gzipPath = join(scratch!.dataDir, 'layer.tar.gz');
  writeFileSync(gzipPath, zlib.gzipSync(tar));
  const chunks: Buffer[] = [];
  for await (const chunk of uncompressedLayer(gzipPath, 'gzip layer')) chunks.push(Buffer.from(chunk));
  assert.ok(Buffer.concat(chunks).equals(tar));
  const zstdPath = join(scratch!.dataDir, 'layer.tar.zst');
  writeFileSync(zstdPath, execFileSync('zstd', ['-q', '-c'], { input: tar }));
  const { target } = freshTarget();
  const run = () => unpackLayer(uncompressedLayer(zstdPath, 'zstd layer'), { targetDir: target, lowerDirs: [] });
  if (typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === 'function') {
    await run();
    assert.is(readFileSync(join(target, 'hello'), 'utf8'), 'compressed');
  } else {
    await expectRefused('EDGE_IMAGE_UNSUPPORTED_COMPRESSION', run);
  }
});

test('a corrupt gzip stream is reported as a bad layer', async () => {
  // Proves decompression errors surface as EDGE_IMAGE_BAD_TAR rather than a raw zlib error.
  if (!ready) return;
  const bytes = zlib.gzipSync(buildTar([{ path: 'a', body: 'y'.repeat(10000) }]));
  bytes.fill(0x55, 20, 60);
  const path = join(scratch!.dataDir, 'corrupt.tar.gz');
  writeFileSync(path, bytes);
  const { target } = freshTarget();
  await expectRefused('EDGE_IMAGE_BAD_TAR', () => unpackLayer(uncompressedLayer(path, 'corrupt layer'), { targetDir: target, lowerDirs: [] }));
});

test.run();
