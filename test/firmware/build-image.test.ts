// Proves the firmware command turns a synthetic Raspberry Pi OS image into one carrying every file, unit, cgroup parameter and boot config, without touching the base.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expandHostnamePattern, parseBootConfig } from '../../runtime/boards/boot-config.js';
import { builtinProfile } from '../../runtime/boards/profiles.js';
import { needsCommands } from '../common/env.js';
import { buildImageCli, buildImageProcess } from './cli.js';
import { bootFile, fsckClean, partitions, rootExists, rootFile, rootMode, symlinkTarget } from './image-reader.js';
import { makeStandIns, makeSyntheticImage, RASPIOS_CMDLINE, sha256, TEST_TOKEN } from './synthetic-image.js';

const ready = needsCommands('sfdisk', 'mkfs.vfat', 'mcopy', 'mtype', 'mkfs.ext4', 'debugfs', 'e2fsck', 'resize2fs', 'xz');
const dir = mkdtempSync(join(tmpdir(), 'edge-firmware-'));
const base = join(dir, 'base.img');
const output = join(dir, 'edge.img');
const profile = builtinProfile('pi4b');
let offsets = { bootOffset: 0, rootOffset: 0 };
let standIns: ReturnType<typeof makeStandIns>;
let baseHash = '';

function standInFlags(): string[] {
  return ['--node-dir', standIns.nodeDir, '--oci-dir', standIns.ociDir, '--edged', standIns.edged, '--edgectl', standIns.edgectl];
}

