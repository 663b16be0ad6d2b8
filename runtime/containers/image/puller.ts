/**
 * The pull pipeline: resolve the reference to a manifest (choosing a platform
 * from an index), fetch the config, download every layer blob (verified while
 * streaming, resumed with Range after a break), unpack each layer once, and
 * record the image with its names. Stages write in this order, so a crash at
 * any point leaves only verified blobs, complete layers, or a partial file
 * the next pull resumes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BlobStore } from './blob-store.js';
import { sha256Digest, type Digest } from './digest.js';
import { ImageError } from './errors.js';
import type { ImageRecord, ImageRecords } from './image-records.js';
import { chainIds, type LayerStore } from './layer-store.js';
import { uncompressedLayer } from './layer-stream.js';
import { configBytesMax, parseImageConfig, parseManifestOrIndex, type Descriptor, type ImageManifest, type Platform } from './manifest.js';
import { formatPlatform, platformRuns, selectPlatform } from './platform.js';
import type { ProgressListener } from './progress.js';
import { formatReference, parseReference, repositoryName, type ImageReference } from './reference.js';
import type { RegistryClient } from './registry-client.js';

export interface PullerLimits {
  /** Attempts per blob before giving up on a connection that keeps breaking. */
  blobAttemptsMax: number;
  /** Delay before the first retry, doubled each time, in ms. */
  retryDelayMs: number;
  /** Layers downloaded at once; more rarely helps a board on one link and costs memory. */
  downloadsConcurrentMax: number;
}

export const defaultPullerLimits: PullerLimits = { blobAttemptsMax: 5, retryDelayMs: 500, downloadsConcurrentMax: 3 };

interface Resolved {
  manifest: ImageManifest;
  manifestDigest: Digest;
  indexDigest: Digest | null;
}

export class Puller {
  /** Downloads in progress by digest, so two pulls sharing a layer fetch it once. */
  private readonly inflight = new Map<Digest, Promise<void>>();

  constructor(
    private readonly client: RegistryClient,
    private readonly blobs: BlobStore,
    private readonly layers: LayerStore,
    private readonly records: ImageRecords,
    private readonly limits: PullerLimits,
  ) {}

  async pull(referenceText: string, platform: Platform, onProgress: ProgressListener | undefined): Promise<ImageRecord> {
    const reference = parseReference(referenceText);
    const name = formatReference(reference);
    const { manifest, manifestDigest, indexDigest } = await this.resolve(reference, platform);
    if (manifest.config.size > configBytesMax) throw new ImageError('EDGE_IMAGE_MANIFEST_TOO_LARGE', `${name}: its config is ${manifest.config.size} bytes, over the ${configBytesMax}-byte limit`);
    await this.download(reference, manifest.config, 'config', undefined);
    const config = parseImageConfig(await this.blobs.readBytes(manifest.config.digest, configBytesMax, `config of ${name}`), `config of ${name}`);
    if (indexDigest === null && !platformRuns(config.platform, platform)) {
      throw new ImageError('EDGE_IMAGE_PLATFORM_NOT_FOUND', `${name} is a single-platform image for ${formatPlatform(config.platform)}, not ${formatPlatform(platform)}; available: ${formatPlatform(config.platform)}`);
    }
    if (config.diffIds.length !== manifest.layers.length) {
      throw new ImageError('EDGE_IMAGE_BAD_MANIFEST', `${name}: the manifest lists ${manifest.layers.length} layers but the config ${config.diffIds.length}; the image is broken, rebuild it`);
    }
    onProgress?.({ phase: 'resolved', reference: name, imageId: manifest.config.digest, layers: manifest.layers.map((layer) => ({ digest: layer.digest, totalBytes: layer.size })) });
    const chain = chainIds(config.diffIds);
    const downloads = this.startDownloads(reference, manifest.layers, onProgress);
    // Unpack in order as soon as each layer (and the ones below it) has arrived.
    for (const [index, layer] of manifest.layers.entries()) {
      await downloads[index];
      await this.layers.ensure(chain, config.diffIds, index, () => uncompressedLayer(this.blobs.path(layer.digest), `layer ${layer.digest}`), (bytesDone) =>
        onProgress?.({ phase: 'unpack', digest: layer.digest, bytesDone }),
      );
    }
    const record: ImageRecord = {
      id: manifest.config.digest,
      manifestDigest,
      indexDigest,
      platform: config.platform,
      layers: manifest.layers.map((layer, index) => ({ digest: layer.digest, mediaType: layer.mediaType, sizeBytes: layer.size, diffId: config.diffIds[index]!, chainId: chain[index]! })),
      config: config.runtime,
      createdMs: Date.now(),
    };
    await this.records.put(record);
    const names: Record<string, Digest> = { [`${repositoryName(reference)}@${reference.digest ?? indexDigest ?? manifestDigest}`]: record.id };
    if (reference.tag !== undefined) names[`${repositoryName(reference)}:${reference.tag}`] = record.id;
    await this.records.updateReferences(names);
    onProgress?.({ phase: 'done', imageId: record.id });
    return record;
  }

