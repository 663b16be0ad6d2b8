/**
 * The ext4 root file system, edited inside the image with e2fsprogs'
 * `image?offset=N` syntax: debugfs writes files, e2fsck checks, resize2fs
 * grows. No mount, so this works in containers and CI without loop devices.
 *
 * debugfs exits 0 even when a command fails, so every batch is checked by
 * reading its stderr: any line but the version banner is a failure.
 */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { posix, join } from 'node:path';
import { FirmwareError } from './errors.js';
import { run } from './exec.js';

export type Ext4Op =
  | { kind: 'mkdir'; path: string }
  | { kind: 'file'; path: string; source: string; mode: number }
  | { kind: 'symlink'; path: string; target: string };

/** Paths we write are ours and plain; anything else would need debugfs quoting we do not trust. */
const SAFE_PATH = /^\/[A-Za-z0-9_./@+-]*$/;
const DIRECTORY_MODE = 0o040755;
const REGULAR_FILE_TYPE = 0o100000;

export interface Ext4Stats {
  blockBytes: number;
  blockCount: number;
  /** Free blocks minus those reserved for root: what a running system may still fill. */
  usableFreeBlocks: number;
}

export class Ext4Partition {
  readonly spec: string;

  constructor(readonly imagePath: string, readonly offsetBytes: number) {
    this.spec = `${imagePath}?offset=${offsetBytes}`;
  }

  /** True when an ext2/3/4 superblock is at the offset. */
  isExt4(): boolean {
    try {
      this.stats();
      return true;
    } catch (error) {
      if (error instanceof FirmwareError && error.code === 'EDGE_FIRMWARE_TOOL_FAILED') return false;
      throw error;
    }
  }

  stats(): Ext4Stats {
    const text = run('debugfs', ['-R', 'stats', this.spec], { purpose: 'reading the root file system' }).stdout;
    const field = (name: string): number => {
      const match = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
      if (match === null) throw new FirmwareError('EDGE_FIRMWARE_TOOL_FAILED', `debugfs stats has no "${name}" line for ${this.spec}`);
      return Number(match[1]);
    };
    const reserved = field('Reserved block count');
    return { blockBytes: field('Block size'), blockCount: field('Block count'), usableFreeBlocks: Math.max(0, field('Free blocks') - reserved) };
  }

  /** Of the given paths, those that exist. */
  existing(paths: readonly string[]): Set<string> {
    if (paths.length === 0) return new Set();
    const { stderr } = this.batch(paths.map((path) => `stat ${safe(path)}`), { checkErrors: false });
    const missing = new Set<string>();
    for (const match of stderr.matchAll(/^(\S+): File not found by ext2_lookup/gm)) missing.add(match[1]!);
    return new Set(paths.filter((path) => !missing.has(path)));
  }

  /** Applies the operations in order, replacing files and links that exist; directories are created only if missing. */
  apply(ops: readonly Ext4Op[]): void {
    const present = this.existing(ops.map((op) => op.path));
    const commands: string[] = [];
    for (const op of ops) {
      const parent = posix.dirname(safe(op.path));
      const name = posix.basename(op.path);
      if (op.kind === 'mkdir') {
        if (present.has(op.path)) continue;
        commands.push(`mkdir ${op.path}`, ...owned(op.path, DIRECTORY_MODE));
      } else if (op.kind === 'file') {
        if (present.has(op.path)) commands.push(`rm ${op.path}`);
        // debugfs writes into its current directory, so go there first.
        commands.push(`cd ${parent}`, `write ${safeLocal(op.source)} ${name}`, 'cd /', ...owned(op.path, REGULAR_FILE_TYPE | op.mode));
      } else {
        if (present.has(op.path)) commands.push(`rm ${op.path}`);
        commands.push(`cd ${parent}`, `symlink ${name} ${safe(op.target)}`, 'cd /');
      }
    }
    if (commands.length > 0) this.batch(commands, { write: true, checkErrors: true });
  }

  /** A file's bytes (debugfs `cat`), for tests and checks. */
  read(path: string): string {
    return this.batch([`cat ${safe(path)}`], { checkErrors: true }).stdout;
  }

