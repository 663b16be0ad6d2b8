// edged's settings: the gossip profile is a flag, an environment variable and
// a config-file key, validated with an error naming where the bad value came from.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../runtime/daemon/config.js';
import { isEdgeError } from '../../runtime/common/errors.js';

const none = { bootConfigFiles: [] as string[] };

test('the gossip profile defaults to lan and can be set by file, environment and flag, the flag winning', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edged-config-'));
  const file = join(dir, 'edged.yaml');
  writeFileSync(file, 'gossip-profile: metered\n');
  assert.is((await loadConfig({ argv: ['--config', file], env: {}, ...none })).gossipProfile, 'metered');
  assert.is((await loadConfig({ argv: ['--config', file], env: { EDGED_GOSSIP_PROFILE: 'lan' }, ...none })).gossipProfile, 'lan');
  assert.is((await loadConfig({ argv: ['--config', file, '--gossip-profile', 'lan'], env: { EDGED_GOSSIP_PROFILE: 'metered' }, ...none })).gossipProfile, 'lan');
  const empty = join(dir, 'empty.yaml');
  writeFileSync(empty, '');
  assert.is((await loadConfig({ argv: ['--config', empty], env: {}, ...none })).gossipProfile, 'lan');
});

test('an unknown gossip profile is refused, naming where it came from and the choices', async () => {
  for (const [options, where] of [
    [{ argv: ['--gossip-profile', 'wan'], env: {} }, 'flag --gossip-profile'],
    [{ argv: [], env: { EDGED_GOSSIP_PROFILE: 'fast' } }, 'environment EDGED_GOSSIP_PROFILE'],
  ] as const) {
    try {
      await loadConfig({ ...options, ...none, argv: [...options.argv, '--config', '/dev/null'] });
      assert.unreachable('accepted a bad profile');
    } catch (error) {
      assert.ok(isEdgeError(error, 'EDGE_CONFIG_INVALID'), String(error));
      assert.match((error as Error).message, where);
      assert.match((error as Error).message, /one of lan, metered/);
    }
  }
});

test.run();
