/**
 * Mark and sweep over the store. Marks: every blob and layer an image record
 * names, and every layer a prepared rootfs leases (a force-removed image's
 * layers stay while a container still runs on them). Sweeps: unmarked blobs,
 * unmarked layers, interrupted unpacks, and partial downloads older than
 * `partialKeepMs` (younger ones are kept so a broken pull can resume).
 * Runs under the store's exclusive lock, so nothing is mid-pull.
 */
import { rm, stat } from 'node:fs/promises';
import type { BlobStore } from './blob-store.js';
import type { Digest } from './digest.js';
import type { ImageRecords } from './image-records.js';
import type { LayerStore } from './layer-store.js';
import type { RootfsManager } from './rootfs.js';

export interface GarbageReport {
  blobsRemoved: number;
  layersRemoved: number;
  partialsRemoved: number;
  /** Blob bytes freed (unpacked layer bytes are counted from their records). */
  bytesFreed: number;
}

export async function collectGarbage(stores: { blobs: BlobStore; layers: LayerStore; records: ImageRecords; rootfs: RootfsManager }, partialKeepMs: number, nowMs: number): Promise<GarbageReport> {
  const { blobs, layers, records, rootfs } = stores;
  const liveBlobs = new Set<Digest>();
  const liveLayers = new Set<Digest>();
  const images = await records.list();
  for (const image of images) {
    for (const digest of [image.id, image.manifestDigest, image.indexDigest, ...image.layers.map((layer) => layer.digest)]) if (digest !== null) liveBlobs.add(digest);
    for (const layer of image.layers) liveLayers.add(layer.chainId);
  }
  for (const lease of await rootfs.leases()) for (const chainId of lease.chainIds) liveLayers.add(chainId);
  // Names whose image is gone would otherwise resolve to nothing forever.
  const ids = new Set(images.map((image) => image.id));
  const table = await records.references();
  const stale = Object.keys(table).filter((name) => !ids.has(table[name]!));
  if (stale.length > 0) await records.updateReferences(Object.fromEntries(stale.map((name) => [name, undefined])));

  const report: GarbageReport = { blobsRemoved: 0, layersRemoved: 0, partialsRemoved: 0, bytesFreed: 0 };
  for (const digest of await blobs.list()) {
    if (liveBlobs.has(digest)) continue;
    report.bytesFreed += await blobs.size(digest).catch(() => 0);
    await blobs.remove(digest);
    report.blobsRemoved++;
  }
  for (const chainId of await layers.list()) {
    if (liveLayers.has(chainId)) continue;
    report.bytesFreed += (await layers.get(chainId))?.uncompressedBytes ?? 0;
    await layers.remove(chainId);
    report.layersRemoved++;
  }
  for (const leftover of await layers.listTemporary()) await rm(leftover, { recursive: true, force: true });
  for (const partial of await blobs.listIngests()) {
    const stats = await stat(partial).catch(() => undefined);
    if (stats === undefined || nowMs - stats.mtimeMs < partialKeepMs) continue;
    report.bytesFreed += stats.isFile() ? stats.size : 0;
    await rm(partial, { recursive: true, force: true });
    report.partialsRemoved++;
  }
  return report;
}
