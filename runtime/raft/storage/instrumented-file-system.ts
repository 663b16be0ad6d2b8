// The storage's view of the disk: every call counted (bytes handed to the OS,
// fsyncs) and every failure turned into a typed StorageIoError naming the
// operation and the path. Counting here, below all storage code, means no
// write can bypass the benchmark's numbers.
import { StorageIoError, type StorageOperation } from './errors.js';
import type { FileSystem, StorageFile } from './file-system.js';

export interface StorageStats {
  /** Bytes handed to the OS by write calls (log, snapshots, everything). */
  bytesWritten: number;
  /** fsync/fdatasync calls on files plus fsyncs of the directory. */
  fsyncs: number;
}

async function typed<T>(operation: StorageOperation, path: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof StorageIoError) throw error;
    throw new StorageIoError(operation, path, error);
  }
}

export class InstrumentedFile implements StorageFile {
  constructor(
    private readonly inner: StorageFile,
    readonly path: string,
    private readonly stats: StorageStats,
  ) {}

  async write(bytes: Uint8Array, positionBytes: number): Promise<number> {
    const written = await typed('write', this.path, () => this.inner.write(bytes, positionBytes));
    this.stats.bytesWritten += written;
    return written;
  }

  async sync(): Promise<void> {
    // Counted before the call: a failed fsync still cost a flush attempt.
    this.stats.fsyncs += 1;
    await typed('sync', this.path, () => this.inner.sync());
  }

  /** Writes all of `bytes`, looping over short writes; a write that makes no progress is an error. */
  async writeFully(bytes: Uint8Array, positionBytes: number): Promise<void> {
    let done = 0;
    while (done < bytes.byteLength) {
      const written = await this.write(bytes.subarray(done), positionBytes + done);
      if (written <= 0) {
        throw new StorageIoError('write', this.path, Object.assign(new Error('a write made no progress'), { code: 'EIO' }));
      }
      done += written;
    }
  }

  truncate(lengthBytes: number): Promise<void> {
    return typed('truncate', this.path, () => this.inner.truncate(lengthBytes));
  }

  close(): Promise<void> {
    return typed('close', this.path, () => this.inner.close());
  }
}

export class InstrumentedFileSystem {
  readonly stats: StorageStats = { bytesWritten: 0, fsyncs: 0 };

  constructor(private readonly inner: FileSystem) {}

  makeDirectory(path: string): Promise<boolean> {
    return typed('open', path, () => this.inner.makeDirectory(path));
  }

  list(directory: string): Promise<string[]> {
    return typed('list', directory, () => this.inner.list(directory));
  }

  fileBytes(path: string): Promise<number> {
    return typed('read', path, () => this.inner.fileBytes(path));
  }

  readFile(path: string): Promise<Uint8Array> {
    return typed('read', path, () => this.inner.readFile(path));
  }

  async create(path: string): Promise<InstrumentedFile> {
    return new InstrumentedFile(await typed('open', path, () => this.inner.create(path)), path, this.stats);
  }

  async openExisting(path: string): Promise<InstrumentedFile> {
    return new InstrumentedFile(await typed('open', path, () => this.inner.openExisting(path)), path, this.stats);
  }

  rename(sourcePath: string, targetPath: string): Promise<void> {
    return typed('rename', targetPath, () => this.inner.rename(sourcePath, targetPath));
  }

  remove(path: string): Promise<void> {
    return typed('remove', path, () => this.inner.remove(path));
  }

  async syncDirectory(path: string): Promise<void> {
    this.stats.fsyncs += 1;
    await typed('sync', path, () => this.inner.syncDirectory(path));
  }
}