  /** debugfs `stat` text of a path: mode, owner, link target. */
  statText(path: string): string {
    return this.batch([`stat ${safe(path)}`], { checkErrors: true }).stdout;
  }

  /** Names in a directory. */
  list(path: string): string[] {
    const text = this.batch([`ls -p ${safe(path)}`], { checkErrors: true }).stdout;
    // `ls -p` prints /inode/mode/uid/gid/name/size/ per entry.
    return [...text.matchAll(/^\/\d+\/\d+\/\d+\/\d+\/([^/]+)\//gm)].map((match) => match[1]!).filter((name) => name !== '.' && name !== '..');
  }

  /** Forced check; `repair` fixes what it can (exit 1 means "fixed"), `verify` changes nothing and must find nothing. */
  check(mode: 'repair' | 'verify'): void {
    const flags = mode === 'repair' ? ['-f', '-y'] : ['-f', '-n'];
    run('e2fsck', [...flags, this.spec], { okExitCodes: mode === 'repair' ? [0, 1] : [0], purpose: `checking the root file system (${mode})` });
  }

  /**
   * Grows the file system from `currentBytes` to `sizeBytes` (the partition
   * must already be that large). resize2fs cannot work in place here: on a
   * regular file it truncates the file to the new file-system size, ignoring
   * the offset, which would cut off the image's tail. So the partition is
   * copied out, grown on its own, and copied back.
   */
  resize(currentBytes: number, sizeBytes: number): void {
    const partPath = `${this.imagePath}.root-partition`;
    try {
      const block = ['bs=4M', 'status=none'];
      run('dd', [`if=${this.imagePath}`, `of=${partPath}`, ...block, 'iflag=skip_bytes,count_bytes', `skip=${this.offsetBytes}`, `count=${currentBytes}`, 'conv=sparse'], {
        purpose: 'copying the root partition out to grow it',
      });
      truncateSync(partPath, sizeBytes);
      run('e2fsck', ['-f', '-y', partPath], { okExitCodes: [0, 1], purpose: 'checking the root file system before growing it' });
      run('resize2fs', [partPath], { purpose: 'growing the root file system' });
      // No conv=sparse on the way back: a block resize2fs zeroed must overwrite what was there.
      run('dd', [`if=${partPath}`, `of=${this.imagePath}`, ...block, 'oflag=seek_bytes', `seek=${this.offsetBytes}`, 'conv=notrunc'], {
        purpose: 'copying the grown root partition back',
      });
    } finally {
      rmSync(partPath, { force: true });
    }
  }

  private batch(commands: readonly string[], options: { write?: boolean; checkErrors: boolean }): { stdout: string; stderr: string } {
    const staging = mkdtempSync(join(tmpdir(), 'edge-debugfs-'));
    try {
      const script = join(staging, 'commands');
      writeFileSync(script, `${commands.join('\n')}\n`);
      const args = [...(options.write ? ['-w'] : []), '-f', script, this.spec];
      const result = run('debugfs', args, { purpose: 'editing the root file system' });
      if (options.checkErrors) {
        const errors = result.stderr.split('\n').filter((line) => line.trim() !== '' && !/^debugfs \d/.test(line));
        if (errors.length > 0) {
          throw new FirmwareError('EDGE_FIRMWARE_TOOL_FAILED', `debugfs failed on the root file system of ${this.imagePath}:\n  ${errors.slice(0, 6).join('\n  ')}`);
        }
      }
      return result;
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
}

function owned(path: string, mode: number): string[] {
  return [`sif ${path} mode 0${mode.toString(8)}`, `sif ${path} uid 0`, `sif ${path} gid 0`];
}

function safe(path: string): string {
  if (!SAFE_PATH.test(path) || path.includes('//')) throw new Error(`unsafe path for debugfs: ${JSON.stringify(path)}`);
  return path;
}

function safeLocal(path: string): string {
  if (/\s|"/.test(path)) throw new Error(`local path with spaces or quotes cannot go to debugfs: ${JSON.stringify(path)}`);
  return path;
}
