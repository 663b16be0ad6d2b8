// Proves a root partition without room is grown (file, partition end, file system) on MBR and GPT images, and that growth is refused when another partition follows root.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { needsCommands } from '../common/env.js';
import { buildImageCli } from './cli.js';
import { bootFile, fsckClean, partitions, rootExists, rootFile, rootFreeBytes } from './image-reader.js';
import { makeStandIns, makeSyntheticImage, sha256, TEST_TOKEN } from './synthetic-image.js';

const ready = needsCommands('sfdisk', 'mkfs.vfat', 'mcopy', 'mkfs.ext4', 'debugfs', 'e2fsck', 'resize2fs');
const dir = mkdtempSync(join(tmpdir(), 'edge-grow-'));
const MIB = 1024 * 1024;
const HEADROOM_MIB = 40;
let standIns: ReturnType<typeof makeStandIns>;

test.before(() => {
  if (ready) standIns = makeStandIns(dir);
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

function build(base: string, output: string): ReturnType<typeof buildImageCli> {
  return buildImageCli([
    '--base', base, '--output', output, '--board', 'pizero2w', '--token', TEST_TOKEN, '--root-headroom-mib', String(HEADROOM_MIB),
    '--node-dir', standIns.nodeDir, '--oci-dir', standIns.ociDir, '--edged', standIns.edged, '--edgectl', standIns.edgectl,
  ]);
}

for (const label of ['dos', 'gpt'] as const) {
  test(`${label}: a full root partition grows to keep the requested headroom`, () => {
    if (!ready) return;
    const base = join(dir, `${label}-base.img`);
    const output = join(dir, `${label}-out.img`);
    const { rootOffset, bootOffset } = makeSyntheticImage(join(dir, label), base, { label, rootMiB: 12 });
    const baseHash = sha256(base);
    const before = partitions(base);
    assert.ok(rootFreeBytes(base, rootOffset) < HEADROOM_MIB * MIB, 'the base really lacks room');
    const result = build(base, output);
    assert.is(result.status, 0, result.stderr);
    assert.match(result.stdout, 'growing the image');
    const after = partitions(output);
    assert.is(after.label, label);
    assert.is(after.partitions.length, before.partitions.length);
    const [bootBefore, rootBefore] = before.partitions;
    const [bootAfter, rootAfter] = after.partitions;
    assert.equal(bootAfter, bootBefore, 'the boot partition does not move');
    assert.is(rootAfter!.start, rootBefore!.start, 'root starts where it did');
    assert.ok(rootAfter!.size > rootBefore!.size, 'root ends later');
    assert.is((rootAfter!.size * 512) % (4 * MIB), 0, 'root size stays 4 MiB aligned');
    assert.ok(statSync(output).size >= rootOffset + rootAfter!.size * 512, 'the file holds the whole partition');
    assert.ok(fsckClean(output, rootOffset), 'file system consistent after growth');
    assert.ok(rootFreeBytes(output, rootOffset) >= HEADROOM_MIB * MIB, 'headroom kept');
    // Files from before the growth survived, files after it are there.
    assert.is(rootFile(output, rootOffset, '/etc/hostname').toString(), 'raspberrypi\n');
    assert.ok(rootExists(output, rootOffset, '/opt/edgectl/lib/edged.js'));
    assert.match(bootFile(output, bootOffset, 'cmdline.txt')!, 'cgroup_enable=memory');
    assert.is(sha256(base), baseHash, 'base untouched');
    if (label === 'gpt') {
      // sfdisk verifies both GPT headers; a backup header left mid-disk would be reported here.
      assert.match(execFileSync('sfdisk', ['--verify', output], { encoding: 'utf8' }), 'No errors detected');
    }
  });
}

test('growth is refused when a partition follows root, and nothing is left behind', () => {
  if (!ready) return;
  const base = join(dir, 'trailing-base.img');
  const output = join(dir, 'trailing-out.img');
  makeSyntheticImage(join(dir, 'trailing'), base, { rootMiB: 12, trailingPartitionMiB: 4 });
  const result = build(base, output);
  assert.is(result.code, 'EDGE_FIRMWARE_CANNOT_GROW', result.stderr);
  assert.not.ok(existsSync(output));
  assert.not.ok(readdirSync(dir).some((name) => name.includes('.partial') || name.includes('.root-partition')), 'no temporary files left');
});

test.run();
