/**
 * `load`: imports images from an archive for boards with no registry access.
 * Two formats, told apart by their top-level files:
 *  - OCI image layout (oci-layout + index.json + blobs/sha256/…), as written
 *    by `skopeo copy … oci-archive:` or `docker save` since Docker 25;
 *  - docker-save (manifest.json listing Config, RepoTags and Layers paths).
 * Every blob is checked against the digest that names it; docker-save images,
 * which have no manifest, get a synthesized OCI manifest so the store treats
 * all images alike.
 */
import { mkdtemp, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { badArchive, stageArchive, stagedFile, type StagedArchive } from './archive-extract.js';
import type { BlobStore } from './blob-store.js';
import { sha256Digest, type Digest } from './digest.js';
import { ImageError } from './errors.js';
import type { ImageRecord, ImageRecords } from './image-records.js';
import { chainIds, type LayerStore } from './layer-store.js';
import { sniffCompression, uncompressedLayer } from './layer-stream.js';
import { configBytesMax, manifestBytesMax, mediaTypes, parseImageConfig, parseManifestOrIndex, type Descriptor, type Platform } from './manifest.js';
import { selectPlatform } from './platform.js';
import { formatReference, parseReference } from './reference.js';

export interface LoadOptions {
  /** Platform to take from a multi-platform archive. */
  platform: Platform;
  /** Name to give the image(s) instead of the names stored in the archive. */
  name?: string;
}

export interface LoadedImage {
  record: ImageRecord;
  /** Names pointed at the image, canonical form ("docker.io/library/busybox:latest"). */
  names: string[];
}

interface Candidate {
  manifestBytes: Uint8Array;
  indexDigest: Digest | null;
  names: string[];
}

export class ArchiveLoader {
  constructor(private readonly blobs: BlobStore, private readonly layers: LayerStore, private readonly records: ImageRecords) {}

  async load(archivePath: string, options: LoadOptions): Promise<LoadedImage[]> {
    const stagingDir = await mkdtemp(join(this.blobs.ingestDir, 'load-'));
    try {
      const archive = await stageArchive(archivePath, stagingDir);
      const candidates = archive.files.has('index.json') ? await this.ociCandidates(archive, archivePath, options) : await this.dockerCandidates(archive, archivePath);
      if (candidates.length === 0) throw badArchive(archivePath, 'it contains no image');
      const loaded: LoadedImage[] = [];
      for (const candidate of candidates) loaded.push(await this.importImage(archive, archivePath, candidate, options));
      return loaded;
    } finally {
      await rm(stagingDir, { recursive: true, force: true });
    }
  }

  private async readJson(archive: StagedArchive, path: string, archivePath: string): Promise<unknown> {
    const file = stagedFile(archive, path, archivePath);
    if (file.sizeBytes > manifestBytesMax) throw badArchive(archivePath, `${path} is over ${manifestBytesMax} bytes`);
    try {
      return JSON.parse(await readFile(file.stagingPath, 'utf8'));
    } catch (error) {
      throw badArchive(archivePath, `${path} is not JSON (${(error as Error).message})`);
    }
  }

  /** Reads a blob of an OCI layout, checking its bytes against its name. */
  private async blobBytes(archive: StagedArchive, digest: Digest, archivePath: string): Promise<Uint8Array> {
    const file = stagedFile(archive, `blobs/sha256/${digest.slice(7)}`, archivePath);
    if (file.digest !== digest) throw digestMismatch(archivePath, digest, file.digest);
    return readFile(file.stagingPath);
  }

  private async ociCandidates(archive: StagedArchive, archivePath: string, options: LoadOptions): Promise<Candidate[]> {
    const indexBytes = Buffer.from(JSON.stringify(await this.readJson(archive, 'index.json', archivePath)));
    const index = parseManifestOrIndex(indexBytes, mediaTypes.ociIndex, `index.json of ${archivePath}`);
    if (index.kind !== 'index') throw badArchive(archivePath, 'index.json is not an image index');
    const candidates: Candidate[] = [];
    for (const entry of index.manifests) {
      let bytes = await this.blobBytes(archive, entry.digest, archivePath);
      let document = parseManifestOrIndex(bytes, entry.mediaType, `manifest ${entry.digest} of ${archivePath}`);
      let indexDigest: Digest | null = null;
      if (document.kind === 'index') {
        const chosen = selectPlatform(document.manifests, options.platform, `${archivePath} (${entry.digest})`);
        indexDigest = entry.digest;
        bytes = await this.blobBytes(archive, chosen.digest, archivePath);
        document = parseManifestOrIndex(bytes, chosen.mediaType, `manifest ${chosen.digest} of ${archivePath}`);
      }
      candidates.push({ manifestBytes: bytes, indexDigest, names: ociNames(entry) });
    }
    return candidates;
  }

  private async dockerCandidates(archive: StagedArchive, archivePath: string): Promise<Candidate[]> {
    if (!archive.files.has('manifest.json')) throw badArchive(archivePath, 'it has neither index.json (OCI layout) nor manifest.json (docker save)');
    const entries = await this.readJson(archive, 'manifest.json', archivePath);
    if (!Array.isArray(entries)) throw badArchive(archivePath, 'manifest.json is not a list');
    const candidates: Candidate[] = [];
    for (const entry of entries as { Config?: unknown; RepoTags?: unknown; Layers?: unknown }[]) {
      if (typeof entry.Config !== 'string' || !Array.isArray(entry.Layers) || !entry.Layers.every((layer) => typeof layer === 'string')) {
        throw badArchive(archivePath, 'a manifest.json entry lacks Config or Layers');
      }
      const config = stagedFile(archive, entry.Config, archivePath);
      const layers: Descriptor[] = [];
      for (const path of entry.Layers as string[]) {
        const file = stagedFile(archive, path, archivePath);
        const head = new Uint8Array(4);
        const handle = await open(file.stagingPath, 'r');
        await handle.read(head, 0, 4, 0).finally(() => handle.close());
        const mediaType = sniffCompression(head) === 'gzip' ? mediaTypes.ociLayerGzip : mediaTypes.ociLayerTar;
        layers.push({ mediaType, digest: file.digest, size: file.sizeBytes });
      }
      // docker save has no manifest; write the one a registry would have served.
      const manifest = { schemaVersion: 2, mediaType: mediaTypes.ociManifest, config: { mediaType: mediaTypes.ociConfig, digest: config.digest, size: config.sizeBytes }, layers };
      const names = Array.isArray(entry.RepoTags) ? entry.RepoTags.filter((tag): tag is string => typeof tag === 'string') : [];
      candidates.push({ manifestBytes: Buffer.from(JSON.stringify(manifest)), indexDigest: null, names });
    }
    return candidates;
  }

  private async importImage(archive: StagedArchive, archivePath: string, candidate: Candidate, options: LoadOptions): Promise<LoadedImage> {
    const manifest = parseManifestOrIndex(candidate.manifestBytes, mediaTypes.ociManifest, `manifest in ${archivePath}`);
    if (manifest.kind !== 'manifest') throw badArchive(archivePath, 'an image entry is not a manifest');
    const manifestDigest = await this.blobs.putBytes(candidate.manifestBytes, sha256Digest(candidate.manifestBytes), `manifest in ${archivePath}`);
    for (const descriptor of [manifest.config, ...manifest.layers]) await this.adoptBlob(archive, archivePath, descriptor);
    const what = `config of an image in ${archivePath}`;
    const config = parseImageConfig(await this.blobs.readBytes(manifest.config.digest, configBytesMax, what), what);
    if (config.diffIds.length !== manifest.layers.length) throw badArchive(archivePath, `an image lists ${manifest.layers.length} layers but its config ${config.diffIds.length}`);
    const chain = chainIds(config.diffIds);
    for (const [index, layer] of manifest.layers.entries()) {
      await this.layers.ensure(chain, config.diffIds, index, () => uncompressedLayer(this.blobs.path(layer.digest), `layer ${layer.digest}`));
    }
    const record: ImageRecord = {
      id: manifest.config.digest,
      manifestDigest,
      indexDigest: candidate.indexDigest,
      platform: config.platform,
      layers: manifest.layers.map((layer, index) => ({ digest: layer.digest, mediaType: layer.mediaType, sizeBytes: layer.size, diffId: config.diffIds[index]!, chainId: chain[index]! })),
      config: config.runtime,
      createdMs: Date.now(),
    };
    await this.records.put(record);
    const names = (options.name !== undefined ? [options.name] : candidate.names).map((name) => formatReference(parseReference(name)));
    await this.records.updateReferences(Object.fromEntries(names.map((name) => [name, record.id])));
    return { record, names };
  }

  /** Moves a staged member into the blob store after checking it is what the manifest says. */
  private async adoptBlob(archive: StagedArchive, archivePath: string, descriptor: Descriptor): Promise<void> {
    if (await this.blobs.has(descriptor.digest)) return;
    const file = [...archive.files.values()].find((staged) => staged.digest === descriptor.digest);
    if (file === undefined) {
      // The layout names blobs by digest: a file under that name with other bytes is tampering.
      const named = archive.files.get(`blobs/sha256/${descriptor.digest.slice(7)}`);
      if (named !== undefined) throw digestMismatch(archivePath, descriptor.digest, named.digest);
      throw badArchive(archivePath, `it lacks the blob ${descriptor.digest}`);
    }
    if (file.sizeBytes !== descriptor.size) throw new ImageError('EDGE_IMAGE_SIZE_MISMATCH', `${archivePath}: blob ${descriptor.digest} is ${file.sizeBytes} bytes, its descriptor says ${descriptor.size}`);
    await rename(file.stagingPath, this.blobs.path(descriptor.digest));
  }
}

function ociNames(entry: Descriptor): string[] {
  const annotations = entry.annotations ?? {};
  const full = annotations['io.containerd.image.name'];
  if (full !== undefined) return [full];
  const refName = annotations['org.opencontainers.image.ref.name'];
  // A bare tag ("latest") names no repository; such an image is loaded unnamed unless a name is given.
  if (refName !== undefined && /[/:]/.test(refName)) return [refName];
  return [];
}

function digestMismatch(archivePath: string, expected: Digest, actual: Digest): ImageError {
  return new ImageError('EDGE_IMAGE_DIGEST_MISMATCH', `${archivePath}: the blob named ${expected} hashes to ${actual}; the archive was altered or corrupted, so the image was refused`);
}
