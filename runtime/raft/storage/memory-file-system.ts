// A disk in memory that behaves like a careful reading of POSIX, for tests and
// the cluster simulator: file data is durable only after the file's fsync,
// and creations, renames and removals only after the directory's fsync.
// crash() returns the disk as a power cut would leave it. Faults (short
// writes, failing writes or fsyncs) are injected through `faults`.
import { dirname } from 'node:path';
import type { FileSystem, StorageFile } from './file-system.js';

interface Inode {
  data: Uint8Array;
  lengthBytes: number;
  /** What a crash leaves: the content at the last fsync (empty if never synced). */
  durable: Uint8Array;
}

/** Hooks called before an operation; returning an Error fails it. */
export interface MemoryFaults {
  /** Return a smaller count to cut the write short, or an Error to fail it. */
  write?(path: string, lengthBytes: number): number | Error | undefined;
  sync?(path: string): Error | undefined;
  /** Awaited before a file fsync completes: a slow or stalled disk. */
  syncDelay?(path: string): Promise<void> | undefined;
  syncDirectory?(path: string): Error | undefined;
}

/** An Error shaped like Node's, with an errno name in `code`. */
export function errnoError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

class MemoryFile implements StorageFile {
  private closed = false;

  constructor(
    private readonly fileSystem: MemoryFileSystem,
    private readonly path: string,
    private readonly inode: Inode,
  ) {}

  async write(bytes: Uint8Array, positionBytes: number): Promise<number> {
    this.checkOpen();
    const fault = this.fileSystem.faults.write?.(this.path, bytes.byteLength);
    if (fault instanceof Error) throw fault;
    const count = fault === undefined ? bytes.byteLength : Math.max(0, Math.min(fault, bytes.byteLength));
    const endBytes = positionBytes + count;
    if (endBytes > this.inode.data.byteLength) {
      const grown = new Uint8Array(Math.max(endBytes, this.inode.data.byteLength * 2, 4096));
      grown.set(this.inode.data.subarray(0, this.inode.lengthBytes));
      this.inode.data = grown;
    }
    this.inode.data.set(bytes.subarray(0, count), positionBytes);
    this.inode.lengthBytes = Math.max(this.inode.lengthBytes, endBytes);
    return count;
  }

  async sync(): Promise<void> {
    this.checkOpen();
    await this.fileSystem.faults.syncDelay?.(this.path);
    const fault = this.fileSystem.faults.sync?.(this.path);
    if (fault) throw fault;
    this.inode.durable = this.inode.data.slice(0, this.inode.lengthBytes);
  }

  async truncate(lengthBytes: number): Promise<void> {
    this.checkOpen();
    if (lengthBytes < this.inode.lengthBytes) this.inode.data.fill(0, lengthBytes, this.inode.lengthBytes);
    else await this.write(new Uint8Array(lengthBytes - this.inode.lengthBytes), this.inode.lengthBytes);
    this.inode.lengthBytes = lengthBytes;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw errnoError('EBADF', `${this.path} is closed`);
  }
}

export class MemoryFileSystem implements FileSystem {
  faults: MemoryFaults = {};
  private readonly directories = new Set<string>();
  private readonly names = new Map<string, Inode>();
  private readonly durableNames = new Map<string, Inode>();

  async makeDirectory(path: string): Promise<boolean> {
    // Directories are durable at once: the storage's directory is made once per node.
    const created = !this.directories.has(path);
    for (let current = path; !this.directories.has(current); current = dirname(current)) {
      this.directories.add(current);
      if (dirname(current) === current) break;
    }
    return created;
  }

  async list(directory: string): Promise<string[]> {
    if (!this.directories.has(directory)) throw errnoError('ENOENT', `no directory ${directory}`);
    const prefix = directory.endsWith('/') ? directory : `${directory}/`;
    return [...this.names.keys()]
      .filter((path) => path.startsWith(prefix) && !path.slice(prefix.length).includes('/'))
      .map((path) => path.slice(prefix.length));
  }

  async fileBytes(path: string): Promise<number> {
    return this.inodeAt(path).lengthBytes;
  }

  async readFile(path: string): Promise<Uint8Array> {
    const inode = this.inodeAt(path);
    return inode.data.slice(0, inode.lengthBytes);
  }

  async create(path: string): Promise<StorageFile> {
    if (!this.directories.has(dirname(path))) throw errnoError('ENOENT', `no directory ${dirname(path)}`);
    if (this.names.has(path)) throw errnoError('EEXIST', `${path} exists`);
    const inode: Inode = { data: new Uint8Array(0), lengthBytes: 0, durable: new Uint8Array(0) };
    this.names.set(path, inode);
    return new MemoryFile(this, path, inode);
  }

  async openExisting(path: string): Promise<StorageFile> {
    return new MemoryFile(this, path, this.inodeAt(path));
  }

  async rename(sourcePath: string, targetPath: string): Promise<void> {
    const inode = this.inodeAt(sourcePath);
    this.names.delete(sourcePath);
    this.names.set(targetPath, inode);
  }

  async remove(path: string): Promise<void> {
    this.names.delete(path);
  }

  async syncDirectory(path: string): Promise<void> {
    if (!this.directories.has(path)) throw errnoError('ENOENT', `no directory ${path}`);
    const fault = this.faults.syncDirectory?.(path);
    if (fault) throw fault;
    for (const name of [...this.durableNames.keys()]) if (dirname(name) === path) this.durableNames.delete(name);
    for (const [name, inode] of this.names) if (dirname(name) === path) this.durableNames.set(name, inode);
  }

  /**
   * The disk after a power cut: names as of each directory's last fsync, each
   * file's bytes as of its last fsync. Handles into this instance stay open
   * but write into a world nobody reads again.
   */
  crash(): MemoryFileSystem {
    const after = new MemoryFileSystem();
    for (const directory of this.directories) after.directories.add(directory);
    for (const [name, inode] of this.durableNames) {
      const durable = inode.durable.slice();
      const copy: Inode = { data: durable, lengthBytes: durable.byteLength, durable: durable.slice() };
      after.names.set(name, copy);
      after.durableNames.set(name, copy);
    }
    return after;
  }

  /** Test helper: replaces a file's bytes, durably (as if the disk had always held them). */
  overwriteDurably(path: string, bytes: Uint8Array): void {
    const inode = this.inodeAt(path);
    inode.data = bytes.slice();
    inode.lengthBytes = bytes.byteLength;
    inode.durable = bytes.slice();
  }

  private inodeAt(path: string): Inode {
    const inode = this.names.get(path);
    if (!inode) throw errnoError('ENOENT', `no file ${path}`);
    return inode;
  }
}
