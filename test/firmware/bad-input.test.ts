// Proves bad input (not an image, no boot or root partition, bad token, unknown board, device output, missing bundle, wrong-arch node) fails with its code before anything is written.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { needsCommands } from '../common/env.js';
import { buildImageCli, buildImageProcess } from './cli.js';
import { fakeElf, makeStandIns, makeSyntheticImage, sha256, TEST_TOKEN } from './synthetic-image.js';

const ready = needsCommands('sfdisk', 'mkfs.vfat', 'mcopy', 'mkfs.ext4', 'debugfs');
const dir = mkdtempSync(join(tmpdir(), 'edge-bad-input-'));
const base = join(dir, 'base.img');
const output = join(dir, 'out.img');
let standIns: ReturnType<typeof makeStandIns>;

test.before(() => {
  if (!ready) return;
  makeSyntheticImage(join(dir, 'good'), base);
  standIns = makeStandIns(dir);
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

function flags(overrides: Record<string, string | null> = {}): string[] {
  const values: Record<string, string | null> = {
    '--base': base, '--output': output, '--board': 'pi4b', '--token': TEST_TOKEN,
    '--node-dir': standIns.nodeDir, '--oci-dir': standIns.ociDir, '--edged': standIns.edged, '--edgectl': standIns.edgectl,
    ...overrides,
  };
  return Object.entries(values).flatMap(([flag, value]) => (value === null ? [] : [flag, value]));
}

/** Runs the command, expects `code`, and checks nothing was written: no output, no partial, base intact. */
function expectRefusal(code: string, args: string[], baseFile = base): string {
  // Hash only regular files: reading /dev/zero never ends.
  const before = existsSync(baseFile) && statSync(baseFile).isFile() ? sha256(baseFile) : null;
  const filesBefore = readdirSync(dir).sort();
  const result = buildImageCli(args);
  assert.is(result.code, code, `stderr: ${result.stderr}`);
  assert.is(result.status, code === 'EDGE_FIRMWARE_USAGE' ? 2 : 1);
  assert.not.ok(existsSync(output), 'no output written');
  assert.equal(readdirSync(dir).sort(), filesBefore, 'no stray files');
  if (before !== null) assert.is(sha256(baseFile), before, 'base unchanged');
  return result.stderr;
}

test('a file that is not a disk image', () => {
  if (!ready) return;
  const notImage = join(dir, 'notes.img');
  writeFileSync(notImage, Buffer.alloc(2 * 1024 * 1024, 0x41));
  assert.match(expectRefusal('EDGE_FIRMWARE_NOT_AN_IMAGE', flags({ '--base': notImage }), notImage), 'notes.img is not a disk image');
  const tiny = join(dir, 'tiny.img');
  writeFileSync(tiny, 'hello');
  expectRefusal('EDGE_FIRMWARE_NOT_AN_IMAGE', flags({ '--base': tiny }), tiny);
});

test('a missing base names the path', () => {
  if (!ready) return;
  assert.match(expectRefusal('EDGE_FIRMWARE_INPUT_UNREADABLE', flags({ '--base': join(dir, 'nope.img') })), 'nope.img');
});

test('an image without a boot partition, or whose FAT lacks cmdline.txt', () => {
  if (!ready) return;
  const rootOnly = join(dir, 'root-only.img');
  makeSyntheticImage(join(dir, 'root-only'), rootOnly, { withoutBoot: true });
  rmSync(join(dir, 'root-only'), { recursive: true });
  expectRefusal('EDGE_FIRMWARE_NO_BOOT_PARTITION', flags({ '--base': rootOnly }), rootOnly);
  const noCmdline = join(dir, 'no-cmdline.img');
  makeSyntheticImage(join(dir, 'no-cmdline'), noCmdline, { cmdline: null });
  rmSync(join(dir, 'no-cmdline'), { recursive: true });
  assert.match(expectRefusal('EDGE_FIRMWARE_NO_BOOT_PARTITION', flags({ '--base': noCmdline }), noCmdline), 'no cmdline.txt');
});

test('a cmdline.txt of two lines', () => {
  if (!ready) return;
  const twoLines = join(dir, 'two-lines.img');
  makeSyntheticImage(join(dir, 'two-lines'), twoLines, { cmdline: 'root=/dev/mmcblk0p2 rootwait\nquiet\n' });
  rmSync(join(dir, 'two-lines'), { recursive: true });
  expectRefusal('EDGE_FIRMWARE_CMDLINE_INVALID', flags({ '--base': twoLines }), twoLines);
});

test('tokens that do not parse', () => {
  if (!ready) return;
  const digest = '5e'.repeat(32);
  for (const token of ['EDGE1-abc-Zq8bW3mN7xT2pL9vK4rD', `EDGE1-${digest}-short`, `EDGE0-${digest}-Zq8bW3mN7xT2pL9vK4rD`, '']) {
    expectRefusal('EDGE_JOIN_TOKEN_MALFORMED', flags({ '--token': token }));
  }
  const tokenFile = join(dir, 'token.txt');
  writeFileSync(tokenFile, 'EDGE1-nope\n');
  expectRefusal('EDGE_JOIN_TOKEN_MALFORMED', flags({ '--token': null, '--token-file': tokenFile }));
  rmSync(tokenFile);
});

test('a board that does not exist, and one whose kernel command line is not on the boot partition', () => {
  if (!ready) return;
  assert.match(expectRefusal('EDGE_BOARD_UNKNOWN', flags({ '--board': 'pi6' })), 'pi4b');
  expectRefusal('EDGE_FIRMWARE_BOARD_NOT_FLASHABLE', flags({ '--board': 'generic-arm64' }));
});

test('bad hostname pattern and labels', () => {
  if (!ready) return;
  expectRefusal('EDGE_BOOT_CONFIG_INVALID', [...flags(), '--hostname-pattern', 'raspberrypi']);
  expectRefusal('EDGE_BOOT_CONFIG_INVALID', [...flags(), '--label', 'board=pi9']);
  expectRefusal('EDGE_FIRMWARE_USAGE', [...flags(), '--label', 'novalue']);
});

test('an output that is a device, or a link to one, is refused', () => {
  if (!ready) return;
  expectRefusal('EDGE_FIRMWARE_OUTPUT_IS_DEVICE', flags({ '--output': '/dev/null' }));
  expectRefusal('EDGE_FIRMWARE_OUTPUT_IS_DEVICE', flags({ '--output': '/dev/edge-test-not-a-disk' }));
  const link = join(dir, 'sneaky.img');
  symlinkSync('/dev/null', link);
  expectRefusal('EDGE_FIRMWARE_OUTPUT_IS_DEVICE', flags({ '--output': link }));
  rmSync(link);
  expectRefusal('EDGE_FIRMWARE_OUTPUT_IS_DEVICE', flags({ '--base': '/dev/zero' }), '/dev/zero');
});

test('an existing output needs --force; the base as output needs --in-place', () => {
  if (!ready) return;
  const existing = join(dir, 'existing.img');
  writeFileSync(existing, 'keep me');
  const result = buildImageCli(flags({ '--output': existing }));
  assert.is(result.code, 'EDGE_FIRMWARE_OUTPUT_EXISTS');
  rmSync(existing);
  expectRefusal('EDGE_FIRMWARE_OUTPUT_EXISTS', flags({ '--output': base }));
  expectRefusal('EDGE_FIRMWARE_USAGE', flags({ '--output': null }));
  expectRefusal('EDGE_FIRMWARE_USAGE', [...flags(), '--in-place']);
  expectRefusal('EDGE_FIRMWARE_USAGE', [...flags(), '--bogus']);
});

test('missing bundles and wrong-architecture binaries are refused before the copy', () => {
  if (!ready) return;
  assert.match(expectRefusal('EDGE_FIRMWARE_ARTIFACT_INVALID', flags({ '--edged': join(dir, 'dist/edged.js') })), 'npm run build');
  const x86Node = join(dir, 'x86-node');
  makeStandIns(x86Node);
  writeFileSync(join(x86Node, 'node/bin/node'), fakeElf(62, 'x86 node'));
  assert.match(expectRefusal('EDGE_FIRMWARE_ARTIFACT_INVALID', flags({ '--node-dir': join(x86Node, 'node') })), 'x86_64, not aarch64');
  writeFileSync(join(x86Node, 'oci/bin/crun'), '#!/bin/sh\n');
  expectRefusal('EDGE_FIRMWARE_ARTIFACT_INVALID', flags({ '--oci-dir': join(x86Node, 'oci') }));
  rmSync(x86Node, { recursive: true });
});

test('the real process exits 1 with the code on stderr, 2 for usage', () => {
  if (!ready) return;
  const refused = buildImageProcess(flags({ '--board': 'pi6' }));
  assert.equal([refused.status, refused.code], [1, 'EDGE_BOARD_UNKNOWN']);
  assert.is(buildImageProcess(['--bogus']).status, 2);
  assert.not.ok(existsSync(output));
});

test.run();
