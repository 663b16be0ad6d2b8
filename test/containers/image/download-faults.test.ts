// End to end: what happens when bytes go wrong between a real registry and
// the store: tampered blobs, cut connections (resume with Range), a server
// that ignores Range (restart), and a partial file left by an earlier run.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ImageService, isImageError, type PullProgress } from '../../../runtime/containers/image/index.js';
import { needsCommands, needsRoot } from '../../common/env.js';
import { busyboxImage, layerFromEntries, type BuiltImage } from '../support/image-builder.js';
import { startFaultProxy, resetFaults, type FaultProxy } from '../support/fault-proxy.js';
import { pushImage } from '../support/push.js';
import { registryBlobPath, startRegistry, type RunningRegistry } from '../support/registry.js';
import { tempStore, type TempStore } from '../support/temp-store.js';

const ready = needsRoot() && needsCommands('docker-registry', 'busybox', 'mknod');
const dataBytes = 4 * 1024 * 1024;
let registry: RunningRegistry | undefined;
let proxy: FaultProxy | undefined;
const stores: TempStore[] = [];

test.before(async () => {
  if (!ready) return;
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.port);
});

test.after(async () => {
  for (const store of stores) store.cleanup();
  await proxy?.stop();
  await registry?.stop();
});

/** An image whose top layer is `dataBytes` of random data (incompressible, so the blob is big). */
async function pushDataImage(repository: string): Promise<{ image: BuiltImage; data: Buffer }> {
  const data = randomBytes(dataBytes);
  const image = busyboxImage({ extraLayers: [layerFromEntries([{ path: 'data/blob.bin', body: data }])] });
  await pushImage({ domain: registry!.domain, repository }, image, 'v1');
  return { image, data };
}

async function freshService(label: string): Promise<{ service: ImageService; store: TempStore }> {
  const store = tempStore(label);
  stores.push(store);
  const service = await ImageService.open({ dataDir: store.dataDir, insecureRegistries: [proxy!.domain, registry!.domain], platform: 'linux/amd64', pullLimits: { retryDelayMs: 10 } });
  return { service, store };
}

async function unpackedData(service: ImageService, imageId: string, containerId: string): Promise<Buffer> {
  const rootfs = await service.prepareRootfs(imageId, containerId);
  try {
    return readFileSync(join(rootfs.rootfsPath, 'data/blob.bin'));
  } finally {
    await service.releaseRootfs(containerId);
  }
}

test('a blob altered in the registry is refused and nothing of it is kept', async () => {
  // Proves streaming verification: bytes that do not hash to their digest never reach the store.
  if (!ready) return;
  const { image } = await pushDataImage('faults/tampered');
  const layer = image.layers[1]!;
  const stored = registryBlobPath(registry!, layer.digest);
  const bytes = readFileSync(stored);
  const middle = bytes.length >> 1;
  bytes[middle] = bytes[middle]! ^ 0xff;
  writeFileSync(stored, bytes);
  const { service, store } = await freshService('tampered');
  try {
    await service.pull(`${registry!.domain}/faults/tampered:v1`);
    assert.unreachable('pulled a tampered blob');
  } catch (error) {
    assert.ok(isImageError(error, 'EDGE_IMAGE_DIGEST_MISMATCH'), String(error));
    assert.match((error as Error).message, layer.digest);
  }
  assert.not.ok(existsSync(join(store.dataDir, 'blobs/sha256', layer.digest.slice(7))), 'no blob under the digest');
  assert.not.ok(readdirSync(join(store.dataDir, 'ingest')).some((name) => name.startsWith(layer.digest.slice(7))), 'no partial kept');
  assert.equal(await service.list(), []);
});

test('a manifest altered in the registry is refused when pulled by digest', async () => {
  // Proves manifests are verified too, not only layers.
  if (!ready) return;
  const image = busyboxImage({ env: ['PATH=/bin', 'MARK=manifest-test'] });
  await pushImage({ domain: registry!.domain, repository: 'faults/manifest' }, image, 'v1');
  const stored = registryBlobPath(registry!, image.manifest.digest);
  writeFileSync(stored, Buffer.from(readFileSync(stored, 'utf8').replace('"schemaVersion":2', '"schemaVersion": 2')));
  const { service } = await freshService('manifest');
  try {
    await service.pull(`${registry!.domain}/faults/manifest@${image.manifest.digest}`);
    assert.unreachable('pulled a tampered manifest');
  } catch (error) {
    assert.ok(isImageError(error, 'EDGE_IMAGE_DIGEST_MISMATCH'), String(error));
  }
});

