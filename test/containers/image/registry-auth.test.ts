// End to end: pulls through a real docker-registry that demands Basic auth
// (htpasswd, bcrypt) and one that demands bearer tokens from a token service
// run here (ES256 JWT, trusted by the registry through rootcertbundle).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ImageService, isImageError, type ImageErrorCode } from '../../../runtime/containers/image/index.js';
import { needsCommands, needsRoot } from '../../common/env.js';
import { busyboxImage } from '../support/image-builder.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { tempStore, type TempStore } from '../support/temp-store.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';

const ready = needsRoot() && needsCommands('docker-registry', 'htpasswd', 'openssl', 'busybox', 'mknod');
const user = { username: 'edge', password: 'correct horse' };
let basicRegistry: RunningRegistry | undefined;
let tokenRegistry: RunningRegistry | undefined;
let tokens: TokenServer | undefined;
let tokenDir: string | undefined;
let store: TempStore | undefined;
const image = busyboxImage();

test.before(async () => {
  if (!ready) return;
  store = tempStore('auth');
  basicRegistry = await startRegistry({ htpasswd: user });
  tokenDir = mkdtempSync(join(tmpdir(), 'edge-token-'));
  tokens = await startTokenServer(tokenDir, { [user.username]: user.password });
  tokenRegistry = await startRegistry({ token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundlePath: tokens.rootCertBundlePath } });
  await pushImage({ domain: basicRegistry.domain, repository: 'private/busybox', credentials: user }, image, 'v1');
  await pushImage({ domain: tokenRegistry.domain, repository: 'private/busybox', credentials: user }, image, 'v1');
});

test.after(async () => {
  store?.cleanup();
  await basicRegistry?.stop();
  await tokenRegistry?.stop();
  await tokens?.stop();
  if (tokenDir) rmSync(tokenDir, { recursive: true, force: true });
});

async function pullWith(registry: RunningRegistry, credentials: { username: string; password: string } | undefined, dataDir = store!.dataDir) {
  const service = await ImageService.open({ dataDir, insecureRegistries: [registry.domain], platform: 'linux/amd64', credentials: (domain) => (domain === registry.domain ? credentials : undefined) });
  return service.pull(`${registry.domain}/private/busybox:v1`);
}

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

test('basic auth: no credentials and a wrong password are refused; the right one pulls', async () => {
  // Proves the Basic challenge is answered with the configured credentials, and failures say what to fix.
  if (!ready) return;
  const anonymous = await expectFailure('EDGE_IMAGE_AUTH_FAILED', () => pullWith(basicRegistry!, undefined));
  assert.match(anonymous.message, 'requires a username and password');
  const wrong = await expectFailure('EDGE_IMAGE_AUTH_FAILED', () => pullWith(basicRegistry!, { username: user.username, password: 'nope' }));
  assert.match(wrong.message, 'refused our credentials');
  const record = await pullWith(basicRegistry!, user);
  assert.is(record.id, image.config.digest);
});

test('bearer tokens: the challenge is followed to the token service with the repository scope', async () => {
  // Proves the Docker Hub / GHCR token flow: 401 challenge, token request with Basic credentials, retry with Bearer.
  if (!ready) return;
  const fresh = tempStore('auth-token');
  try {
    tokens!.requests.length = 0;
    const record = await pullWith(tokenRegistry!, user, fresh.dataDir);
    assert.is(record.id, image.config.digest);
    assert.ok(tokens!.requests.length >= 1, 'the token service was asked');
    assert.ok(tokens!.requests.every((request) => request.scope === 'repository:private/busybox:pull' && request.user === user.username), JSON.stringify(tokens!.requests));
    // One token serves the whole pull (manifest, config, layer): it is cached, not fetched per request.
    assert.is(tokens!.requests.length, 1);
  } finally {
    fresh.cleanup();
  }
});

test('bearer tokens: anonymous and wrong credentials are refused by the token service', async () => {
  // Proves a refused token request surfaces as EDGE_IMAGE_AUTH_FAILED naming who was refused.
  if (!ready) return;
  const fresh = tempStore('auth-token-bad');
  try {
    const anonymous = await expectFailure('EDGE_IMAGE_AUTH_FAILED', () => pullWith(tokenRegistry!, undefined, fresh.dataDir));
    assert.match(anonymous.message, 'anonymous access');
    const wrong = await expectFailure('EDGE_IMAGE_AUTH_FAILED', () => pullWith(tokenRegistry!, { username: user.username, password: 'nope' }, fresh.dataDir));
    assert.match(wrong.message, `user "${user.username}"`);
  } finally {
    fresh.cleanup();
  }
});

test.run();
