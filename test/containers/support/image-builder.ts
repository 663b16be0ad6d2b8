// Builds OCI images in memory from Debian's busybox-static (/bin/busybox):
// layer tars, config, manifest and index with correct digests, plus the two
// archive formats `load` reads (OCI layout tar and docker-save tar).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { buildTar, type TarWriterEntry } from './tar-writer.js';

export const busyboxPath = '/bin/busybox';

export interface BuiltBlob {
  digest: string;
  bytes: Buffer;
  mediaType: string;
}

export interface BuiltLayer extends BuiltBlob {
  /** Digest of the uncompressed tar. */
  diffId: string;
  /** The uncompressed tar itself (docker-save stores this). */
  tar: Buffer;
}

export interface BuiltImage {
  platform: { os: string; architecture: string; variant?: string };
  config: BuiltBlob;
  manifest: BuiltBlob;
  layers: BuiltLayer[];
}

export interface BuiltIndex {
  index: BuiltBlob;
  images: BuiltImage[];
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

const applets = ['sh', 'ls', 'cat', 'echo', 'true', 'mkdir', 'rm', 'test', 'wc', 'sha256sum', 'sleep'];

/** The busybox base layer: /bin/busybox, applet symlinks, a minimal /etc. */
export function busyboxLayerEntries(): TarWriterEntry[] {
  return [
    { path: 'bin/', type: 'directory' },
    { path: 'bin/busybox', body: readFileSync(busyboxPath), mode: 0o755 },
    ...applets.map((name) => ({ path: `bin/${name}`, type: 'symlink' as const, linkPath: 'busybox' })),
    { path: 'etc/', type: 'directory' },
    { path: 'etc/passwd', body: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' },
    { path: 'etc/group', body: 'root:x:0:\nnogroup:x:65534:\n' },
    { path: 'tmp/', type: 'directory', mode: 0o1777 },
    { path: 'root/', type: 'directory', mode: 0o700 },
  ];
}

export function layerFromEntries(entries: readonly TarWriterEntry[], compression: 'gzip' | 'none' = 'gzip'): BuiltLayer {
  return layerFromTar(buildTar(entries), compression);
}

export function layerFromTar(tar: Buffer, compression: 'gzip' | 'none' = 'gzip'): BuiltLayer {
  const bytes = compression === 'gzip' ? gzipSync(tar, { level: 1 }) : tar;
  const mediaType = compression === 'gzip' ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar';
  return { digest: sha256(bytes), bytes, mediaType, diffId: sha256(tar), tar };
}

export interface ImageOptions {
  platform?: { os: string; architecture: string; variant?: string };
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  exposedPorts?: string[];
  /** Docker v2 schema 2 media types instead of OCI ones. */
  dockerMediaTypes?: boolean;
}

export function buildImage(layers: BuiltLayer[], options: ImageOptions = {}): BuiltImage {
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  const docker = options.dockerMediaTypes === true;
  const config = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    created: '2026-01-01T00:00:00Z',
    config: {
      Entrypoint: options.entrypoint ?? null,
      Cmd: options.cmd ?? ['/bin/sh'],
      Env: options.env ?? ['PATH=/bin'],
      WorkingDir: options.workingDir ?? '/',
      User: options.user ?? '',
      ExposedPorts: Object.fromEntries((options.exposedPorts ?? []).map((port) => [port, {}])),
    },
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
    history: layers.map(() => ({ created: '2026-01-01T00:00:00Z', created_by: 'edgectl test image builder' })),
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configMediaType = docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json';
  const layerType = (layer: BuiltLayer): string => (docker && layer.mediaType.endsWith('gzip') ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : layer.mediaType);
  const manifestMediaType = docker ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json';
  const manifest = {
    schemaVersion: 2,
    mediaType: manifestMediaType,
    config: { mediaType: configMediaType, digest: sha256(configBytes), size: configBytes.length },
    layers: layers.map((layer) => ({ mediaType: layerType(layer), digest: layer.digest, size: layer.bytes.length })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return {
    platform,
    config: { digest: sha256(configBytes), bytes: configBytes, mediaType: configMediaType },
    manifest: { digest: sha256(manifestBytes), bytes: manifestBytes, mediaType: manifestMediaType },
    layers: layers.map((layer) => ({ ...layer, mediaType: layerType(layer) })),
  };
}

export function buildIndex(images: BuiltImage[], options: { dockerMediaTypes?: boolean } = {}): BuiltIndex {
  const mediaType = options.dockerMediaTypes ? 'application/vnd.docker.distribution.manifest.list.v2+json' : 'application/vnd.oci.image.index.v1+json';
  const index = {
    schemaVersion: 2,
    mediaType,
    manifests: images.map((image) => ({ mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.bytes.length, platform: image.platform })),
  };
  const bytes = Buffer.from(JSON.stringify(index));
  return { index: { digest: sha256(bytes), bytes, mediaType }, images };
}

/** The busybox image, with an optional extra top layer (e.g. random data for benchmarks). */
export function busyboxImage(options: ImageOptions & { extraLayers?: BuiltLayer[] } = {}): BuiltImage {
  return buildImage([layerFromEntries(busyboxLayerEntries()), ...(options.extraLayers ?? [])], options);
}

function blobEntries(blobs: BuiltBlob[]): TarWriterEntry[] {
  const seen = new Set<string>();
  const entries: TarWriterEntry[] = [{ path: 'blobs/', type: 'directory' }, { path: 'blobs/sha256/', type: 'directory' }];
  for (const blob of blobs) {
    if (seen.has(blob.digest)) continue;
    seen.add(blob.digest);
    entries.push({ path: `blobs/sha256/${blob.digest.slice(7)}`, body: blob.bytes });
  }
  return entries;
}

/** Writes an OCI image layout as a tar; `refName` goes in the org.opencontainers.image.ref.name annotation. */
export function writeOciLayoutTar(path: string, top: BuiltImage | BuiltIndex, refName?: string): void {
  const images = 'index' in top ? top.images : [top];
  const root = 'index' in top ? top.index : top.manifest;
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: root.mediaType, digest: root.digest, size: root.bytes.length, ...(refName ? { annotations: { 'org.opencontainers.image.ref.name': refName } } : {}) }],
  };
  const blobs: BuiltBlob[] = [...('index' in top ? [top.index] : []), ...images.flatMap((image) => [image.manifest, image.config, ...image.layers])];
  writeFileSync(path, buildTar([{ path: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' }, { path: 'index.json', body: JSON.stringify(index) }, ...blobEntries(blobs)]));
}

/** Writes a classic `docker save` tar: manifest.json, <config hex>.json and <n>/layer.tar (uncompressed). */
export function writeDockerSaveTar(path: string, image: BuiltImage, repoTags: string[]): void {
  const configName = `${image.config.digest.slice(7)}.json`;
  const layerNames = image.layers.map((layer) => `${layer.diffId.slice(7)}/layer.tar`);
  const manifest = [{ Config: configName, RepoTags: repoTags, Layers: layerNames }];
  const entries: TarWriterEntry[] = [{ path: configName, body: image.config.bytes }];
  image.layers.forEach((layer, index) => {
    entries.push({ path: `${layer.diffId.slice(7)}/`, type: 'directory' }, { path: layerNames[index]!, body: layer.tar });
  });
  entries.push({ path: 'manifest.json', body: JSON.stringify(manifest) });
  writeFileSync(path, buildTar(entries));
}