test('a connection cut mid-blob is resumed with a Range request from where it stopped', async () => {
  // Proves resume: the second request asks for the remaining bytes only, and the result is intact.
  if (!ready) return;
  const { image, data } = await pushDataImage('faults/resume');
  const layer = image.layers[1]!;
  resetFaults(proxy!, { digest: layer.digest, cutAfterBytes: 1024 * 1024, cutCount: 2 });
  const { service } = await freshService('resume');
  const events: PullProgress[] = [];
  const record = await service.pull(`${proxy!.domain}/faults/resume:v1`, { onProgress: (event) => events.push(event) });
  const requests = proxy!.seen.filter((seen) => seen.path.endsWith(layer.digest));
  assert.is(requests.length, 3, JSON.stringify(requests));
  assert.is(requests[0]!.range, undefined);
  const offsets = requests.slice(1).map((seen) => Number(/^bytes=(\d+)-$/.exec(seen.range ?? '')?.[1]));
  assert.ok(offsets[0]! > 0 && offsets[1]! > offsets[0]!, `resumed from growing offsets: ${offsets.join(', ')}`);
  assert.ok(requests.slice(1).every((seen) => seen.status === 206));
  const retries = events.filter((event) => event.phase === 'retry');
  assert.is(retries.length, 2);
  assert.ok((await unpackedData(service, record.id, 'resume')).equals(data));
});

test('a server that ignores Range makes the download restart from zero, still verified', async () => {
  // Proves a 200 answer to a Range request discards the partial bytes instead of appending a second copy.
  if (!ready) return;
  const { image, data } = await pushDataImage('faults/restart');
  const layer = image.layers[1]!;
  resetFaults(proxy!, { digest: layer.digest, cutAfterBytes: 1024 * 1024, ignoreRange: true });
  const { service } = await freshService('restart');
  const record = await service.pull(`${proxy!.domain}/faults/restart:v1`);
  const requests = proxy!.seen.filter((seen) => seen.path.endsWith(layer.digest));
  assert.is(requests.length, 2);
  assert.ok(requests[1]!.range !== undefined && requests[1]!.status === 200, JSON.stringify(requests));
  assert.ok((await unpackedData(service, record.id, 'restart')).equals(data));
});

test('a partial file left by an earlier run is resumed, and a corrupt one is replaced', async () => {
  // Proves cross-restart resume from ingest/<hex>.partial, and that stale garbage there cannot poison a pull.
  if (!ready) return;
  const { image, data } = await pushDataImage('faults/partial');
  const layer = image.layers[1]!;
  const good = await freshService('partial-good');
  mkdirSync(join(good.store.dataDir, 'ingest'), { recursive: true });
  writeFileSync(join(good.store.dataDir, 'ingest', `${layer.digest.slice(7)}.partial`), layer.bytes.subarray(0, 1_000_000));
  resetFaults(proxy!, {});
  const record = await good.service.pull(`${proxy!.domain}/faults/partial:v1`);
  const first = proxy!.seen.find((seen) => seen.path.endsWith(layer.digest));
  assert.is(first?.range, 'bytes=1000000-');
  assert.ok((await unpackedData(good.service, record.id, 'partial')).equals(data));

  const bad = await freshService('partial-bad');
  const corrupt = Buffer.from(layer.bytes.subarray(0, 1_000_000));
  corrupt[10] = corrupt[10]! ^ 0xff;
  writeFileSync(join(bad.store.dataDir, 'ingest', `${layer.digest.slice(7)}.partial`), corrupt);
  resetFaults(proxy!, {});
  const again = await bad.service.pull(`${proxy!.domain}/faults/partial:v1`);
  const requests = proxy!.seen.filter((seen) => seen.path.endsWith(layer.digest));
  assert.equal(requests.map((seen) => seen.range), ['bytes=1000000-', undefined]);
  assert.ok((await unpackedData(bad.service, again.id, 'partial-bad')).equals(data));
});

test.run();
