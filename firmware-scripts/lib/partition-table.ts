/**
 * The image's partition table, read and changed with sfdisk on the image
 * file itself: no loop devices, no kernel involvement (--no-reread,
 * --no-tell-kernel), so nothing but this file is ever touched.
 */
import { FirmwareError } from './errors.js';
import { run } from './exec.js';

export interface Partition {
  /** 1-based partition number as sfdisk's -N counts. */
  number: number;
  startSector: number;
  sizeSectors: number;
  /** MBR type in hex ("c", "83") or a GPT type GUID (upper-case). */
  type: string;
}

export interface PartitionTable {
  label: 'dos' | 'gpt';
  sectorBytes: number;
  partitions: readonly Partition[];
}

/** MBR types of FAT file systems and the GPT types a FAT boot partition carries. */
const FAT_TYPES = new Set(['1', '4', '6', 'b', 'c', 'e', 'ef', 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7', 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B']);
/** MBR Linux, GPT Linux filesystem data, and GPT root (arm64) as systemd's discoverable partitions spec names it. */
const LINUX_TYPES = new Set(['83', '0FC63DAF-8483-4772-8E79-3D69D8477DE4', 'B921B045-1DF0-41C3-AF44-4C6F280D3FAE']);
/** Anything smaller than this cannot hold a boot and a root partition. */
const IMAGE_BYTES_MIN = 1024 * 1024;

export function readPartitionTable(imagePath: string, imageBytes: number): PartitionTable {
  const notAnImage = (why: string) =>
    new FirmwareError('EDGE_FIRMWARE_NOT_AN_IMAGE', `${imagePath} is not a disk image (${why}); pass a Raspberry Pi OS .img or .img.xz`);
  if (imageBytes < IMAGE_BYTES_MIN) throw notAnImage(`only ${imageBytes} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(run('sfdisk', ['--json', imagePath]).stdout);
  } catch (error) {
    if (error instanceof FirmwareError && error.code !== 'EDGE_FIRMWARE_TOOL_FAILED') throw error;
    throw notAnImage('sfdisk finds no partition table');
  }
  const table = (json as { partitiontable?: Record<string, unknown> }).partitiontable;
  if (table === undefined || (table.label !== 'dos' && table.label !== 'gpt') || !Array.isArray(table.partitions)) {
    throw notAnImage('no MBR or GPT partition table');
  }
  const sectorBytes = typeof table.sectorsize === 'number' ? table.sectorsize : 512;
  const partitions = (table.partitions as Array<Record<string, unknown>>).map((entry, index) => {
    const { start, size, type } = entry;
    if (typeof start !== 'number' || typeof size !== 'number' || typeof type !== 'string') throw notAnImage(`partition ${index + 1} is unreadable`);
    const number = Number(/(\d+)$/.exec(String(entry.node))?.[1] ?? index + 1);
    return { number, startSector: start, sizeSectors: size, type: table.label === 'gpt' ? type.toUpperCase() : type.toLowerCase() };
  });
  for (const partition of partitions) {
    if ((partition.startSector + partition.sizeSectors) * sectorBytes > imageBytes) {
      throw notAnImage(`partition ${partition.number} ends past the end of the file (truncated download?)`);
    }
  }
  return { label: table.label, sectorBytes, partitions };
}

/** Boot: the first FAT partition. Root: the first Linux partition after it. */
export function findBootAndRoot(table: PartitionTable, imagePath: string): { boot: Partition; root: Partition } {
  const boot = table.partitions.find((partition) => FAT_TYPES.has(partition.type));
  if (boot === undefined) {
    throw new FirmwareError('EDGE_FIRMWARE_NO_BOOT_PARTITION', `${imagePath} has no FAT boot partition; use an image made for the board (Raspberry Pi OS, or one with a FAT first partition)`);
  }
  const root = table.partitions.find((partition) => LINUX_TYPES.has(partition.type) && partition.startSector > boot.startSector);
  if (root === undefined) {
    throw new FirmwareError('EDGE_FIRMWARE_NO_ROOT_PARTITION', `${imagePath} has no Linux root partition after the boot partition; use a full OS image, not a boot-only one`);
  }
  return { boot, root };
}

export function offsetBytes(table: PartitionTable, partition: Partition): number {
  return partition.startSector * table.sectorBytes;
}

/** Bytes after the last partition that a GPT keeps for its backup header and entries. */
export const GPT_BACKUP_BYTES = 33 * 512;

/**
 * Moves the end of `root` so it spans `sizeSectors`. The caller has already
 * extended the file. Only the last partition can grow without moving others.
 */
export function resizePartition(imagePath: string, table: PartitionTable, root: Partition, sizeSectors: number): void {
  const last = table.partitions.reduce((a, b) => (b.startSector > a.startSector ? b : a));
  if (last !== root) {
    throw new FirmwareError(
      'EDGE_FIRMWARE_CANNOT_GROW',
      `${imagePath}: the root partition needs to grow but partition ${last.number} follows it; free space in the root file system of the base image instead`,
    );
  }
  const quiet = ['--no-reread', '--no-tell-kernel', '--quiet'];
  // A grown file leaves the GPT backup header in the middle; put it back at the end first.
  if (table.label === 'gpt') run('sfdisk', [...quiet, '--relocate', 'gpt-bak-std', imagePath], { purpose: 'moving the GPT backup header' });
  run('sfdisk', [...quiet, '-N', String(root.number), imagePath], { input: `${root.startSector},${sizeSectors}\n`, purpose: 'growing the root partition' });
}
