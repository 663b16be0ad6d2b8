// Options of the Raft storage. Each field is the manual for itself: meaning,
// unit, default and the trade-off. `sdCardDefaults()` is the base every
// preset overrides; `validateStorageConfig()` names the field and the fix.
import type { FileSystem } from './file-system.js';
import { StorageConfigError } from './errors.js';
import { nodeFileSystem } from './file-system.js';
import { segmentStartBytes } from './log-record.js';

const mebibyte = 1024 * 1024;

export interface StorageConfig {
  /** Directory holding the log segments and snapshots; created if missing. One node per directory. */
  dir: string;
  /**
   * A segment (one log file) is closed and a new one started once the next
   * record would take it past this size. Default 4 MiB: the allocation unit
   * of most SD cards, so a segment removed after a snapshot frees whole units
   * the card can erase without copying; small enough that the space held
   * beyond the newest snapshot stays a few MiB and recovery reads it in a
   * fraction of a second, large enough that starting a segment (one extra
   * fsync plus one directory fsync) happens once per ~30 000 small entries.
   */
  segmentBytesMax: number;
  /**
   * Largest single log record (an entry plus 26 bytes of framing). Default
   * 1 MiB. Recovery refuses any length field above it, so a damaged length
   * cannot make it allocate gigabytes. Must leave room in a segment for the
   * segment's own header records.
   */
  recordBytesMax: number;
  /**
   * Bytes buffered by append() before a write and fsync starts without
   * waiting for sync(). Default 2 MiB. At most twice this is held in memory
   * (one batch being written, one being filled); beyond that append() throws
   * EDGE_RAFT_STORAGE_BACKLOG. Must be at least recordBytesMax.
   */
  bufferedBytesMax: number;
  /** Largest snapshot written or read back. Default 64 MiB: cluster state of a board fleet is far smaller; the limit keeps a damaged file from exhausting a 1 GiB board. */
  snapshotBytesMax: number;
  /** The disk. Default: the real one (node:fs). Tests and the simulator pass a MemoryFileSystem. */
  fileSystem: FileSystem;
}

export type StorageOptions = Partial<StorageConfig> & { dir: string };

/** The base for boards that boot from SD cards or eMMC. */
export function sdCardDefaults(dir: string): StorageConfig {
  return {
    dir,
    segmentBytesMax: 4 * mebibyte,
    recordBytesMax: 1 * mebibyte,
    bufferedBytesMax: 2 * mebibyte,
    snapshotBytesMax: 64 * mebibyte,
    fileSystem: nodeFileSystem(),
  };
}

/** Small files for the simulator and tests, so segment rotation and compaction happen often. */
export function simulationDefaults(dir: string, fileSystem: FileSystem): StorageConfig {
  return { ...sdCardDefaults(dir), segmentBytesMax: 16 * 1024, recordBytesMax: 4 * 1024, bufferedBytesMax: 8 * 1024, fileSystem };
}

function checkWholeBytes(config: StorageConfig, field: keyof StorageConfig, minimumBytes: number): void {
  const value = config[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimumBytes) {
    throw new StorageConfigError(field, `must be a whole number of bytes of at least ${minimumBytes}, got ${String(value)}`);
  }
}

export function validateStorageConfig(config: StorageConfig): StorageConfig {
  if (typeof config.dir !== 'string' || config.dir === '') throw new StorageConfigError('dir', 'give the directory that holds the log');
  checkWholeBytes(config, 'recordBytesMax', 64);
  checkWholeBytes(config, 'segmentBytesMax', 1024);
  checkWholeBytes(config, 'bufferedBytesMax', 64);
  checkWholeBytes(config, 'snapshotBytesMax', 0);
  // A record must fit in a fresh segment after its header records, or rotation could not make progress.
  if (config.recordBytesMax + segmentStartBytes > config.segmentBytesMax) {
    throw new StorageConfigError(
      'segmentBytesMax',
      `must be at least recordBytesMax + ${segmentStartBytes} (${config.recordBytesMax + segmentStartBytes}); raise it or lower recordBytesMax`,
    );
  }
  if (config.bufferedBytesMax < config.recordBytesMax) {
    throw new StorageConfigError('bufferedBytesMax', `must be at least recordBytesMax (${config.recordBytesMax}) so one record always fits`);
  }
  return config;
}

export function resolveStorageConfig(options: StorageOptions): StorageConfig {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return validateStorageConfig({ ...sdCardDefaults(options.dir), ...defined } as StorageConfig);
}
