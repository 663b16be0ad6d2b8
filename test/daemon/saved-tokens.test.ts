// The printable join tokens a manager keeps: the current ones, and the ones a
// root rotation started here will make current; a token is shown only when
// its secret hashes to what the store holds now.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../runtime/common/clock.js';
import { JoinTokenRegistry } from '../../runtime/pki/join-token-registry.js';
import { savePendingTokens, saveTokens, savedToken } from '../../runtime/daemon/saved-tokens.js';

const clock = new ManualClock(Date.UTC(2027, 0, 1), 1000);
const current = JoinTokenRegistry.create('a'.repeat(64), clock);
const next = JoinTokenRegistry.create('b'.repeat(64), clock);
const currentHashes = current.registry.state();
const nextHashes = next.registry.state();

function withDataDir(run: (dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'edge-tokens-'));
  return run(dataDir).finally(() => rmSync(dataDir, { recursive: true, force: true }));
}

test('a saved token is shown only while its secret is the current one', () =>
  withDataDir(async (dataDir) => {
    // Proves a rotated-away token is never printed as current.
    await saveTokens(dataDir, current.tokens);
    assert.is(statSync(join(dataDir, 'join-tokens.json')).mode & 0o777, 0o600);
    assert.is(savedToken(dataDir, 'worker', currentHashes.worker.secretSha256Hex), current.tokens.worker);
    assert.is(savedToken(dataDir, 'manager', currentHashes.manager.secretSha256Hex), current.tokens.manager);
    assert.is(savedToken(dataDir, 'worker', nextHashes.worker.secretSha256Hex), undefined);
  }));

test('tokens pending a root rotation survive a token rotation and are shown once they become current', () =>
  withDataDir(async (dataDir) => {
    // Proves the manager that started a rotation can print the new tokens after it finishes.
    await saveTokens(dataDir, current.tokens);
    await savePendingTokens(dataDir, next.tokens);
    await saveTokens(dataDir, { ...current.tokens, worker: current.tokens.worker });
    assert.is(savedToken(dataDir, 'worker', currentHashes.worker.secretSha256Hex), current.tokens.worker);
    assert.is(savedToken(dataDir, 'worker', nextHashes.worker.secretSha256Hex), next.tokens.worker);
    assert.is(savedToken(dataDir, 'manager', nextHashes.manager.secretSha256Hex), next.tokens.manager);
  }));

test('a missing or damaged file holds no token', () =>
  withDataDir(async (dataDir) => {
    // Proves a damaged file ends in "not held" (EDGE_TOKEN_NOT_HELD upstream), not a crash.
    assert.is(savedToken(dataDir, 'worker', currentHashes.worker.secretSha256Hex), undefined);
    writeFileSync(join(dataDir, 'join-tokens.json'), '{"worker": "EDGE1-nope", "pending": {"worker": 7}}');
    assert.is(savedToken(dataDir, 'worker', currentHashes.worker.secretSha256Hex), undefined);
    writeFileSync(join(dataDir, 'join-tokens.json'), 'not json');
    assert.is(savedToken(dataDir, 'worker', currentHashes.worker.secretSha256Hex), undefined);
  }));

test.run();
