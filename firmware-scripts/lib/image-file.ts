/**
 * The image files themselves: what kind the base is, whether the output path
 * is safe to write, and the working copy the edits go to. The command only
 * ever opens the base it was given and the output it writes; a path that is
 * a device, or lives under /dev, is refused before anything happens.
 */
import { closeSync, existsSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { FirmwareError } from './errors.js';
import { run, runToFile } from './exec.js';

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
/** Kernel file systems: writing there is never an image, and /dev is where disks are. */
const FORBIDDEN_PREFIXES = ['/dev/', '/proc/', '/sys/'];

export interface BaseImage {
  path: string;
  compressed: boolean;
  bytes: number;
}

/** Checks the base: a readable regular file, raw or xz-compressed. */
export function inspectBaseFile(basePath: string): BaseImage {
  let stats;
  try {
    stats = statSync(basePath);
  } catch (error) {
    throw new FirmwareError('EDGE_FIRMWARE_INPUT_UNREADABLE', `cannot read the base image ${basePath} (${(error as NodeJS.ErrnoException).code}); check the path`);
  }
  if (stats.isBlockDevice() || stats.isCharacterDevice()) {
    throw new FirmwareError('EDGE_FIRMWARE_OUTPUT_IS_DEVICE', `${basePath} is a device; the base must be an image file (this command never touches disks)`);
  }
  if (!stats.isFile()) throw new FirmwareError('EDGE_FIRMWARE_INPUT_UNREADABLE', `${basePath} is not a regular file; pass an .img or .img.xz file`);
  const head = Buffer.alloc(XZ_MAGIC.length);
  const fd = openSync(basePath, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return { path: basePath, compressed: head.equals(XZ_MAGIC), bytes: stats.size };
}

/**
 * Refuses an output that is a device, sits under /dev, /proc or /sys, is the
 * base itself (that is what --in-place is for), or exists without --force.
 */
export function checkOutputPath(outputPath: string, basePath: string, force: boolean): void {
  const absolute = resolve(outputPath);
  const parent = existsSync(dirname(absolute)) ? realpathSync(dirname(absolute)) : dirname(absolute);
  // Follow links: a harmless-looking name may point at /dev/sda.
  const real = existsSync(absolute) ? realpathSync(absolute) : join(parent, basename(absolute));
  if (FORBIDDEN_PREFIXES.some((prefix) => `${real}/`.startsWith(prefix) || `${absolute}/`.startsWith(prefix))) {
    throw new FirmwareError('EDGE_FIRMWARE_OUTPUT_IS_DEVICE', `${outputPath} is under /dev, /proc or /sys; write the image to a file, then flash it`);
  }
  if (!existsSync(absolute)) {
    if (!existsSync(parent)) throw new FirmwareError('EDGE_FIRMWARE_USAGE', `the directory of --output (${dirname(absolute)}) does not exist`);
    return;
  }
  const stats = statSync(absolute);
  if (stats.isBlockDevice() || stats.isCharacterDevice()) {
    throw new FirmwareError('EDGE_FIRMWARE_OUTPUT_IS_DEVICE', `${outputPath} is a device; write the image to a file and flash it with rpi-imager or dd`);
  }
  const base = statSync(basePath);
  if (stats.ino === base.ino && stats.dev === base.dev) {
    throw new FirmwareError('EDGE_FIRMWARE_OUTPUT_EXISTS', `--output is the base image itself; pass --in-place to change the base, or choose another output`);
  }
  if (!stats.isFile()) throw new FirmwareError('EDGE_FIRMWARE_OUTPUT_EXISTS', `${outputPath} exists and is not a regular file`);
  if (!force) throw new FirmwareError('EDGE_FIRMWARE_OUTPUT_EXISTS', `${outputPath} exists; pass --force to replace it`);
}

/** Copies (sparse) or decompresses the base into `workPath`, where all edits happen. */
export function createWorkingCopy(base: BaseImage, workPath: string): void {
  if (base.compressed) runToFile('xz', ['--decompress', '--stdout', base.path], workPath, `decompressing ${base.path}`);
  else run('cp', ['--sparse=always', base.path, workPath], { purpose: `copying ${base.path}` });
}