test.before(() => {
  if (!ready) return;
  offsets = makeSyntheticImage(dir, base);
  standIns = makeStandIns(dir);
  baseHash = sha256(base);
  const result = buildImageProcess([
    '--base', base, '--output', output, '--board', 'pi4b', '--token', TEST_TOKEN,
    '--hostname-pattern', '{board}-{serial}', '--label', 'zone=shelf-2', '--label', 'power=poe',
    '--root-headroom-mib', '2', ...standInFlags(),
  ]);
  assert.is(result.status, 0, result.stderr);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('every installed file has its source bytes, mode and root ownership', () => {
  if (!ready) return;
  const expected: Array<[string, string, number]> = [
    ['/opt/edgectl/node/bin/node', join(standIns.nodeDir, 'bin/node'), 0o755],
    ['/opt/edgectl/node/LICENSE', join(standIns.nodeDir, 'LICENSE'), 0o644],
    ['/opt/edgectl/lib/edged.js', standIns.edged, 0o644],
    ['/opt/edgectl/lib/edgectl.js', standIns.edgectl, 0o644],
    ['/opt/edgectl/oci/bin/crun', join(standIns.ociDir, 'bin/crun'), 0o755],
    ['/opt/edgectl/oci/bin/runc', join(standIns.ociDir, 'bin/runc'), 0o755],
    ['/opt/edgectl/oci/lib/libyajl.so.2', join(standIns.ociDir, 'lib/libyajl.so.2'), 0o755],
  ];
  for (const [path, source, mode] of expected) {
    assert.ok(rootFile(output, offsets.rootOffset, path).equals(readFileSync(source)), `${path} content`);
    assert.equal(rootMode(output, offsets.rootOffset, path), { mode, uid: 0, gid: 0, type: 'regular' }, path);
  }
  // The base OS's own files are still there.
  assert.is(rootFile(output, offsets.rootOffset, '/usr/lib/systemd/system/ssh.service').toString(), '[Unit]\nDescription=OpenBSD Secure Shell server\n');
});

test('edged.service runs the arm64 node with the board V8 flags, restarts forever, and is enabled', () => {
  if (!ready) return;
  const unit = rootFile(output, offsets.rootOffset, '/usr/lib/systemd/system/edged.service').toString();
  assert.match(unit, `ExecStart=/opt/edgectl/node/bin/node ${profile.v8Flags.join(' ')} /opt/edgectl/lib/edged.js --data-dir /var/lib/edgectl --boot-config /boot/firmware/edgectl.yaml --board pi4b\n`);
  assert.match(unit, '\nRestart=always\n');
  // The bundles are ES modules: without this file node would read them as CommonJS and fail at start.
  assert.match(rootFile(output, offsets.rootOffset, '/opt/edgectl/lib/package.json').toString(), '"type": "module"');
  assert.match(unit, '\nStartLimitIntervalSec=0\n');
  assert.match(unit, '\nWantedBy=multi-user.target\n');
  assert.is(symlinkTarget(output, offsets.rootOffset, '/etc/systemd/system/multi-user.target.wants/edged.service'), '/usr/lib/systemd/system/edged.service');
  assert.is(symlinkTarget(output, offsets.rootOffset, '/etc/systemd/system/sysinit.target.wants/edgectl-hostname.service'), '/usr/lib/systemd/system/edgectl-hostname.service');
  const hostnameUnit = rootFile(output, offsets.rootOffset, '/usr/lib/systemd/system/edgectl-hostname.service').toString();
  assert.match(hostnameUnit, 'ExecStart=/opt/edgectl/bin/edgectl-firstboot-hostname\n');
  assert.match(hostnameUnit, 'ConditionPathExists=!/var/lib/edgectl/hostname-set\n');
  assert.is(symlinkTarget(output, offsets.rootOffset, '/usr/local/bin/crun'), '/opt/edgectl/oci/bin/crun');
  assert.is(symlinkTarget(output, offsets.rootOffset, '/usr/local/bin/runc'), '/opt/edgectl/oci/bin/runc');
  assert.match(rootFile(output, offsets.rootOffset, '/usr/local/bin/edgectl').toString(), 'exec /opt/edgectl/node/bin/node /opt/edgectl/lib/edgectl.js "$@"');
});

test('cmdline.txt gains the cgroup parameters once, stays one line, keeps the rest in order', () => {
  if (!ready) return;
  const cmdline = bootFile(output, offsets.bootOffset, 'cmdline.txt')!;
  assert.is(cmdline.split('\n').filter((line) => line !== '').length, 1);
  const tokens = cmdline.trim().split(' ');
  for (const param of profile.cgroupBootParams) assert.is(tokens.filter((token) => token === param).length, 1, param);
  assert.equal(tokens.slice(0, RASPIOS_CMDLINE.trim().split(' ').length), RASPIOS_CMDLINE.trim().split(' '));
  assert.is(bootFile(output, offsets.bootOffset, 'config.txt'), bootFile(base, offsets.bootOffset, 'config.txt'));
});

test('edgectl.yaml on the boot partition holds the token, hostname pattern and labels', () => {
  if (!ready) return;
  const config = parseBootConfig(bootFile(output, offsets.bootOffset, 'edgectl.yaml')!, 'edgectl.yaml');
  assert.equal(config, { version: 1, token: TEST_TOKEN, hostnamePattern: '{board}-{serial}', labels: { zone: 'shelf-2', power: 'poe' } });
});

test('the partition table keeps its partitions, the root file system checks clean, the base is unchanged', () => {
  if (!ready) return;
  assert.equal(partitions(output), partitions(base));
  assert.ok(fsckClean(output, offsets.rootOffset));
  assert.is(sha256(base), baseHash);
  assert.not.ok(existsSync(`${output}.partial`));
});

test('the image manifest records the board and the sha256 of what it installed', () => {
  if (!ready) return;
  const manifest = JSON.parse(rootFile(output, offsets.rootOffset, '/etc/edgectl/image.json').toString()) as { board: string; nodeVersion: string; sha256: Record<string, string> };
  assert.is(manifest.board, 'pi4b');
  assert.is(manifest.nodeVersion, '20.99.0');
  assert.is(manifest.sha256['/opt/edgectl/lib/edged.js'], sha256(standIns.edged));
});

test('running again in place replaces files and adds nothing twice', () => {
  if (!ready) return;
  const before = bootFile(output, offsets.bootOffset, 'cmdline.txt');
  const configBefore = bootFile(output, offsets.bootOffset, 'edgectl.yaml');
  writeFileSync(standIns.edged, 'console.log("edged v2");\n');
  const result = buildImageCli([
    '--base', output, '--in-place', '--board', 'pi4b', '--token', TEST_TOKEN, '--hostname-pattern', '{board}-{serial}',
    '--label', 'zone=shelf-2', '--label', 'power=poe', '--root-headroom-mib', '2', ...standInFlags(),
  ]);
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stdout, 'already had the cgroup parameters');
  assert.is(bootFile(output, offsets.bootOffset, 'cmdline.txt'), before);
  assert.is(bootFile(output, offsets.bootOffset, 'edgectl.yaml'), configBefore);
  assert.is(rootFile(output, offsets.rootOffset, '/opt/edgectl/lib/edged.js').toString(), 'console.log("edged v2");\n');
  assert.ok(fsckClean(output, offsets.rootOffset));
});

test('the first-boot script names the board from its serial, as the pattern says', () => {
  if (!ready) return;
  const script = join(dir, 'firstboot.sh');
  writeFileSync(script, rootFile(output, offsets.rootOffset, '/opt/edgectl/bin/edgectl-firstboot-hostname'));
  const run = (withDeviceTreeSerial: boolean) => {
    const fakeRoot = join(dir, `fake-root-${withDeviceTreeSerial}`);
    cpSync(new URL('../boards/fixtures/pi4b-4gb/', import.meta.url).pathname, fakeRoot, { recursive: true });
    if (!withDeviceTreeSerial) rmSync(join(fakeRoot, 'proc/device-tree/serial-number'));
    mkdirSync(join(fakeRoot, 'etc'), { recursive: true });
    mkdirSync(join(fakeRoot, 'boot/firmware'), { recursive: true });
    writeFileSync(join(fakeRoot, 'etc/hostname'), 'raspberrypi\n');
    writeFileSync(join(fakeRoot, 'etc/hosts'), '127.0.0.1\tlocalhost\n127.0.1.1\t\traspberrypi\n');
    writeFileSync(join(fakeRoot, 'boot/firmware/edgectl.yaml'), bootFile(output, offsets.bootOffset, 'edgectl.yaml')!);
    const result = spawnSync('sh', [script], { env: { ...process.env, EDGE_ROOT: fakeRoot }, encoding: 'utf8' });
    assert.is(result.status, 0, result.stderr);
    return fakeRoot;
  };
  const expected = expandHostnamePattern('{board}-{serial}', { serial: '10000000a3b5c7d9', board: 'pi4b' });
  assert.is(expected, 'pi4b-a3b5c7d9');
  for (const withDeviceTreeSerial of [true, false]) {
    const fakeRoot = run(withDeviceTreeSerial);
    assert.is(readFileSync(join(fakeRoot, 'etc/hostname'), 'utf8'), `${expected}\n`);
    assert.match(readFileSync(join(fakeRoot, 'etc/hosts'), 'utf8'), `127.0.1.1\t${expected}\n`);
    assert.not.match(readFileSync(join(fakeRoot, 'etc/hosts'), 'utf8'), 'raspberrypi');
    assert.is(readFileSync(join(fakeRoot, 'var/lib/edgectl/hostname-set'), 'utf8'), `${expected}\n`);
  }
  // No serial anywhere: the name stays, boot goes on (exit 0), and the script will try again next boot.
  const bare = join(dir, 'fake-root-bare');
  mkdirSync(join(bare, 'etc'), { recursive: true });
  writeFileSync(join(bare, 'etc/hostname'), 'raspberrypi\n');
  const result = spawnSync('sh', [script], { env: { ...process.env, EDGE_ROOT: bare }, encoding: 'utf8' });
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stderr, 'no board serial found');
  assert.is(readFileSync(join(bare, 'etc/hostname'), 'utf8'), 'raspberrypi\n');
  assert.not.ok(existsSync(join(bare, 'var/lib/edgectl/hostname-set')));
});

test('an .img.xz base works the same and the output is a raw image', () => {
  if (!ready) return;
  execFileSync('xz', ['-T1', '-0', '-k', base]);
  const fromXz = join(dir, 'from-xz.img');
  const result = buildImageCli(['--base', `${base}.xz`, '--output', fromXz, '--board', 'pi5', '--token', TEST_TOKEN, '--root-headroom-mib', '2', ...standInFlags()]);
  assert.is(result.status, 0, result.stderr);
  assert.equal(partitions(fromXz), partitions(base));
  const unit = rootFile(fromXz, offsets.rootOffset, '/usr/lib/systemd/system/edged.service').toString();
  assert.match(unit, builtinProfile('pi5').v8Flags.join(' '));
  assert.match(bootFile(fromXz, offsets.bootOffset, 'cmdline.txt')!, 'cgroup_memory=1');
  assert.ok(rootExists(fromXz, offsets.rootOffset, '/opt/edgectl/node/bin/node'));
});

test.run();
