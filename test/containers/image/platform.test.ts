import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isImageError } from '../../../runtime/containers/image/errors.js';
import type { Descriptor } from '../../../runtime/containers/image/manifest.js';
import { hostPlatform, parsePlatform, platformRuns, selectPlatform } from '../../../runtime/containers/image/platform.js';

const entry = (n: number, os: string, architecture: string, variant?: string): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${n.toString(16).padStart(64, '0')}`,
  size: 100,
  platform: variant ? { os, architecture, variant } : { os, architecture },
});

const index = [entry(1, 'linux', 'amd64'), entry(2, 'linux', 'arm64', 'v8'), entry(3, 'linux', 'arm', 'v6'), entry(4, 'linux', 'arm', 'v7'), entry(5, 'unknown', 'unknown')];

test('the entry for each board platform is chosen', () => {
  // Proves selection by os/architecture/variant, with arm64's v8 variant folded away.
  assert.is(selectPlatform(index, parsePlatform('linux/arm64'), 'x').digest, index[1]!.digest);
  assert.is(selectPlatform(index, parsePlatform('linux/arm/v7'), 'x').digest, index[3]!.digest);
  assert.is(selectPlatform(index, parsePlatform('linux/arm/v6'), 'x').digest, index[2]!.digest);
  assert.is(selectPlatform(index, parsePlatform('linux/amd64'), 'x').digest, index[0]!.digest);
  assert.is(selectPlatform(index, parsePlatform('linux/aarch64'), 'x').digest, index[1]!.digest);
});

test('an armv7 board falls back to v6 code but an armv6 board never gets v7', () => {
  // Proves the compatibility order runs downwards only.
  const onlyV6 = [entry(3, 'linux', 'arm', 'v6')];
  assert.is(selectPlatform(onlyV6, parsePlatform('linux/arm/v7'), 'x').digest, onlyV6[0]!.digest);
  const onlyV7 = [entry(4, 'linux', 'arm', 'v7')];
  assert.throws(() => selectPlatform(onlyV7, parsePlatform('linux/arm/v6'), 'x'));
  assert.ok(platformRuns({ os: 'linux', architecture: 'arm', variant: 'v6' }, parsePlatform('linux/arm/v7')));
  assert.not.ok(platformRuns({ os: 'linux', architecture: 'amd64' }, parsePlatform('linux/arm64')));
});

test('a missing platform is an error listing the available ones', () => {
  // Proves the person sees which platforms the image does offer (attestations excluded).
  try {
    selectPlatform(index, parsePlatform('linux/riscv64'), 'docker.io/library/x:1');
  } catch (error) {
    assert.ok(isImageError(error, 'EDGE_IMAGE_PLATFORM_NOT_FOUND'));
    const message = (error as Error).message;
    assert.match(message, 'linux/riscv64');
    assert.match(message, 'available: linux/amd64, linux/arm64, linux/arm/v6, linux/arm/v7.');
    assert.not.match(message, 'unknown');
    return;
  }
  assert.unreachable('riscv64 was matched');
});

test('the host platform follows process.arch', () => {
  // Proves the default platform for arm64, armv7 and amd64 boards.
  assert.equal(hostPlatform('arm64'), { os: 'linux', architecture: 'arm64' });
  assert.equal(hostPlatform('arm'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.equal(hostPlatform('x64'), { os: 'linux', architecture: 'amd64' });
  assert.throws(() => parsePlatform('linux'), /os\/architecture/);
});

test.run();
