// The few file-system calls the Raft storage makes, behind an interface so a
// test (or the cluster simulator) can swap in a disk that loses unsynced
// writes, cuts writes short or fails fsync, and so every byte and fsync can be
// counted in one place.
import { open, readdir, readFile, rename, mkdir, rm, stat } from 'node:fs/promises';

/** An open file the storage appends to. Positions are explicit: no shared cursor. */
export interface StorageFile {
  /**
   * Writes `bytes` at `positionBytes`. May write fewer bytes than given (a
   * short write, e.g. when the disk fills up) and returns how many it wrote.
   */
  write(bytes: Uint8Array, positionBytes: number): Promise<number>;
  /** Makes the file's data and length durable (fdatasync: the length is data too). */
  sync(): Promise<void>;
  /** Cuts the file to `lengthBytes`. */
  truncate(lengthBytes: number): Promise<void>;
  close(): Promise<void>;
}

export interface FileSystem {
  /** Creates the directory and its parents; true if it did not exist before. */
  makeDirectory(path: string): Promise<boolean>;
  /** Names (not paths) of the entries in a directory. */
  list(directory: string): Promise<string[]>;
  fileBytes(path: string): Promise<number>;
  readFile(path: string): Promise<Uint8Array>;
  /** Creates a new empty file; fails if the path exists (never clobbers a log file). */
  create(path: string): Promise<StorageFile>;
  /** Opens an existing file for writing without truncating it. */
  openExisting(path: string): Promise<StorageFile>;
  rename(sourcePath: string, targetPath: string): Promise<void>;
  /** Removes a file; a missing file is not an error (removal is redone after a crash). */
  remove(path: string): Promise<void>;
  /** Makes creations, renames and removals in the directory durable. */
  syncDirectory(path: string): Promise<void>;
}

class NodeStorageFile implements StorageFile {
  constructor(private readonly handle: import('node:fs/promises').FileHandle) {}

  async write(bytes: Uint8Array, positionBytes: number): Promise<number> {
    const { bytesWritten } = await this.handle.write(bytes, 0, bytes.byteLength, positionBytes);
    return bytesWritten;
  }

  sync(): Promise<void> {
    return this.handle.datasync();
  }

  truncate(lengthBytes: number): Promise<void> {
    return this.handle.truncate(lengthBytes);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The real disk, through node:fs/promises. */
export function nodeFileSystem(): FileSystem {
  return {
    async makeDirectory(path) {
      return (await mkdir(path, { recursive: true })) !== undefined;
    },
    list: (directory) => readdir(directory),
    fileBytes: async (path) => (await stat(path)).size,
    readFile: async (path) => new Uint8Array(await readFile(path)),
    // 'wx': exclusive create, refuses to follow a planted symlink or reuse a file.
    create: async (path) => new NodeStorageFile(await open(path, 'wx', 0o600)),
    openExisting: async (path) => new NodeStorageFile(await open(path, 'r+')),
    rename: (sourcePath, targetPath) => rename(sourcePath, targetPath),
    remove: (path) => rm(path, { force: true }),
    async syncDirectory(path) {
      const handle = await open(path, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
  };
}
