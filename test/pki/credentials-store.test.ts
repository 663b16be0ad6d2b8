import { chmod, mkdtemp, readdir, rm, stat, symlink, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NodeCredentialsStore, type NodeCredentials } from '../../runtime/pki/credentials-store.js';
import { issueNode, makeCa, rejectsWith } from './helpers.js';

const { ca } = await makeCa('cluster-a');
const node = await issueNode(ca);
const other = await issueNode(ca, { nodeId: 'node-2' });
const credentials: NodeCredentials = { keyPem: node.keyPem, certPem: node.certPem, caBundlePem: ca.certPem };

async function withStore(body: (store: NodeCredentialsStore, dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'edge-credentials-'));
  try {
    await body(new NodeCredentialsStore(dataDir), dataDir);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

test('saves and loads key, certificate and bundle; file 0600, directory 0700, no temp files', async () => {
  // Proves the round trip and the on-disk permissions, and that the atomic write left nothing behind.
  await withStore(async (store) => {
    assert.is(await store.exists(), false);
    await store.save(credentials);
    assert.is(await store.exists(), true);
    assert.equal(await store.load(), credentials);
    assert.is((await stat(store.path)).mode & 0o777, 0o600);
    assert.is((await stat(store.directory)).mode & 0o777, 0o700);
    assert.equal(await readdir(store.directory), ['node-credentials.json']);
    const renewed = { ...credentials, keyPem: other.keyPem, certPem: other.certPem };
    await store.save(renewed);
    assert.equal(await store.load(), renewed);
    assert.equal(await readdir(store.directory), ['node-credentials.json']);
  });
});

test('refuses to load a key file readable by group or others, and says how to fix it', async () => {
  // Proves the permission check and its message (the chmod command with the path); after the fix it loads.
  await withStore(async (store) => {
    await store.save(credentials);
    for (const mode of [0o640, 0o604, 0o644]) {
      await chmod(store.path, mode);
      const error = await rejectsWith(store.load(), 'EDGE_PKI_KEY_FILE_PERMISSIONS');
      assert.match(error.message, `chmod 600 ${store.path}`);
      assert.match(error.message, `mode 0${mode.toString(8)}`);
    }
    await chmod(store.path, 0o600);
    assert.equal(await store.load(), credentials);
  });
});

test('missing, corrupt, mismatched and symlinked credentials are typed refusals', async () => {
  // Proves each failure a board can meet on disk maps to a stable code, and save refuses a key that is not the certificate's.
  await withStore(async (store, dataDir) => {
    await rejectsWith(store.load(), 'EDGE_PKI_CREDENTIALS_MISSING');
    await rejectsWith(store.save({ ...credentials, keyPem: other.keyPem }), 'EDGE_PKI_CREDENTIALS_CORRUPT', 'key-mismatch');
    await rejectsWith(store.save({ ...credentials, caBundlePem: node.certPem }), 'EDGE_PKI_CREDENTIALS_CORRUPT', 'certificate');
    await store.save(credentials);
    await writeFile(store.path, '{"version": 1, "keyPem": ', { mode: 0o600 });
    await rejectsWith(store.load(), 'EDGE_PKI_CREDENTIALS_CORRUPT', 'json');
    await writeFile(store.path, JSON.stringify({ version: 2, ...credentials }));
    await rejectsWith(store.load(), 'EDGE_PKI_CREDENTIALS_CORRUPT', 'version');
    await writeFile(store.path, JSON.stringify({ version: 1, ...credentials, certPem: other.certPem }));
    await rejectsWith(store.load(), 'EDGE_PKI_CREDENTIALS_CORRUPT', 'key-mismatch');
    const real = join(dataDir, 'elsewhere.json');
    await writeFile(real, JSON.stringify({ version: 1, ...credentials }), { mode: 0o600 });
    await rm(store.path);
    await symlink(real, store.path);
    await rejectsWith(store.load(), 'EDGE_PKI_CREDENTIALS_CORRUPT', 'symlink');
    await rm(store.path);
    await writeFile(join(dataDir, 'big'), 'x'.repeat(70_000), { mode: 0o600 });
    await rename(join(dataDir, 'big'), store.path);
    await rejectsWith(store.load(), 'EDGE_PKI_CREDENTIALS_CORRUPT', 'size');
  });
});

test.run();