  private async resolve(reference: ImageReference, platform: Platform): Promise<Resolved> {
    const name = formatReference(reference);
    const top = await this.fetchManifest(reference, reference.digest ?? reference.tag!, reference.digest as Digest | undefined, name);
    if (top.document.kind === 'manifest') return { manifest: top.document, manifestDigest: top.digest, indexDigest: null };
    const chosen = selectPlatform(top.document.manifests, platform, name);
    const child = await this.fetchManifest(reference, chosen.digest, chosen.digest, `${name} (${formatPlatform(platform)})`);
    if (child.document.kind !== 'manifest') throw new ImageError('EDGE_IMAGE_BAD_MANIFEST', `${name}: the index entry for ${formatPlatform(platform)} is itself an index; nested indexes are not supported`);
    return { manifest: child.document, manifestDigest: child.digest, indexDigest: top.digest };
  }

  private async fetchManifest(reference: ImageReference, tagOrDigest: string, expected: Digest | undefined, what: string) {
    const fetched = await this.client.fetchManifest(reference, tagOrDigest);
    const digest = sha256Digest(fetched.bytes);
    // A pinned digest must match; for a tag, the registry's own header must at least agree with the bytes.
    const claimed = expected ?? (fetched.headerDigest?.startsWith('sha256:') ? fetched.headerDigest : undefined);
    if (claimed !== undefined && claimed !== digest) {
      throw new ImageError('EDGE_IMAGE_DIGEST_MISMATCH', `manifest of ${what}: expected ${claimed} but the bytes hash to ${digest}; the registry served altered content, so it was refused`);
    }
    const document = parseManifestOrIndex(fetched.bytes, fetched.contentType, `manifest of ${what}`);
    await this.blobs.putBytes(fetched.bytes, digest, `manifest of ${what}`);
    return { document, digest };
  }

  private startDownloads(reference: ImageReference, layers: readonly Descriptor[], onProgress: ProgressListener | undefined): Promise<void>[] {
    let running = 0;
    const waiting: (() => void)[] = [];
    const slot = async (): Promise<void> => {
      if (running >= this.limits.downloadsConcurrentMax) await new Promise<void>((resolve) => waiting.push(resolve));
      running++;
    };
    const downloads = layers.map(async (layer) => {
      await slot();
      try {
        await this.download(reference, layer, 'layer', onProgress);
      } finally {
        running--;
        waiting.shift()?.();
      }
    });
    // Failures surface when the unpack loop awaits each one; this only stops "unhandled rejection".
    for (const download of downloads) download.catch(() => undefined);
    return downloads;
  }

  private download(reference: ImageReference, descriptor: Descriptor, kind: string, onProgress: ProgressListener | undefined): Promise<void> {
    const running = this.inflight.get(descriptor.digest);
    if (running !== undefined) return running;
    const started = this.downloadOnce(reference, descriptor, kind, onProgress).finally(() => this.inflight.delete(descriptor.digest));
    this.inflight.set(descriptor.digest, started);
    return started;
  }

  private async downloadOnce(reference: ImageReference, descriptor: Descriptor, kind: string, onProgress: ProgressListener | undefined): Promise<void> {
    const { digest, size } = descriptor;
    if (await this.blobs.has(digest)) {
      onProgress?.({ phase: 'exists', digest, bytesTotal: size });
      return;
    }
    const what = `${kind} ${digest} of ${repositoryName(reference)}`;
    const ingest = await this.blobs.openIngest(digest, size, what, { resume: true });
    // Bytes left by an earlier run are trusted only until the digest says otherwise.
    let resumedFromDisk = ingest.offsetBytes > 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.client.fetchBlob(reference, digest, ingest.offsetBytes);
        // The server ignored our Range and sends from byte 0: start over.
        if (!response.partial && ingest.offsetBytes > 0) await ingest.restart();
        for await (const chunk of response.body) {
          await ingest.write(chunk);
          onProgress?.({ phase: 'download', digest, bytesDone: ingest.offsetBytes, bytesTotal: size });
        }
        if (ingest.offsetBytes < size) throw new ImageError('EDGE_IMAGE_NETWORK', `${what}: the connection closed after ${ingest.offsetBytes} of ${size} bytes`, { retryable: true });
        await ingest.commit();
        return;
      } catch (error) {
        if (resumedFromDisk && error instanceof ImageError && error.code === 'EDGE_IMAGE_DIGEST_MISMATCH') {
          resumedFromDisk = false;
          await ingest.restart();
          onProgress?.({ phase: 'retry', digest, fromByte: 0, attempt, reason: 'the partial download left by an earlier attempt was corrupt' });
          continue;
        }
        const retryable = error instanceof ImageError && error.retryable;
        if (!retryable || attempt >= this.limits.blobAttemptsMax) {
          // Keep a partial download only when trying again later could finish it.
          if (retryable) await ingest.suspend();
          else await ingest.discard();
          throw error;
        }
        onProgress?.({ phase: 'retry', digest, fromByte: ingest.offsetBytes, attempt, reason: (error as Error).message });
        await sleep(Math.min(this.limits.retryDelayMs * 2 ** (attempt - 1), 30_000));
      }
    }
  }
}
