/**
 * Replace a file's contents so that after a crash or power cut the path holds
 * either the old bytes or the new bytes, never a torn mix, and never a file
 * with looser permissions than asked for.
 *
 * The sequence is the classic one: write a temporary file in the same
 * directory (rename is only atomic within one file system), fsync it, rename
 * it over the target, then fsync the directory so the rename itself survives
 * a power cut. Boards run from SD cards and lose power often; a private key
 * half written is a board that cannot rejoin.
 */
import { nodeCrypto } from './builtin.js';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { EdgeError } from './errors.js';

/** Owner read/write only: the right mode for private keys. */
export const PRIVATE_FILE_MODE = 0o600;

export interface AtomicWriteOptions {
  /**
   * Permission bits of the new file, applied with fchmod before the rename so
   * the umask cannot loosen or tighten them. Default 0o600 (owner only),
   * because the files this is used for first are private keys.
   */
  mode?: number;
}

export class AtomicWriteError extends EdgeError {
  readonly path: string;
  constructor(path: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'EDGE_FILE_WRITE_FAILED',
      `could not write ${path} (${reason}): check the disk is mounted read-write, not full, and the directory is writable by this user`,
      { retryable: true, cause },
    );
    this.name = 'AtomicWriteError';
    this.path = path;
  }
}

/** Writes `data` to `path` atomically and durably; see the file comment. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const mode = options.mode ?? PRIVATE_FILE_MODE;
  const directory = dirname(path);
  // Hidden, unique per writer, and recognisable as ours if a crash leaves it behind.
  const temporaryPath = join(directory, `.${basename(path)}.${process.pid}.${nodeCrypto().randomBytes(6).toString('hex')}.tmp`);
  try {
    // 'wx' fails rather than follow a symlink or reuse a file someone planted.
    const handle = await open(temporaryPath, 'wx', mode);
    try {
      await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporaryPath, path);
  } catch (error) {
    await unlink(temporaryPath).catch(() => undefined);
    throw new AtomicWriteError(path, error);
  }
  try {
    await syncDirectory(directory);
  } catch (error) {
    throw new AtomicWriteError(path, error);
  }
}

/** Makes a rename (or create/unlink) in `directory` durable. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
