/**
 * Manifests, indexes and image configs, decoded from bytes with their shape
 * and bounds checked before anything else looks at them. OCI and Docker v2
 * schema 2 media types are both accepted; schema 1 is refused (deprecated and
 * unsigned content no registry should still serve).
 */
import { ImageError } from './errors.js';
import { parseDigest, type Digest } from './digest.js';

export const mediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerTar: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerLayerForeignGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

/** Sent as Accept when asking a registry for a manifest, most preferred first. */
export const manifestAcceptTypes = [mediaTypes.ociIndex, mediaTypes.dockerManifestList, mediaTypes.ociManifest, mediaTypes.dockerManifest];

const layerMediaTypes = new Set<string>([
  mediaTypes.ociLayerTar,
  mediaTypes.ociLayerGzip,
  mediaTypes.ociLayerZstd,
  mediaTypes.ociLayerNondistributableGzip,
  mediaTypes.dockerLayerGzip,
  mediaTypes.dockerLayerForeignGzip,
]);

/** A manifest or index larger than this is refused before parsing (containerd uses the same 4 MiB). */
export const manifestBytesMax = 4 * 1024 * 1024;
/** An image config larger than this is refused; real ones are a few KiB, big ones ~100 KiB of history. */
export const configBytesMax = 8 * 1024 * 1024;
/** Entries in an index or layers in a manifest; overlayfs itself stops well below this. */
export const descriptorsMax = 512;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
}

/** The part of the image config a container runtime needs. */
export interface ImageRuntimeConfig {
  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir: string;
  user: string;
  exposedPorts: string[];
  labels: Record<string, string>;
  stopSignal: string | undefined;
}

export interface ImageConfig {
  platform: Platform;
  /** Uncompressed layer digests, bottom first; each unpacked layer is checked against its entry. */
  diffIds: Digest[];
  runtime: ImageRuntimeConfig;
}

function bad(what: string, why: string): ImageError {
  return new ImageError('EDGE_IMAGE_BAD_MANIFEST', `${what} is malformed: ${why}; the registry or archive holds a broken image, rebuild or re-push it`);
}

