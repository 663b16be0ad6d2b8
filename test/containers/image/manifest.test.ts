import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isImageError, type ImageErrorCode } from '../../../runtime/containers/image/errors.js';
import { manifestBytesMax, mediaTypes, parseImageConfig, parseManifestOrIndex } from '../../../runtime/containers/image/manifest.js';

const d = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const bytes = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));

function expectCode(code: ImageErrorCode, run: () => unknown): void {
  try {
    run();
  } catch (error) {
    assert.ok(isImageError(error, code), `expected ${code}, got ${String(error)}`);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

test('an OCI manifest decodes with its config and layers', () => {
  // Proves the fields the puller relies on are read from OCI manifests.
  const manifest = parseManifestOrIndex(bytes({ schemaVersion: 2, mediaType: mediaTypes.ociManifest, config: { mediaType: mediaTypes.ociConfig, digest: d(1), size: 10 }, layers: [{ mediaType: mediaTypes.ociLayerGzip, digest: d(2), size: 20 }] }), undefined, 'test');
  assert.is(manifest.kind, 'manifest');
  if (manifest.kind !== 'manifest') return;
  assert.is(manifest.config.digest, d(1));
  assert.equal(manifest.layers.map((l) => [l.digest, l.size]), [[d(2), 20]]);
});

test('Docker schema 2 manifests and lists are accepted, typed by Content-Type when the body is silent', () => {
  // Proves both Docker media types decode, and that the HTTP Content-Type fills in a missing mediaType.
  const manifest = parseManifestOrIndex(bytes({ schemaVersion: 2, config: { mediaType: mediaTypes.dockerConfig, digest: d(1), size: 1 }, layers: [{ mediaType: mediaTypes.dockerLayerGzip, digest: d(2), size: 2 }] }), `${mediaTypes.dockerManifest}; charset=utf-8`, 'test');
  assert.is(manifest.mediaType, mediaTypes.dockerManifest);
  const list = parseManifestOrIndex(bytes({ schemaVersion: 2, mediaType: mediaTypes.dockerManifestList, manifests: [{ mediaType: mediaTypes.dockerManifest, digest: d(3), size: 3, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } }] }), undefined, 'test');
  assert.is(list.kind, 'index');
  if (list.kind === 'index') assert.equal(list.manifests[0]!.platform, { os: 'linux', architecture: 'arm', variant: 'v7' });
});

test('an OCI index without a mediaType is recognised by its shape', () => {
  // Proves the OCI rule that mediaType is optional is honoured.
  const index = parseManifestOrIndex(bytes({ schemaVersion: 2, manifests: [] }), undefined, 'test');
  assert.is(index.kind, 'index');
});

test('bad documents fail with stable codes', () => {
  // Proves bounds and shape checks run before any field is trusted.
  expectCode('EDGE_IMAGE_MANIFEST_TOO_LARGE', () => parseManifestOrIndex(new Uint8Array(manifestBytesMax + 1), undefined, 'test'));
  expectCode('EDGE_IMAGE_BAD_MANIFEST', () => parseManifestOrIndex(Buffer.from('{not json'), undefined, 'test'));
  expectCode('EDGE_IMAGE_BAD_MANIFEST', () => parseManifestOrIndex(Buffer.from('[1]'), undefined, 'test'));
  expectCode('EDGE_IMAGE_UNSUPPORTED_MEDIA_TYPE', () => parseManifestOrIndex(bytes({ schemaVersion: 1, fsLayers: [] }), undefined, 'test'));
  expectCode('EDGE_IMAGE_UNSUPPORTED_MEDIA_TYPE', () => parseManifestOrIndex(bytes({ schemaVersion: 2, mediaType: 'text/plain' }), undefined, 'test'));
  expectCode('EDGE_IMAGE_UNSUPPORTED_MEDIA_TYPE', () => parseManifestOrIndex(bytes({ schemaVersion: 2, mediaType: mediaTypes.ociManifest, config: { mediaType: 'x', digest: d(1), size: 1 }, layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: d(2), size: 1 }] }), undefined, 'test'));
  expectCode('EDGE_IMAGE_BAD_DIGEST', () => parseManifestOrIndex(bytes({ schemaVersion: 2, mediaType: mediaTypes.ociManifest, config: { mediaType: 'x', digest: 'sha256:nothex', size: 1 }, layers: [] }), undefined, 'test'));
  expectCode('EDGE_IMAGE_BAD_MANIFEST', () => parseManifestOrIndex(bytes({ schemaVersion: 2, mediaType: mediaTypes.ociManifest, config: { mediaType: 'x', digest: d(1), size: -1 }, layers: [] }), undefined, 'test'));
  expectCode('EDGE_IMAGE_BAD_MANIFEST', () => parseManifestOrIndex(bytes({ schemaVersion: 2, manifests: Array.from({ length: 600 }, () => ({ mediaType: 'x', digest: d(1), size: 1 })) }), undefined, 'test'));
});

test('an image config yields the runtime fields the executor needs', () => {
  // Proves Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts and diff IDs are extracted.
  const config = parseImageConfig(bytes({ architecture: 'arm64', os: 'linux', config: { Entrypoint: ['/bin/sh'], Cmd: ['-c', 'echo'], Env: ['PATH=/bin'], WorkingDir: '/srv', User: '1000:1000', ExposedPorts: { '80/tcp': {}, '53/udp': {} }, Labels: { a: 'b' } }, rootfs: { type: 'layers', diff_ids: [d(9)] } }), 'test');
  assert.equal(config.platform, { os: 'linux', architecture: 'arm64' });
  assert.equal(config.diffIds, [d(9)]);
  assert.equal(config.runtime.entrypoint, ['/bin/sh']);
  assert.equal(config.runtime.cmd, ['-c', 'echo']);
  assert.equal(config.runtime.env, ['PATH=/bin']);
  assert.is(config.runtime.workingDir, '/srv');
  assert.is(config.runtime.user, '1000:1000');
  assert.equal(config.runtime.exposedPorts, ['53/udp', '80/tcp']);
  assert.equal(config.runtime.labels, { a: 'b' });
  expectCode('EDGE_IMAGE_BAD_MANIFEST', () => parseImageConfig(bytes({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [d(9)] }, config: { Cmd: 'not a list' } }), 'test'));
  expectCode('EDGE_IMAGE_BAD_MANIFEST', () => parseImageConfig(bytes({ architecture: 'arm64', os: 'linux' }), 'test'));
});

test.run();
