/**
 * The FAT boot partition, edited in place inside the image with mtools'
 * `image@@offset` syntax: no mount, no vfat module, no loop device.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirmwareError } from './errors.js';
import { run } from './exec.js';

/** mtools refuses some valid images over geometry it would not have chosen; the layout is sfdisk's business. */
const MTOOLS_ENV = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
const FAT_NAME = /^[A-Za-z0-9_.-]+$/;

export class FatPartition {
  private readonly drive: string;

  constructor(readonly imagePath: string, readonly offsetBytes: number) {
    this.drive = `${imagePath}@@${offsetBytes}`;
  }

  /** True when mtools can read a FAT file system at the offset. */
  isFat(): boolean {
    try {
      run('mdir', ['-i', this.drive, '-b', '::/'], { env: MTOOLS_ENV });
      return true;
    } catch (error) {
      if (error instanceof FirmwareError && error.code === 'EDGE_FIRMWARE_TOOL_FAILED') return false;
      throw error;
    }
  }

  /** Names in the root directory. */
  list(): string[] {
    return run('mdir', ['-i', this.drive, '-b', '::/'], { env: MTOOLS_ENV })
      .stdout.split('\n')
      .map((line) => line.trim().replace(/^::\//, ''))
      .filter((name) => name !== '');
  }

  /** A root-directory file's content, or null when it does not exist. */
  read(name: string): string | null {
    checkName(name);
    if (!this.list().some((entry) => entry.toLowerCase() === name.toLowerCase())) return null;
    return run('mtype', ['-i', this.drive, `::/${name}`], { env: MTOOLS_ENV }).stdout;
  }

  /** Writes (or replaces) a root-directory file. */
  write(name: string, content: string): void {
    checkName(name);
    const staging = mkdtempSync(join(tmpdir(), 'edge-fat-'));
    try {
      const local = join(staging, name);
      writeFileSync(local, content);
      run('mcopy', ['-o', '-i', this.drive, local, `::/${name}`], { env: MTOOLS_ENV, purpose: `writing ${name} to the boot partition` });
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
}

function checkName(name: string): void {
  if (!FAT_NAME.test(name)) throw new Error(`not a plain boot-partition file name: ${name}`);
}
