/**
 * Content-addressed blobs (manifests, configs, compressed layers) under
 * `<dataDir>/blobs/sha256/<hex>`. A blob appears at its final name only after
 * its bytes were hashed and matched: writers fill `<dataDir>/ingest/<hex>.partial`,
 * verify, fsync, then rename. A partial file outlives a crash or a cut
 * connection so the next attempt can resume from its length.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { DigestVerifier, digestHex, parseDigest, sha256Digest, type Digest } from './digest.js';
import { ImageError } from './errors.js';

export class BlobStore {
  readonly blobDir: string;
  readonly ingestDir: string;

  constructor(dataDir: string) {
    this.blobDir = join(dataDir, 'blobs', 'sha256');
    this.ingestDir = join(dataDir, 'ingest');
  }

  async init(): Promise<void> {
    await mkdir(this.blobDir, { recursive: true });
    await mkdir(this.ingestDir, { recursive: true });
  }

  path(digest: Digest): string {
    return join(this.blobDir, digestHex(digest));
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      return (await stat(this.path(digest))).isFile();
    } catch {
      return false;
    }
  }

  async size(digest: Digest): Promise<number> {
    return (await stat(this.path(digest))).size;
  }

  /** Reads a small blob whole, refusing one over `bytesMax` before reading it. */
  async readBytes(digest: Digest, bytesMax: number, what: string): Promise<Uint8Array> {
    const size = await this.size(digest);
    if (size > bytesMax) throw new ImageError('EDGE_IMAGE_MANIFEST_TOO_LARGE', `${what} (${digest}) is ${size} bytes, over the ${bytesMax}-byte limit`);
    return readFile(this.path(digest));
  }

  /** Stores bytes already in memory, checking them against `expected` when given. */
  async putBytes(bytes: Uint8Array, expected: Digest | undefined, what: string): Promise<Digest> {
    const digest = expected ?? sha256Digest(bytes);
    const ingest = await this.openIngest(digest, bytes.byteLength, what, { resume: false });
    try {
      await ingest.write(bytes);
      await ingest.commit();
    } catch (error) {
      await ingest.discard();
      throw error;
    }
    return digest;
  }

  /**
   * Opens (or resumes) the partial file for `digest`. With `resume`, bytes
   * already on disk are re-hashed so verification still covers the whole blob.
   */
  async openIngest(digest: Digest, expectedBytes: number | undefined, what: string, options: { resume: boolean }): Promise<Ingest> {
    const partialPath = join(this.ingestDir, `${digestHex(digest)}.partial`);
    const verifier = new DigestVerifier(digest, expectedBytes, what);
    const handle = await open(partialPath, options.resume ? 'a+' : 'w+');
    const existingBytes = (await handle.stat()).size;
    const ingest = new Ingest(handle, partialPath, this.path(digest), verifier);
    if (existingBytes > 0 && expectedBytes !== undefined && existingBytes > expectedBytes) await ingest.restart();
    else if (existingBytes > 0) {
      for await (const chunk of createReadStream(partialPath, { end: existingBytes - 1 })) verifier.update(chunk as Buffer);
    }
    return ingest;
  }

  async list(): Promise<Digest[]> {
    const names = await readdir(this.blobDir);
    return names.filter((name) => /^[a-f0-9]{64}$/.test(name)).map((name) => parseDigest(`sha256:${name}`));
  }

  async remove(digest: Digest): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  /** Partial downloads, for garbage collection. */
  async listIngests(): Promise<string[]> {
    return (await readdir(this.ingestDir)).map((name) => join(this.ingestDir, name));
  }
}

/** One blob being written. Appends only; `commit` verifies then publishes. */
export class Ingest {
  constructor(
    private readonly handle: FileHandle,
    private readonly partialPath: string,
    private readonly finalPath: string,
    private readonly verifier: DigestVerifier,
  ) {}

  /** Bytes already written (and hashed): where a resumed download starts. */
  get offsetBytes(): number {
    return this.verifier.bytes;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.verifier.update(chunk);
    let offset = 0;
    while (offset < chunk.byteLength) {
      const { bytesWritten } = await this.handle.write(chunk, offset, chunk.byteLength - offset);
      offset += bytesWritten;
    }
  }

  /** Drops what was written, for a server that ignored our Range request. */
  async restart(): Promise<void> {
    await this.handle.truncate(0);
    this.verifier.reset();
  }

  /** Verifies, syncs and renames into place. On a mismatch it throws and the caller discards or restarts. */
  async commit(): Promise<void> {
    this.verifier.check();
    await this.handle.sync();
    await this.handle.close();
    await rename(this.partialPath, this.finalPath);
  }

  /** Closes and keeps the partial file so a later attempt resumes. */
  async suspend(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.partialPath, { force: true });
  }
}
