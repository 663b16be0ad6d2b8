/**
 * The image store the agent and CLI use: pull, load, list, inspect, remove,
 * collect garbage, and prepare/release container root filesystems. Layout
 * under `dataDir` (see README.md): blobs/, ingest/, layers/, images/,
 * refs.json, rootfs/.
 */
import { systemClock, type Clock } from '../../common/clock.js';
import { ArchiveLoader, type LoadedImage } from './archive-load.js';
import { BlobStore } from './blob-store.js';
import { parseDigest, type Digest } from './digest.js';
import { ImageError } from './errors.js';
import { collectGarbage, type GarbageReport } from './garbage-collector.js';
import { ImageRecords, type ImageRecord } from './image-records.js';
import { LayerStore } from './layer-store.js';
import type { Platform } from './manifest.js';
import { hostPlatform, normalizePlatform, parsePlatform } from './platform.js';
import type { ProgressListener } from './progress.js';
import { defaultPullerLimits, Puller, type PullerLimits } from './puller.js';
import { formatReference, parseReference } from './reference.js';
import type { CredentialLookup } from './registry-auth.js';
import { RegistryClient } from './registry-client.js';
import { RootfsManager, type PreparedRootfs, type RootfsModePreference } from './rootfs.js';
import { StoreLock } from './store-lock.js';

export interface ImageServiceOptions {
  /** Directory holding the whole store; created if missing. Put it on the board's data partition. */
  dataDir: string;
  /** Registry domains reached over plain http ("127.0.0.1:5000"). Default none: https everywhere else. */
  insecureRegistries?: readonly string[];
  /** Username/password per registry domain, for Basic auth and token requests. Default: anonymous. */
  credentials?: CredentialLookup;
  /** Platform to pull, "linux/arm64" or an object. Default: this host's (process.arch). */
  platform?: Platform | string;
  /** Rootfs assembly: "overlay", "copy", or "auto" (overlay, falling back to copy). Default "auto". */
  rootfsMode?: RootfsModePreference;
  /** Connect + response-header limit per registry request, in ms. Default 30 000. */
  requestTimeoutMs?: number;
  /** A download delivering nothing for this long is retried (resumed), in ms. Default 30 000. */
  bodyIdleTimeoutMs?: number;
  /** Partial downloads younger than this survive garbage collection so a pull can resume, in ms. Default 24 h. */
  partialKeepMs?: number;
  /** Retry and concurrency limits of pulls. Defaults in puller.ts. */
  pullLimits?: Partial<PullerLimits>;
  clock?: Clock;
}

export interface PullOptions {
  /** Overrides the service's platform for this pull. */
  platform?: Platform | string;
  onProgress?: ProgressListener;
}

export interface ImageSummary {
  id: Digest;
  names: string[];
  platform: Platform;
  /** Sum of the stored (compressed) layer sizes. */
  sizeBytes: number;
  createdMs: number;
  /** Container ids whose prepared rootfs uses this image. */
  usedBy: string[];
}

export interface RemoveResult {
  /** Names removed. */
  untagged: string[];
  /** Set when the image record itself was deleted (its blobs go at the next garbage collection). */
  deleted: Digest | undefined;
}

export class ImageService {
  private readonly lock = new StoreLock();
  private readonly blobs: BlobStore;
  private readonly layers: LayerStore;
  private readonly records: ImageRecords;
  private readonly rootfs: RootfsManager;
  private readonly puller: Puller;
  private readonly loader: ArchiveLoader;
  private readonly platform: Platform;
  private readonly clock: Clock;

  private constructor(private readonly options: ImageServiceOptions) {
    this.clock = options.clock ?? systemClock;
    this.platform = toPlatform(options.platform ?? hostPlatform());
    this.blobs = new BlobStore(options.dataDir);
    this.layers = new LayerStore(options.dataDir);
    this.records = new ImageRecords(options.dataDir);
    this.rootfs = new RootfsManager(options.dataDir, this.layers, options.rootfsMode ?? 'auto');
    const client = new RegistryClient({ ...options, clock: this.clock });
    this.puller = new Puller(client, this.blobs, this.layers, this.records, { ...defaultPullerLimits, ...options.pullLimits });
    this.loader = new ArchiveLoader(this.blobs, this.layers, this.records);
  }

  static async open(options: ImageServiceOptions): Promise<ImageService> {
    const service = new ImageService(options);
    await Promise.all([service.blobs.init(), service.layers.init(), service.records.init(), service.rootfs.init()]);
    return service;
  }

  /** Pulls `reference` (e.g. "127.0.0.1:5000/app:1") for the service's or the given platform. */
  pull(reference: string, options: PullOptions = {}): Promise<ImageRecord> {
    const platform = options.platform === undefined ? this.platform : toPlatform(options.platform);
    // Two tasks of one service start together: one download, both wait for it (their blobs share ingest files).
    const key = `${reference}|${JSON.stringify(platform)}`;
    const running = this.pullsInFlight.get(key);
    if (running) return running;
    const pulling = this.lock.shared(() => this.puller.pull(reference, platform, options.onProgress)).finally(() => this.pullsInFlight.delete(key));
    this.pullsInFlight.set(key, pulling);
    return pulling;
  }

