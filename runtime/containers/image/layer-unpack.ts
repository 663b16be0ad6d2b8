/**
 * Applies one layer tar to an empty directory, producing the layer's diff as
 * overlayfs expects it: whiteouts become 0/0 character devices and opaque
 * directories become explicit whiteouts (see opaque.ts). Every path is
 * checked before it is touched; nothing is ever written through a symlink.
 * The uncompressed bytes are hashed on the way through and must match the
 * diff ID the image config declares.
 */
import { nodeCrypto } from '../../common/builtin.js';
import { chmod, copyFile, lchown, link, lstat, lutimes, mkdir, open, readlink, rm, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Digest } from './digest.js';
import { ImageError } from './errors.js';
import { applyOpaque } from './opaque.js';
import { isWhiteout, makeFifo, makeWhiteout } from './special-files.js';
import { classifyWhiteout, entrySegments, unsafePath } from './tar-path.js';
import { TarReader, type TarEvent, type TarHeader } from './tar-reader.js';

export interface LayerUnpackOptions {
  /** Existing empty directory that receives the diff. */
  targetDir: string;
  /** Unpacked diffs of the layers below, top first; used for opaque directories and cross-layer hardlinks. */
  lowerDirs: readonly string[];
  /** When set, the uncompressed stream must hash to this. */
  expectedDiffId?: Digest;
  /** Apply tar uid/gid (needs root). Defaults to whether this process is root. */
  preserveOwnership?: boolean;
  /** Called with the count of uncompressed bytes consumed so far. */
  onBytes?: (uncompressedBytes: number) => void;
}

export interface LayerUnpackResult {
  diffId: Digest;
  uncompressedBytes: number;
  entries: number;
  whiteouts: number;
  /** Device nodes skipped: runc builds /dev itself, and an image's device files grant nothing useful. */
  skippedDevices: number;
}

export async function unpackLayer(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: LayerUnpackOptions): Promise<LayerUnpackResult> {
  const writer = new LayerWriter(options);
  const reader = new TarReader();
  const hash = nodeCrypto().createHash('sha256');
  let uncompressedBytes = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    uncompressedBytes += chunk.byteLength;
    for (const event of reader.push(chunk)) await writer.handle(event);
    options.onBytes?.(uncompressedBytes);
  }
  for (const event of reader.finish()) await writer.handle(event);
  const diffId: Digest = `sha256:${hash.digest('hex')}`;
  if (options.expectedDiffId !== undefined && diffId !== options.expectedDiffId) {
    throw new ImageError('EDGE_IMAGE_DIGEST_MISMATCH', `layer content hashes to ${diffId} but the image config declares ${options.expectedDiffId}; the layer or config is corrupt, so it was not used: re-push or rebuild the image`);
  }
  await writer.finish();
  return { diffId, uncompressedBytes, entries: writer.entries, whiteouts: writer.whiteouts, skippedDevices: writer.skippedDevices };
}

class LayerWriter {
  entries = 0;
  whiteouts = 0;
  skippedDevices = 0;
  private readonly knownDirectories = new Set<string>(['']);
  private readonly opaqueDirectories: string[] = [];
  private readonly directoryTimes: [string, number][] = [];
  private file: { handle: import('node:fs/promises').FileHandle; path: string; header: TarHeader } | undefined;
  private readonly preserveOwnership: boolean;

  constructor(private readonly options: LayerUnpackOptions) {
    this.preserveOwnership = options.preserveOwnership ?? process.getuid?.() === 0;
  }

  async handle(event: TarEvent): Promise<void> {
    switch (event.kind) {
      case 'entry':
        this.entries++;
        return this.onEntry(event.header);
      case 'data':
        if (this.file !== undefined) await writeAll(this.file.handle, event.bytes);
        return;
      case 'entry-end':
        return this.closeFile();
      case 'end':
        return;
    }
  }

  async finish(): Promise<void> {
    await this.closeFile();
    for (const relative of this.opaqueDirectories) {
      this.whiteouts += await applyOpaque(this.options.targetDir, this.options.lowerDirs, relative);
    }
    // Children first, so setting a parent's time is not undone by its children.
    for (const [path, mtimeMs] of this.directoryTimes.reverse()) await utimes(path, mtimeMs / 1000, mtimeMs / 1000);
  }

  private async closeFile(): Promise<void> {
    const file = this.file;
    if (file === undefined) return;
    this.file = undefined;
    await file.handle.close();
    await this.applyMetadata(file.path, file.header);
  }

  private async onEntry(header: TarHeader): Promise<void> {
    const segments = entrySegments(header.path);
    if (segments.length === 0) return; // the layer root: its directory already exists
    const whiteout = classifyWhiteout(segments);
    if (whiteout.kind === 'meta') return;
    if (whiteout.kind === 'opaque') {
      await this.ensureDirectory(whiteout.directory, header.path);
      this.opaqueDirectories.push(whiteout.directory.join('/'));
      return;
    }
    const target = whiteout.kind === 'whiteout' ? whiteout.target : segments;
    await this.ensureDirectory(target.slice(0, -1), header.path);
    const path = join(this.options.targetDir, ...target);
    const keepDirectory = whiteout.kind === 'none' && header.type === 'directory';
    await this.removeExisting(target.join('/'), path, keepDirectory);
    if (whiteout.kind === 'whiteout') {
      await makeWhiteout(path);
      this.whiteouts++;
      return;
    }
    await this.create(header, segments, path);
  }

