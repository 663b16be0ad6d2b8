// The store's bookkeeping on a real filesystem: names, removal with
// reference counting against prepared rootfs leases, garbage collection,
// and rootfs preparation rules.
import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ImageService, isImageError, type ImageErrorCode } from '../../../runtime/containers/image/index.js';
import { needsCommands, needsRoot } from '../../common/env.js';
import { buildImage, busyboxLayerEntries, layerFromEntries, writeOciLayoutTar } from '../support/image-builder.js';
import { mountsUnder, tempStore, type TempStore } from '../support/temp-store.js';

const ready = needsRoot() && needsCommands('mknod', 'mount');
let store: TempStore | undefined;

test.before(() => {
  if (ready) store = tempStore('store');
});
test.after(() => store?.cleanup());

const base = layerFromEntries(busyboxLayerEntries());
const appA = buildImage([base, layerFromEntries([{ path: 'app', body: 'A' }])]);
const appB = buildImage([base, layerFromEntries([{ path: 'app', body: 'B' }])]);

async function expectFailure(code: ImageErrorCode, run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    assert.ok(isImageError(error, code), `expected ${code}, got ${String(error)}`);
    return error as Error;
  }
  assert.unreachable(`expected ${code}`);
  throw new Error('unreachable');
}

async function loadedService(label: string): Promise<{ service: ImageService; dataDir: string }> {
  const dataDir = join(store!.dataDir, label);
  const service = await ImageService.open({ dataDir, platform: 'linux/amd64' });
  for (const [image, name] of [[appA, 'edge/a:1'], [appB, 'edge/b:1']] as const) {
    const archive = join(store!.dataDir, `${label}-${name.replace(/[/:]/g, '_')}.tar`);
    writeOciLayoutTar(archive, image);
    await service.load(archive, { name });
  }
  return { service, dataDir };
}

const count = (dir: string): number => readdirSync(dir).filter((name) => /^[a-f0-9]{64}$/.test(name)).length;

test('an image used by a rootfs cannot be removed without force; GC keeps what a lease still needs', async () => {
  // Proves reference counting: rm refuses, force removes the record, the leased layers survive GC until release.
  if (!ready) return;
  const { service, dataDir } = await loadedService('refcount');
  assert.is(count(join(dataDir, 'layers')), 3, 'the shared base layer is unpacked once');
  const rootfs = await service.prepareRootfs('edge/a:1', 'app-a');
  assert.equal((await service.list()).find((image) => image.id === appA.config.digest)!.usedBy, ['app-a']);
  const refused = await expectFailure('EDGE_IMAGE_IN_USE', () => service.remove('edge/a:1'));
  assert.match(refused.message, 'app-a');
  assert.is((await service.inspect('edge/a:1')).id, appA.config.digest, 'refused removal changed nothing');

  const removed = await service.remove('edge/a:1', { force: true });
  assert.equal(removed, { untagged: ['docker.io/edge/a:1'], deleted: appA.config.digest });
  await expectFailure('EDGE_IMAGE_UNKNOWN', () => service.inspect('edge/a:1'));
  const whileLeased = await service.collectGarbage();
  assert.is(whileLeased.layersRemoved, 0, 'leased layers kept');
  assert.is(whileLeased.blobsRemoved, 3, 'manifest, config and the unique layer blob of A go');
  assert.ok(existsSync(join(rootfs.rootfsPath, 'app')), 'the running container still sees its files');

  await service.releaseRootfs('app-a');
  assert.equal(mountsUnder(dataDir), []);
  const afterRelease = await service.collectGarbage();
  assert.is(afterRelease.layersRemoved, 1, "only A's top layer goes: the base is B's too");
  assert.is(count(join(dataDir, 'layers')), 2);
  assert.is((await service.inspect('edge/b:1')).id, appB.config.digest);

  await service.remove('edge/b:1');
  const final = await service.collectGarbage();
  assert.equal([final.blobsRemoved, final.layersRemoved], [4, 2]);
  assert.is(count(join(dataDir, 'blobs/sha256')), 0);
  assert.is(count(join(dataDir, 'layers')), 0);
  assert.equal(await service.list(), []);
});

test('removing one of several names only untags; removing by ID drops every name', async () => {
  // Proves Docker-like rm semantics for names versus IDs, and ID-prefix lookup.
  if (!ready) return;
  const { service } = await loadedService('names');
  const archive = join(store!.dataDir, 'names-extra.tar');
  writeOciLayoutTar(archive, appA);
  await service.load(archive, { name: 'edge/a:latest' });
  const untag = await service.remove('edge/a:latest');
  assert.equal(untag, { untagged: ['docker.io/edge/a:latest'], deleted: undefined });
  assert.is((await service.inspect('edge/a:1')).id, appA.config.digest);
  await service.load(archive, { name: 'edge/a:latest' });
  const byId = await service.remove(appA.config.digest.slice(7, 19));
  assert.equal(byId.untagged.sort(), ['docker.io/edge/a:1', 'docker.io/edge/a:latest']);
  assert.is(byId.deleted, appA.config.digest);
  await expectFailure('EDGE_IMAGE_UNKNOWN', () => service.remove('edge/nothing:1'));
});

test('GC removes stale partial downloads and interrupted unpacks but keeps fresh partials', async () => {
  // Proves leftovers of crashes are swept while a partial that could still resume is kept.
  if (!ready) return;
  const { service, dataDir } = await loadedService('leftovers');
  const stale = join(dataDir, 'ingest', `${'a'.repeat(64)}.partial`);
  const fresh = join(dataDir, 'ingest', `${'b'.repeat(64)}.partial`);
  writeFileSync(stale, 'old');
  writeFileSync(fresh, 'new');
  const dayAgo = (Date.now() - 48 * 3600_000) / 1000;
  utimesSync(stale, dayAgo, dayAgo);
  writeFileSync(join(dataDir, 'layers', '.unpack-crashed'), '');
  const report = await service.collectGarbage();
  assert.is(report.partialsRemoved, 1);
  assert.not.ok(existsSync(stale));
  assert.ok(existsSync(fresh));
  assert.not.ok(existsSync(join(dataDir, 'layers', '.unpack-crashed')));
  assert.is(report.layersRemoved, 0, 'live layers untouched');
});

test('a rootfs id is prepared once, validated, and release is idempotent', async () => {
  // Proves prepareRootfs refuses duplicates and unsafe ids, and releaseRootfs tolerates repeats.
  if (!ready) return;
  const { service, dataDir } = await loadedService('prepare');
  await service.prepareRootfs('edge/b:1', 'twice');
  await expectFailure('EDGE_IMAGE_ROOTFS_EXISTS', () => service.prepareRootfs('edge/b:1', 'twice'));
  await expectFailure('EDGE_IMAGE_ROOTFS_FAILED', () => service.prepareRootfs('edge/b:1', '../escape'));
  await expectFailure('EDGE_IMAGE_UNKNOWN', () => service.prepareRootfs('edge/none:1', 'nothing'));
  await service.releaseRootfs('twice');
  await service.releaseRootfs('twice');
  assert.equal(mountsUnder(dataDir), []);
  assert.equal(readdirSync(join(dataDir, 'rootfs')), []);
});

test.run();