  private readonly pullsInFlight = new Map<string, Promise<ImageRecord>>();

  /** Imports every image in an OCI-layout or docker-save tar (optionally gzipped). */
  load(archivePath: string, options: { name?: string; platform?: Platform | string } = {}): Promise<LoadedImage[]> {
    const platform = options.platform === undefined ? this.platform : toPlatform(options.platform);
    return this.lock.shared(() => this.loader.load(archivePath, { platform, ...(options.name === undefined ? {} : { name: options.name }) }));
  }

  async list(): Promise<ImageSummary[]> {
    const [images, table, leases] = await Promise.all([this.records.list(), this.records.references(), this.rootfs.leases()]);
    return images
      .map((image) => ({
        id: image.id,
        names: Object.keys(table).filter((name) => table[name] === image.id).sort(),
        platform: image.platform,
        sizeBytes: image.layers.reduce((sum, layer) => sum + layer.sizeBytes, 0),
        createdMs: image.createdMs,
        usedBy: leases.filter((lease) => lease.imageId === image.id).map((lease) => lease.containerId).sort(),
      }))
      .sort((a, b) => b.createdMs - a.createdMs);
  }

  /** Finds an image by name ("busybox", "host/x:tag", "x@sha256:…"), full ID, or ID prefix of 12+ hex digits. */
  async inspect(referenceOrId: string): Promise<ImageRecord> {
    const id = await this.resolveId(referenceOrId);
    const record = await this.records.get(id);
    if (record === undefined) throw unknownImage(referenceOrId);
    return record;
  }

  /**
   * Removes a name, or an image with all its names. The last name of an image
   * a prepared rootfs uses cannot be removed without `force`.
   */
  remove(referenceOrId: string, options: { force?: boolean } = {}): Promise<RemoveResult> {
    return this.lock.exclusive(async () => {
      const byName = !isIdLike(referenceOrId);
      const id = await this.resolveId(referenceOrId);
      const table = await this.records.references();
      const allNames = Object.keys(table).filter((name) => table[name] === id);
      const removing = byName ? [formatReference(parseReference(referenceOrId))] : allNames;
      const lastName = allNames.every((name) => removing.includes(name));
      if (!lastName) {
        await this.records.updateReferences(Object.fromEntries(removing.map((name) => [name, undefined])));
        return { untagged: removing, deleted: undefined };
      }
      const users = (await this.rootfs.leases()).filter((lease) => lease.imageId === id).map((lease) => lease.containerId);
      if (users.length > 0 && options.force !== true) {
        throw new ImageError('EDGE_IMAGE_IN_USE', `image ${id} is used by the rootfs of container(s) ${users.join(', ')}; remove those containers first, or pass force (their layers stay until they are released)`);
      }
      await this.records.updateReferences(Object.fromEntries(allNames.map((name) => [name, undefined])));
      await this.records.delete(id);
      return { untagged: allNames, deleted: id };
    });
  }

  /** Deletes blobs and layers no image or rootfs needs. */
  collectGarbage(): Promise<GarbageReport> {
    return this.lock.exclusive(() => collectGarbage({ blobs: this.blobs, layers: this.layers, records: this.records, rootfs: this.rootfs }, this.options.partialKeepMs ?? 24 * 3600_000, this.clock.nowMs()));
  }

  /** Builds the container's root filesystem from an image (by ID or name) and leases the image. */
  prepareRootfs(imageId: string, containerId: string): Promise<PreparedRootfs> {
    return this.lock.shared(async () => this.rootfs.prepare(await this.inspect(imageId), containerId));
  }

  /** Unmounts and deletes a container's rootfs; releasing an unknown id does nothing. */
  releaseRootfs(containerId: string): Promise<void> {
    return this.lock.shared(() => this.rootfs.release(containerId));
  }

  private async resolveId(referenceOrId: string): Promise<Digest> {
    if (isIdLike(referenceOrId)) {
      const hex = referenceOrId.replace(/^sha256:/, '');
      if (hex.length === 64) return parseDigest(`sha256:${hex}`);
      const matches = (await this.records.list()).filter((image) => image.id.slice(7).startsWith(hex));
      if (matches.length === 1) return matches[0]!.id;
      if (matches.length > 1) throw new ImageError('EDGE_IMAGE_UNKNOWN', `image ID prefix ${hex} matches ${matches.length} images; give more digits`);
      throw unknownImage(referenceOrId);
    }
    const name = formatReference(parseReference(referenceOrId));
    const id = (await this.records.references())[name];
    if (id === undefined) throw unknownImage(referenceOrId);
    return id;
  }
}

function isIdLike(text: string): boolean {
  // A bare 12+ hex word is taken as an ID prefix, as Docker does, not as a Docker Hub name.
  return /^sha256:[a-f0-9]{64}$/.test(text) || /^[a-f0-9]{12,64}$/.test(text);
}

function unknownImage(text: string): ImageError {
  return new ImageError('EDGE_IMAGE_UNKNOWN', `no image "${text}" in the store; pull or load it first (list images with "edgectl image ls")`);
}

function toPlatform(platform: Platform | string): Platform {
  return typeof platform === 'string' ? parsePlatform(platform) : normalizePlatform(platform);
}
