import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isImageError } from '../../../runtime/containers/image/errors.js';
import { formatReference, parseReference, registryApiHost } from '../../../runtime/containers/image/reference.js';

const digest = `sha256:${'ab'.repeat(32)}`;

test('short Docker Hub names get docker.io, library/ and latest', () => {
  // Proves the Docker Hub defaults people rely on when typing "busybox".
  assert.is(formatReference(parseReference('busybox')), 'docker.io/library/busybox:latest');
  assert.is(formatReference(parseReference('busybox:1.36')), 'docker.io/library/busybox:1.36');
  assert.is(formatReference(parseReference('org/app')), 'docker.io/org/app:latest');
  assert.is(formatReference(parseReference('docker.io/busybox')), 'docker.io/library/busybox:latest');
  assert.is(formatReference(parseReference('index.docker.io/library/busybox')), 'docker.io/library/busybox:latest');
  assert.is(registryApiHost('docker.io'), 'registry-1.docker.io');
});

test('registry hosts are recognised by a dot, a port or localhost', () => {
  // Proves the first component is a host only when it looks like one.
  const ghcr = parseReference('ghcr.io/org/team/app:v1.2.3');
  assert.equal([ghcr.domain, ghcr.repository, ghcr.tag, ghcr.digest], ['ghcr.io', 'org/team/app', 'v1.2.3', undefined]);
  const local = parseReference('127.0.0.1:5000/x');
  assert.equal([local.domain, local.repository, local.tag], ['127.0.0.1:5000', 'x', 'latest']);
  assert.is(parseReference('localhost/app').domain, 'localhost');
  assert.is(parseReference('[::1]:5000/app').domain, '[::1]:5000');
  assert.is(registryApiHost('127.0.0.1:5000'), '127.0.0.1:5000');
});

test('digests pin content, with or without a tag', () => {
  // Proves digest references keep the digest and do not invent a tag.
  const pinned = parseReference(`127.0.0.1:5000/x@${digest}`);
  assert.equal([pinned.tag, pinned.digest], [undefined, digest]);
  const both = parseReference(`busybox:1.36@${digest}`);
  assert.equal([both.tag, both.digest], ['1.36', digest]);
  assert.is(formatReference(both), `docker.io/library/busybox:1.36@${digest}`);
});

for (const [text, why] of [
  ['', 'empty'],
  ['Busybox', 'uppercase repository'],
  ['busybox:', 'empty tag'],
  ['busybox:-bad', 'tag starting with a dash'],
  [`busybox:${'t'.repeat(129)}`, 'tag too long'],
  ['busybox@sha256:abc', 'short digest'],
  [`busybox@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm'],
  ['a//b', 'empty path component'],
  ['a/-b', 'component starting with a separator'],
  ['host:99999x/app', 'bad port'],
  [`r.io/${'a'.repeat(260)}`, 'name over 255 characters'],
  ['app/', 'trailing slash'],
] as const) {
  test(`"${text}" is refused (${why})`, () => {
    // Proves malformed references fail with EDGE_IMAGE_BAD_REFERENCE instead of reaching a registry.
    try {
      parseReference(text);
    } catch (error) {
      assert.ok(isImageError(error, 'EDGE_IMAGE_BAD_REFERENCE'), String(error));
      return;
    }
    assert.unreachable(`"${text}" was accepted`);
  });
}

test.run();
