import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAuthChallenges } from '../../../runtime/containers/image/auth-challenge.js';
import { isImageError } from '../../../runtime/containers/image/errors.js';

test('a Docker Hub style bearer challenge yields realm, service and scope', () => {
  // Proves the token flow gets the three parameters it needs, with quoted commas intact.
  const [challenge, ...rest] = parseAuthChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push"');
  assert.is(rest.length, 0);
  assert.is(challenge!.scheme, 'bearer');
  assert.equal(challenge!.params, { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull,push' });
});

test('several challenges, unquoted values, escapes and odd spacing parse', () => {
  // Proves the RFC 7235 grammar rather than one registry's exact formatting.
  const challenges = parseAuthChallenges('Basic realm="Registry \\"R\\"" , Bearer realm=https://t.example/token, service=reg');
  assert.equal(challenges, [
    { scheme: 'basic', params: { realm: 'Registry "R"' } },
    { scheme: 'bearer', params: { realm: 'https://t.example/token', service: 'reg' } },
  ]);
});

test('unterminated quotes and oversized headers are refused', () => {
  // Proves hostile headers end in EDGE_IMAGE_AUTH_CHALLENGE, not a hang or a guess.
  for (const header of ['Bearer realm="https://x', `Bearer realm="${'x'.repeat(9000)}"`, 'Bearer realm=,']) {
    try {
      parseAuthChallenges(header);
      assert.unreachable(`accepted ${header.slice(0, 30)}`);
    } catch (error) {
      assert.ok(isImageError(error, 'EDGE_IMAGE_AUTH_CHALLENGE'), String(error));
    }
  }
});

test.run();
