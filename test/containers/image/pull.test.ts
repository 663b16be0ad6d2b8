// End to end: images built from busybox-static, pushed to a real docker-registry
// on loopback, pulled through ImageService, run from the prepared rootfs.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ImageService, isImageError, type PullProgress } from '../../../runtime/containers/image/index.js';
import { needsCommands, needsRoot } from '../../common/env.js';
import { buildImage, buildIndex, busyboxImage, busyboxLayerEntries, layerFromEntries, busyboxPath } from '../support/image-builder.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { tempStore, type TempStore } from '../support/temp-store.js';

const ready = needsRoot() && needsCommands('docker-registry', 'busybox', 'mount', 'mknod', 'chroot');
let registry: RunningRegistry | undefined;
let store: TempStore | undefined;

test.before(async () => {
  if (!ready) return;
  registry = await startRegistry();
  store = tempStore('pull');
});

test.after(async () => {
  store?.cleanup();
  await registry?.stop();
});

async function open(extra: Partial<Parameters<typeof ImageService.open>[0]> = {}): Promise<ImageService> {
  return ImageService.open({ dataDir: store!.dataDir, insecureRegistries: [registry!.domain], platform: 'linux/amd64', ...extra });
}

test('an anonymous pull yields a rootfs whose busybox runs, and the config the executor needs', async () => {
  // Proves the whole path: registry API, verified blobs, unpacked layers, overlay rootfs, image config.
  if (!ready) return;
  const image = busyboxImage({ cmd: ['/bin/sh', '-c', 'echo hi'], env: ['PATH=/bin', 'A=1'], workingDir: '/tmp', user: '0:0', exposedPorts: ['8080/tcp'] });
  await pushImage({ domain: registry!.domain, repository: 'edge/busybox' }, image, 'v1');
  const service = await open();
  const events: PullProgress[] = [];
  const record = await service.pull(`${registry!.domain}/edge/busybox:v1`, { onProgress: (event) => events.push(event) });
  assert.is(record.id, image.config.digest);
  assert.is(record.manifestDigest, image.manifest.digest);
  const layerDigest = image.layers[0]!.digest;
  const downloads = events.filter((e): e is Extract<PullProgress, { phase: 'download' }> => e.phase === 'download' && e.digest === layerDigest);
  assert.ok(downloads.length > 0, 'download progress was reported');
  assert.is(downloads.at(-1)!.bytesDone, image.layers[0]!.bytes.length);
  assert.is(downloads.at(-1)!.bytesTotal, image.layers[0]!.bytes.length);
  assert.ok(events.some((e) => e.phase === 'resolved') && events.at(-1)!.phase === 'done');

  const rootfs = await service.prepareRootfs(record.id, 'c1');
  try {
    assert.is(rootfs.mode, 'overlay');
    assert.equal(rootfs.config.cmd, ['/bin/sh', '-c', 'echo hi']);
    assert.equal(rootfs.config.env, ['PATH=/bin', 'A=1']);
    assert.is(rootfs.config.workingDir, '/tmp');
    assert.is(rootfs.config.user, '0:0');
    assert.equal(rootfs.config.exposedPorts, ['8080/tcp']);
    assert.ok(readFileSync(join(rootfs.rootfsPath, 'bin/busybox')).equals(readFileSync(busyboxPath)));
    const output = execFileSync('chroot', [rootfs.rootfsPath, '/bin/sh', '-c', 'echo written > /tmp/x && cat /tmp/x && ls /bin | wc -l'], { encoding: 'utf8' });
    assert.match(output, /^written\n\s*12\n$/);
  } finally {
    await service.releaseRootfs('c1');
  }
  // The container's write went to its upper dir, never into the shared layer.
  const layerDir = join(store!.dataDir, 'layers', record.layers[0]!.chainId.slice(7), 'diff');
  assert.not.ok(readdirSync(join(layerDir, 'tmp')).includes('x'));
});

test('a multi-arch index yields the platform asked for, and a missing platform lists what exists', async () => {
  // Proves platform selection from an index against a real registry, for arm64, arm/v7 and amd64.
  if (!ready) return;
  const base = layerFromEntries(busyboxLayerEntries());
  const variants = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
    { os: 'linux', architecture: 'arm', variant: 'v7' },
  ];
  const images = variants.map((platform) => buildImage([base, layerFromEntries([{ path: 'etc/arch', body: `${platform.architecture}${platform.variant ?? ''}\n` }])], { platform }));
  const index = buildIndex(images);
  await pushImage({ domain: registry!.domain, repository: 'edge/multi' }, index, 'latest');
  const service = await open();
  for (const [platform, expected] of [['linux/arm64', 'arm64v8'], ['linux/arm/v7', 'armv7'], ['linux/amd64', 'amd64']] as const) {
    const record = await service.pull(`${registry!.domain}/edge/multi`, { platform });
    assert.is(record.indexDigest, index.index.digest);
    const rootfs = await service.prepareRootfs(record.id, `arch-${expected}`);
    try {
      assert.is(readFileSync(join(rootfs.rootfsPath, 'etc/arch'), 'utf8'), `${expected}\n`, platform);
    } finally {
      await service.releaseRootfs(`arch-${expected}`);
    }
  }
  try {
    await service.pull(`${registry!.domain}/edge/multi`, { platform: 'linux/riscv64' });
    assert.unreachable('riscv64 pulled');
  } catch (error) {
    assert.ok(isImageError(error, 'EDGE_IMAGE_PLATFORM_NOT_FOUND'), String(error));
    assert.match((error as Error).message, 'available: linux/amd64, linux/arm64, linux/arm/v7');
  }
});

test('Docker schema 2 media types and digest-pinned references pull', async () => {
  // Proves the Docker v2 manifest list / manifest types and pulling by digest both work end to end.
  if (!ready) return;
  const image = busyboxImage({ dockerMediaTypes: true, platform: { os: 'linux', architecture: 'arm64' } });
  const list = buildIndex([image], { dockerMediaTypes: true });
  await pushImage({ domain: registry!.domain, repository: 'edge/docker' }, list, 'v2');
  const service = await open({ platform: 'linux/arm64' });
  const record = await service.pull(`${registry!.domain}/edge/docker@${list.index.digest}`);
  assert.is(record.id, image.config.digest);
  const names = (await service.list()).find((summary) => summary.id === record.id)!.names;
  assert.ok(names.includes(`${registry!.domain}/edge/docker@${list.index.digest}`), names.join(','));
  // A pinned digest the registry does not have is a clear not-found.
  try {
    await service.pull(`${registry!.domain}/edge/docker@sha256:${'0'.repeat(64)}`);
    assert.unreachable('pulled a digest that does not exist');
  } catch (error) {
    assert.ok(isImageError(error, 'EDGE_IMAGE_NOT_FOUND'), String(error));
  }
});

test('a registry not marked insecure is not spoken to over http', async () => {
  // Proves plain http needs the operator's explicit opt-in: without it the client uses https and fails.
  if (!ready) return;
  const service = await ImageService.open({ dataDir: store!.dataDir, platform: 'linux/amd64' });
  try {
    await service.pull(`${registry!.domain}/edge/busybox:v1`);
    assert.unreachable('pulled over http without the insecure flag');
  } catch (error) {
    assert.ok(isImageError(error, 'EDGE_IMAGE_NETWORK'), String(error));
    assert.match((error as Error).message, 'insecure');
  }
});

test.run();