function decodeJson(bytes: Uint8Array, limitBytes: number, what: string): Record<string, unknown> {
  if (bytes.byteLength > limitBytes) {
    throw new ImageError('EDGE_IMAGE_MANIFEST_TOO_LARGE', `${what} is ${bytes.byteLength} bytes, over the ${limitBytes}-byte limit; such an image is refused to bound memory`);
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw bad(what, `it is not UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(what, 'it is not a JSON object');
  return value as Record<string, unknown>;
}

function parsePlatform(value: unknown, what: string): Platform | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) throw bad(what, 'platform is not an object');
  const record = value as Record<string, unknown>;
  if (typeof record.os !== 'string' || typeof record.architecture !== 'string') throw bad(what, 'platform lacks os or architecture');
  const platform: Platform = { os: record.os, architecture: record.architecture };
  if (typeof record.variant === 'string' && record.variant !== '') platform.variant = record.variant;
  return platform;
}

function parseDescriptor(value: unknown, what: string): Descriptor {
  if (typeof value !== 'object' || value === null) throw bad(what, 'a descriptor is not an object');
  const record = value as Record<string, unknown>;
  if (typeof record.mediaType !== 'string') throw bad(what, 'a descriptor has no mediaType');
  if (typeof record.digest !== 'string') throw bad(what, 'a descriptor has no digest');
  if (typeof record.size !== 'number' || !Number.isSafeInteger(record.size) || record.size < 0) throw bad(what, 'a descriptor size is not a non-negative integer');
  const descriptor: Descriptor = { mediaType: record.mediaType, digest: parseDigest(record.digest), size: record.size };
  const platform = parsePlatform(record.platform, what);
  if (platform !== undefined) descriptor.platform = platform;
  if (typeof record.annotations === 'object' && record.annotations !== null) {
    descriptor.annotations = Object.fromEntries(Object.entries(record.annotations).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  }
  return descriptor;
}

function parseDescriptorList(value: unknown, what: string, field: string): Descriptor[] {
  if (!Array.isArray(value)) throw bad(what, `"${field}" is not a list`);
  if (value.length > descriptorsMax) throw bad(what, `"${field}" has ${value.length} entries, over the limit of ${descriptorsMax}`);
  return value.map((entry) => parseDescriptor(entry, what));
}

/**
 * Decodes a manifest or index. `contentType` is the HTTP Content-Type (or the
 * descriptor's media type); the body's own mediaType wins when present.
 */
export function parseManifestOrIndex(bytes: Uint8Array, contentType: string | undefined, what: string): ImageManifest | ImageIndex {
  const record = decodeJson(bytes, manifestBytesMax, what);
  if (record.schemaVersion !== 2) {
    throw new ImageError('EDGE_IMAGE_UNSUPPORTED_MEDIA_TYPE', `${what} has schemaVersion ${String(record.schemaVersion)}; only schema 2 (OCI or Docker v2) images are supported: re-push the image with a current tool`);
  }
  const declared = typeof record.mediaType === 'string' ? record.mediaType : contentType?.split(';')[0]?.trim();
  // OCI allows omitting mediaType; the shape then tells which document this is.
  const mediaType = declared ?? (Array.isArray(record.manifests) ? mediaTypes.ociIndex : mediaTypes.ociManifest);
  if (mediaType === mediaTypes.ociIndex || mediaType === mediaTypes.dockerManifestList) {
    return { kind: 'index', mediaType, manifests: parseDescriptorList(record.manifests, what, 'manifests') };
  }
  if (mediaType === mediaTypes.ociManifest || mediaType === mediaTypes.dockerManifest) {
    const config = parseDescriptor(record.config, what);
    const layers = parseDescriptorList(record.layers, what, 'layers');
    for (const layer of layers) {
      if (!layerMediaTypes.has(layer.mediaType)) {
        throw new ImageError('EDGE_IMAGE_UNSUPPORTED_MEDIA_TYPE', `${what} has a layer of media type "${layer.mediaType}", which is not a container filesystem layer; this is not a runnable image (an artifact?)`);
      }
    }
    return { kind: 'manifest', mediaType, config, layers };
  }
  throw new ImageError('EDGE_IMAGE_UNSUPPORTED_MEDIA_TYPE', `${what} has media type "${mediaType}"; supported are ${manifestAcceptTypes.join(', ')}`);
}

function stringList(value: unknown, what: string, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw bad(what, `config field ${field} is not a list of strings`);
  return value as string[];
}

export function parseImageConfig(bytes: Uint8Array, what: string): ImageConfig {
  const record = decodeJson(bytes, configBytesMax, what);
  if (typeof record.os !== 'string' || typeof record.architecture !== 'string') throw bad(what, 'config lacks os or architecture');
  const platform: Platform = { os: record.os, architecture: record.architecture };
  if (typeof record.variant === 'string' && record.variant !== '') platform.variant = record.variant;
  const rootfs = record.rootfs as Record<string, unknown> | undefined;
  if (typeof rootfs !== 'object' || rootfs === null || rootfs.type !== 'layers') throw bad(what, 'config rootfs is not of type "layers"');
  const diffIds = stringList(rootfs.diff_ids, what, 'rootfs.diff_ids').map((id) => parseDigest(id));
  const section = (record.config ?? {}) as Record<string, unknown>;
  if (typeof section !== 'object' || section === null) throw bad(what, 'config.config is not an object');
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  const exposed = section.ExposedPorts;
  const labels = section.Labels;
  return {
    platform,
    diffIds,
    runtime: {
      entrypoint: stringList(section.Entrypoint, what, 'Entrypoint'),
      cmd: stringList(section.Cmd, what, 'Cmd'),
      env: stringList(section.Env, what, 'Env'),
      workingDir: text(section.WorkingDir),
      user: text(section.User),
      exposedPorts: typeof exposed === 'object' && exposed !== null ? Object.keys(exposed).sort() : [],
      labels: typeof labels === 'object' && labels !== null ? (Object.fromEntries(Object.entries(labels).filter(([, v]) => typeof v === 'string')) as Record<string, string>) : {},
      stopSignal: typeof section.StopSignal === 'string' ? section.StopSignal : undefined,
    },
  };
}
