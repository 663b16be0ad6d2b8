/**
 * What the store knows about each image, on disk as small JSON files:
 * `images/<config digest hex>.json` per image (the image ID is its config
 * digest, as in Docker) and one `refs.json` mapping names
 * ("docker.io/library/busybox:latest", "…@sha256:…") to image IDs. Files are
 * replaced by write-then-rename so a crash leaves the old or the new version.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestHex, type Digest } from './digest.js';
import { ImageError } from './errors.js';
import type { ImageRuntimeConfig, Platform } from './manifest.js';

export interface ImageLayer {
  /** Digest of the blob as stored (compressed, or the plain tar for docker-save). */
  digest: Digest;
  mediaType: string;
  sizeBytes: number;
  diffId: Digest;
  chainId: Digest;
}

export interface ImageRecord {
  /** Config digest: identical content gives an identical ID wherever it came from. */
  id: Digest;
  manifestDigest: Digest;
  /** The index (manifest list) the manifest was chosen from, if any. */
  indexDigest: Digest | null;
  platform: Platform;
  layers: ImageLayer[];
  config: ImageRuntimeConfig;
  createdMs: number;
}

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

export class ImageRecords {
  private readonly imageDir: string;
  private readonly refsPath: string;
  /** Serialises read-modify-write of refs.json between concurrent pulls. */
  private referencesQueue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.imageDir = join(dataDir, 'images');
    this.refsPath = join(dataDir, 'refs.json');
  }

  async init(): Promise<void> {
    await mkdir(this.imageDir, { recursive: true });
  }

  async get(id: Digest): Promise<ImageRecord | undefined> {
    try {
      return JSON.parse(await readFile(join(this.imageDir, `${digestHex(id)}.json`), 'utf8')) as ImageRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ImageError('EDGE_IMAGE_STORE_CORRUPT', `image record ${id} is unreadable (${(error as Error).message}); remove it with rm --force and pull again`, { cause: error });
    }
  }

  async put(record: ImageRecord): Promise<void> {
    await writeFileAtomic(join(this.imageDir, `${digestHex(record.id)}.json`), JSON.stringify(record, null, 1));
  }

  async delete(id: Digest): Promise<void> {
    await rm(join(this.imageDir, `${digestHex(id)}.json`), { force: true });
  }

  async list(): Promise<ImageRecord[]> {
    const records: ImageRecord[] = [];
    for (const name of await readdir(this.imageDir)) {
      if (!/^[a-f0-9]{64}\.json$/.test(name)) continue;
      const record = await this.get(`sha256:${name.slice(0, 64)}`);
      if (record !== undefined) records.push(record);
    }
    return records;
  }

  async references(): Promise<Record<string, Digest>> {
    try {
      return JSON.parse(await readFile(this.refsPath, 'utf8')) as Record<string, Digest>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new ImageError('EDGE_IMAGE_STORE_CORRUPT', `${this.refsPath} is unreadable (${(error as Error).message}); restore it or delete it and pull images again`, { cause: error });
    }
  }

  /** Applies edits to the name table in one atomic replace; `undefined` deletes a name. */
  updateReferences(edits: Record<string, Digest | undefined>): Promise<void> {
    const next = this.referencesQueue.then(() => this.applyReferenceEdits(edits));
    this.referencesQueue = next.catch(() => undefined);
    return next;
  }

  private async applyReferenceEdits(edits: Record<string, Digest | undefined>): Promise<void> {
    const table = await this.references();
    for (const [name, id] of Object.entries(edits)) {
      if (id === undefined) delete table[name];
      else table[name] = id;
    }
    await writeFileAtomic(this.refsPath, JSON.stringify(table, null, 1));
  }
}
