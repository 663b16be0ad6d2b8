// Operating errors of the Raft storage: things a disk, a crash or a person can
// cause. Each has a stable code and says what to do. Bugs in the caller (an
// append that leaves a gap, a snapshot older than the current one) are
// assertion failures instead, see runtime/common/assert.ts.
import { EdgeError } from '../../common/errors.js';

const rejoinAdvice =
  'restore the directory from a backup, or stop edged, move the directory aside and rejoin this node ' +
  '(the leader sends it a snapshot); do not delete files by hand';

/** A record in the middle of the log is damaged: stopping beats dropping committed entries. */
export class LogCorruptError extends EdgeError {
  readonly path: string;
  readonly offsetBytes: number;
  readonly reason: string;

  constructor(path: string, offsetBytes: number, reason: string) {
    super(
      'EDGE_RAFT_LOG_CORRUPT',
      `Raft log ${path} is damaged at byte ${offsetBytes}: ${reason}. Valid data follows the damage, so this ` +
        `is not a write torn by a crash and edged will not drop it silently; ${rejoinAdvice}.`,
    );
    this.name = 'LogCorruptError';
    this.path = path;
    this.offsetBytes = offsetBytes;
    this.reason = reason;
  }
}

/** A log or snapshot file written in a format this build does not read. */
export class StorageFormatError extends EdgeError {
  constructor(path: string, formatVersion: number, supportedVersion: number) {
    super(
      'EDGE_RAFT_STORAGE_FORMAT_UNSUPPORTED',
      `${path} has storage format ${formatVersion}, this edged reads format ${supportedVersion}: ` +
        'run the edged version that wrote it (or a newer one)',
    );
    this.name = 'StorageFormatError';
  }
}

/** The newest snapshot file fails its checksum or does not parse. */
export class SnapshotCorruptError extends EdgeError {
  readonly path: string;

  constructor(path: string, reason: string) {
    super('EDGE_RAFT_SNAPSHOT_CORRUPT', `Raft snapshot ${path} is damaged (${reason}); ${rejoinAdvice}.`);
    this.name = 'SnapshotCorruptError';
    this.path = path;
  }
}

/** The log refers to a snapshot (or to entries) that is no longer in the directory. */
export class SnapshotMissingError extends EdgeError {
  constructor(directory: string, detail: string) {
    super('EDGE_RAFT_SNAPSHOT_MISSING', `Raft storage in ${directory} is incomplete: ${detail}; ${rejoinAdvice}.`);
    this.name = 'SnapshotMissingError';
  }
}

export type StorageOperation = 'write' | 'sync' | 'read' | 'open' | 'close' | 'list' | 'rename' | 'remove' | 'truncate';

/**
 * A file-system call failed. The storage stops accepting work after one:
 * after a failed write or fsync nobody knows what reached the disk (the page
 * cache may have dropped the dirty pages), so the only safe path is a restart,
 * whose recovery reads back what really is there.
 */
export class StorageIoError extends EdgeError {
  readonly operation: StorageOperation;
  readonly path: string;
  /** The errno name (ENOSPC, EIO, ...) when the OS gave one. */
  readonly errno: string | undefined;

  constructor(operation: StorageOperation, path: string, cause: unknown) {
    const errno = errnoOf(cause);
    const detail = cause instanceof Error ? cause.message : String(cause);
    const diskFull = errno === 'ENOSPC' || errno === 'EDQUOT';
    const code = diskFull
      ? 'EDGE_RAFT_STORAGE_DISK_FULL'
      : operation === 'write'
        ? 'EDGE_RAFT_STORAGE_WRITE_FAILED'
        : operation === 'sync'
          ? 'EDGE_RAFT_STORAGE_SYNC_FAILED'
          : 'EDGE_RAFT_STORAGE_IO_FAILED';
    const advice = diskFull
      ? 'free space on that file system, then restart edged'
      : 'check the disk (dmesg, SD card health) and restart edged; recovery keeps everything that was synced';
    super(code, `Raft storage could not ${operation} ${path} (${detail}): ${advice}`, { cause });
    this.name = 'StorageIoError';
    this.operation = operation;
    this.path = path;
    this.errno = errno;
  }
}

/** One entry does not fit in a record; the proposal should have been refused earlier. */
export class EntryTooLargeError extends EdgeError {
  constructor(index: number, recordBytes: number, recordBytesMax: number) {
    super(
      'EDGE_RAFT_ENTRY_TOO_LARGE',
      `Raft entry ${index} needs a ${recordBytes}-byte log record, over recordBytesMax (${recordBytesMax}): ` +
        'refuse proposals this large before they reach Raft, or raise recordBytesMax',
    );
    this.name = 'EntryTooLargeError';
  }
}

export class SnapshotTooLargeError extends EdgeError {
  constructor(dataBytes: number, snapshotBytesMax: number) {
    super(
      'EDGE_RAFT_SNAPSHOT_TOO_LARGE',
      `Raft snapshot of ${dataBytes} bytes is over snapshotBytesMax (${snapshotBytesMax}): ` +
        'shrink the replicated state or raise snapshotBytesMax',
    );
    this.name = 'SnapshotTooLargeError';
  }
}

/** Appends arrive faster than the disk takes them: the caller should await sync() first. */
export class StorageBacklogError extends EdgeError {
  constructor(pendingBytes: number, pendingBytesMax: number) {
    super(
      'EDGE_RAFT_STORAGE_BACKLOG',
      `Raft storage already holds ${pendingBytes} unwritten bytes (limit ${pendingBytesMax}, twice ` +
        'bufferedBytesMax): await sync() before appending more, or lower the entries per Ready',
      { retryable: true },
    );
    this.name = 'StorageBacklogError';
  }
}

export class StorageConfigError extends EdgeError {
  constructor(field: string, problem: string) {
    super('EDGE_RAFT_STORAGE_CONFIG_INVALID', `Raft storage option ${field}: ${problem}`);
    this.name = 'StorageConfigError';
  }
}

function errnoOf(cause: unknown): string | undefined {
  if (typeof cause !== 'object' || cause === null || !('code' in cause)) return undefined;
  const code = (cause as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
