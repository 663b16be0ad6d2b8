// `load` from archives, for boards without registry access: OCI layout tars
// and docker-save tars, written by our builder and by skopeo (an independent
// writer), gzipped or not, multi-platform, and tampered.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ImageService, isImageError, type ImageErrorCode } from '../../../runtime/containers/image/index.js';
import { needsCommands, needsRoot } from '../../common/env.js';
import { buildImage, buildIndex, busyboxImage, busyboxLayerEntries, busyboxPath, layerFromEntries, sha256, writeDockerSaveTar, writeOciLayoutTar } from '../support/image-builder.js';
import { tempStore, type TempStore } from '../support/temp-store.js';

const ready = needsRoot() && needsCommands('skopeo', 'mknod', 'chroot');
let scratch: TempStore | undefined;
let serial = 0;

test.before(() => {
  if (ready) scratch = tempStore('load');
});
test.after(() => scratch?.cleanup());

async function freshService(): Promise<ImageService> {
  return ImageService.open({ dataDir: join(scratch!.dataDir, `store-${++serial}`), platform: 'linux/amd64' });
}

/** Prepares a rootfs, runs busybox in it, and returns its output. */
async function runIn(service: ImageService, imageId: string, script: string): Promise<string> {
  const containerId = `load-${++serial}`;
  const rootfs = await service.prepareRootfs(imageId, containerId);
  try {
    return execFileSync('chroot', [rootfs.rootfsPath, '/bin/sh', '-c', script], { encoding: 'utf8' });
  } finally {
    await service.releaseRootfs(containerId);
  }
}

async function expectFailure(code: ImageErrorCode, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    assert.ok(isImageError(error, code), `expected ${code}, got ${String(error)}`);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

test('an OCI layout tar loads under the given name and runs', async () => {
  // Proves the OCI layout path: index.json → manifest → verified blobs → layers → named image.
  if (!ready) return;
  const image = busyboxImage({ cmd: ['/bin/sh'] });
  const archive = join(scratch!.dataDir, 'oci.tar');
  writeOciLayoutTar(archive, image, 'v1');
  const service = await freshService();
  const [loaded] = await service.load(archive, { name: 'edge/busybox:v1' });
  assert.is(loaded!.record.id, image.config.digest);
  assert.equal(loaded!.names, ['docker.io/edge/busybox:v1']);
  assert.is((await service.inspect('edge/busybox:v1')).id, image.config.digest);
  assert.is(await runIn(service, loaded!.record.id, 'echo loaded'), 'loaded\n');
});

test('a docker-save tar (uncompressed layers, RepoTags) loads, gzipped too', async () => {
  // Proves the docker-save format, with names taken from RepoTags, and a gzip-wrapped archive.
  if (!ready) return;
  const image = busyboxImage({ dockerMediaTypes: true });
  const archive = join(scratch!.dataDir, 'save.tar');
  writeDockerSaveTar(archive, image, ['busybox:saved']);
  writeFileSync(`${archive}.gz`, gzipSync(readFileSync(archive)));
  for (const path of [archive, `${archive}.gz`]) {
    const service = await freshService();
    const [loaded] = await service.load(path);
    assert.is(loaded!.record.id, image.config.digest);
    assert.equal(loaded!.names, ['docker.io/library/busybox:saved']);
    assert.is((await service.list())[0]!.names[0], 'docker.io/library/busybox:saved');
    const hash = sha256(readFileSync(busyboxPath)).slice(7);
    assert.is(await runIn(service, loaded!.record.id, 'sha256sum /bin/busybox'), `${hash}  /bin/busybox\n`);
  }
});

test('archives written by skopeo (oci-archive and docker-archive) load', async () => {
  // Proves interoperability with another tool's writer, including its symlinked docker-archive layout.
  if (!ready) return;
  const image = busyboxImage();
  const ours = join(scratch!.dataDir, 'for-skopeo.tar');
  writeOciLayoutTar(ours, image, 'v1');
  const layout = join(scratch!.dataDir, 'skopeo-layout');
  const skopeo = (...args: string[]) => execFileSync('skopeo', ['--insecure-policy', 'copy', '-q', ...args], { stdio: 'pipe' });
  skopeo(`oci-archive:${ours}`, `oci:${layout}`);
  skopeo(`oci:${layout}`, `docker-archive:${join(scratch!.dataDir, 'skopeo-docker.tar')}:edge/busybox:docker`);
  skopeo(`oci:${layout}`, `oci-archive:${join(scratch!.dataDir, 'skopeo-oci.tar')}:edge/busybox:oci`);
  const service = await freshService();
  const [fromDocker] = await service.load(join(scratch!.dataDir, 'skopeo-docker.tar'));
  const [fromOci] = await service.load(join(scratch!.dataDir, 'skopeo-oci.tar'));
  assert.is(fromDocker!.record.id, image.config.digest);
  assert.is(fromOci!.record.id, image.config.digest);
  assert.equal(fromDocker!.names, ['docker.io/edge/busybox:docker']);
  assert.equal(fromOci!.names, ['docker.io/edge/busybox:oci']);
  assert.is(await runIn(service, fromOci!.record.id, 'echo ok'), 'ok\n');
});

test('a multi-platform OCI layout loads the platform asked for', async () => {
  // Proves platform selection applies to archives as it does to registries.
  if (!ready) return;
  const base = layerFromEntries(busyboxLayerEntries());
  const images = ['amd64', 'arm64'].map((architecture) => buildImage([base, layerFromEntries([{ path: 'etc/arch', body: architecture }])], { platform: { os: 'linux', architecture } }));
  const archive = join(scratch!.dataDir, 'multi.tar');
  writeOciLayoutTar(archive, buildIndex(images), 'edge/multi:1');
  const service = await freshService();
  const [arm] = await service.load(archive, { platform: 'linux/arm64' });
  assert.is(arm!.record.id, images[1]!.config.digest);
  assert.equal(arm!.names, ['docker.io/edge/multi:1']);
  await expectFailure('EDGE_IMAGE_PLATFORM_NOT_FOUND', () => service.load(archive, { platform: 'linux/arm/v7' }));
});

test('a tampered archive is refused and leaves no image', async () => {
  // Proves archive blobs are verified against the digests naming them, and diff IDs against the config.
  if (!ready) return;
  const image = busyboxImage();
  const archive = join(scratch!.dataDir, 'tampered.tar');
  writeOciLayoutTar(archive, image, 'v1');
  const bytes = readFileSync(archive);
  const config = bytes.indexOf(image.config.bytes);
  assert.ok(config > 0);
  bytes.write('"PATH=/bim"', bytes.indexOf('"PATH=/bin"', config), 'utf8');
  writeFileSync(archive, bytes);
  const service = await freshService();
  await expectFailure('EDGE_IMAGE_DIGEST_MISMATCH', () => service.load(archive, { name: 'edge/t:1' }));
  assert.equal(await service.list(), []);
  const saved = join(scratch!.dataDir, 'tampered-save.tar');
  const wrongDiff = { ...image, layers: image.layers.map((layer) => ({ ...layer, tar: Buffer.concat([layer.tar, Buffer.alloc(512)]) })) };
  writeDockerSaveTar(saved, wrongDiff, ['edge/t:2']);
  await expectFailure('EDGE_IMAGE_DIGEST_MISMATCH', () => service.load(saved));
  await expectFailure('EDGE_IMAGE_BAD_ARCHIVE', async () => {
    const notImage = join(scratch!.dataDir, 'not-image.tar');
    execFileSync('tar', ['-cf', notImage, '-C', '/etc', 'hostname']);
    await service.load(notImage);
  });
});

test.run();