  private async create(header: TarHeader, segments: string[], path: string): Promise<void> {
    switch (header.type) {
      case 'directory':
        await mkdir(path, { recursive: true, mode: 0o700 });
        this.knownDirectories.add(segments.join('/'));
        await this.applyMetadata(path, header);
        this.directoryTimes.push([path, header.mtimeMs]);
        return;
      case 'file':
        this.file = { handle: await open(path, 'wx', 0o600), path, header };
        return;
      case 'symlink':
        await symlink(header.linkPath, path);
        return this.applyMetadata(path, header);
      case 'hardlink':
        return this.createHardlink(header, path);
      case 'fifo':
        await makeFifo(path, header.mode);
        return this.applyMetadata(path, header);
      case 'char-device':
      case 'block-device':
        this.skippedDevices++;
        return;
    }
  }

  private async applyMetadata(path: string, header: TarHeader): Promise<void> {
    if (this.preserveOwnership) await lchown(path, header.uid, header.gid);
    if (header.type === 'symlink') {
      await lutimes(path, header.mtimeMs / 1000, header.mtimeMs / 1000);
      return;
    }
    // After chown: chown clears setuid/setgid bits.
    await chmod(path, header.mode);
    if (header.type !== 'directory') await utimes(path, header.mtimeMs / 1000, header.mtimeMs / 1000);
  }

  /** Makes every component a real directory, refusing to pass through a symlink. */
  private async ensureDirectory(segments: readonly string[], entryPath: string): Promise<void> {
    for (let depth = 1; depth <= segments.length; depth++) {
      const relative = segments.slice(0, depth).join('/');
      if (this.knownDirectories.has(relative)) continue;
      const path = join(this.options.targetDir, relative);
      const stats = await lstatOrUndefined(path);
      if (stats === undefined) await mkdir(path, { mode: 0o755 });
      else if (stats.isSymbolicLink()) throw unsafePath(entryPath, `passes through the symlink "${relative}"`);
      else if (!stats.isDirectory()) throw unsafePath(entryPath, `passes through "${relative}", which is not a directory`);
      this.knownDirectories.add(relative);
    }
  }

  private async removeExisting(relative: string, path: string, keepDirectory: boolean): Promise<void> {
    const stats = await lstatOrUndefined(path);
    if (stats === undefined) return;
    if (keepDirectory && stats.isDirectory()) return;
    await rm(path, { recursive: true, force: true });
    for (const known of this.knownDirectories) {
      if (known === relative || known.startsWith(`${relative}/`)) this.knownDirectories.delete(known);
    }
  }

  /**
   * Hardlink targets are root-relative paths. A target in this layer is
   * linked; one only in a lower layer is copied (a link cannot span layer
   * directories and still be a diff).
   */
  private async createHardlink(header: TarHeader, path: string): Promise<void> {
    const targetSegments = entrySegments(header.linkPath);
    if (targetSegments.length === 0) throw unsafePath(header.path, 'is a hardlink to the root directory');
    for (const root of [this.options.targetDir, ...this.options.lowerDirs]) {
      const found = await resolveWithoutSymlinks(root, targetSegments, header.path);
      if (found === undefined) continue;
      if (found.isDirectory()) throw unsafePath(header.path, 'is a hardlink to a directory');
      if (isWhiteout(found)) break; // deleted by a layer above: nothing to link to
      const source = join(root, ...targetSegments);
      if (root === this.options.targetDir) await link(source, path);
      else if (found.isSymbolicLink()) await symlink(await readlink(source), path);
      else if (!found.isFile()) throw unsafePath(header.path, 'is a hardlink to a special file in a lower layer');
      else {
        // copyFile follows symlinks, which is why they are handled above.
        await copyFile(source, path);
        if (this.preserveOwnership) await lchown(path, found.uid, found.gid);
        await chmod(path, found.mode & 0o7777);
      }
      return;
    }
    throw new ImageError('EDGE_IMAGE_BAD_TAR', `layer entry "${header.path}" is a hardlink to "${header.linkPath}", which exists in no layer; the layer is corrupt, rebuild the image`);
  }
}

/** lstat of root/segments, refusing symlinks in any parent; undefined when absent. */
async function resolveWithoutSymlinks(root: string, segments: readonly string[], entryPath: string) {
  for (let depth = 1; depth < segments.length; depth++) {
    const stats = await lstatOrUndefined(join(root, ...segments.slice(0, depth)));
    if (stats === undefined) return undefined;
    if (stats.isSymbolicLink()) throw unsafePath(entryPath, `links through the symlink "${segments.slice(0, depth).join('/')}"`);
    if (!stats.isDirectory()) return undefined;
  }
  return lstatOrUndefined(join(root, ...segments));
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

async function writeAll(handle: import('node:fs/promises').FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset);
    offset += bytesWritten;
  }
}
