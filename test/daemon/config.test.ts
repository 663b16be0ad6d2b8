// Proves edged's rebalance quiet period is read from a flag, the environment
// or the config file (in that priority), reaches the orchestrator's
// defaults unchanged when not given, and that a wrong value is refused with
// an error naming where it came from and how to write it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../runtime/daemon/config.js';
import { defaultOrchestratorConfig } from '../../runtime/orchestrator/config.js';

const dir = mkdtempSync(join(tmpdir(), 'edged-config-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function configFile(text: string): string {
  const path = join(dir, `edged-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text);
  return path;
}

const load = (argv: string[], env: NodeJS.ProcessEnv = {}) => loadConfig({ argv: ['--config', '/dev/null', ...argv], env, bootConfigFiles: [] });

async function refusal(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Error & { code?: string }> {
  try {
    await loadConfig({ argv, env, bootConfigFiles: [] });
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

test('without the setting, the quiet period is the orchestrator default', async () => {
  assert.is((await load([])).rebalanceQuietMs, defaultOrchestratorConfig().rebalanceQuietMs);
});

test('a duration from the flag, the environment or the file; the flag wins over the environment, which wins over the file', async () => {
  assert.is((await load(['--rebalance-quiet-period', '2s'])).rebalanceQuietMs, 2000);
  assert.is((await load(['--rebalance-quiet-period=1m30s'])).rebalanceQuietMs, 90_000);
  assert.is((await load([], { EDGED_REBALANCE_QUIET_PERIOD: '500ms' })).rebalanceQuietMs, 500);
  assert.is((await load(['--rebalance-quiet-period', '0'])).rebalanceQuietMs, 0);
  const file = configFile('rebalance-quiet-period: 5s\n');
  const fromFile = await loadConfig({ argv: ['--config', file], env: {}, bootConfigFiles: [] });
  assert.is(fromFile.rebalanceQuietMs, 5000);
  const envOverFile = await loadConfig({ argv: ['--config', file], env: { EDGED_REBALANCE_QUIET_PERIOD: '7s' }, bootConfigFiles: [] });
  assert.is(envOverFile.rebalanceQuietMs, 7000);
  const flagOverEnv = await loadConfig({ argv: ['--config', file, '--rebalance-quiet-period', '9s'], env: { EDGED_REBALANCE_QUIET_PERIOD: '7s' }, bootConfigFiles: [] });
  assert.is(flagOverEnv.rebalanceQuietMs, 9000);
});

test('a bare number, a negative or an overlong duration is refused, naming the source and the fix', async () => {
  const bare = await refusal(['--config', '/dev/null', '--rebalance-quiet-period', '30']);
  assert.is(bare.code, 'EDGE_CONFIG_INVALID');
  assert.match(bare.message, /flag --rebalance-quiet-period: .*did you mean 30s\?/);
  const negative = await refusal(['--config', '/dev/null'], { EDGED_REBALANCE_QUIET_PERIOD: '-5s' });
  assert.match(negative.message, /environment EDGED_REBALANCE_QUIET_PERIOD: .*negative/);
  const long = await refusal(['--config', '/dev/null', '--rebalance-quiet-period', '25h']);
  assert.match(long.message, /flag --rebalance-quiet-period: 25h is too long; use at most 24h/);
  // YAML reads `30` as a number: its unit would be a guess, so the file must say 30s.
  const number = await refusal(['--config', configFile('rebalance-quiet-period: 30\n')]);
  assert.match(number.message, /rebalance-quiet-period: expected a duration such as 30s or 500ms/);
});

test('the gossip profile defaults to lan and can be set by file, environment and flag, the flag winning', async () => {
  const file = configFile('gossip-profile: metered\n');
  assert.is((await load([])).gossipProfile, 'lan');
  assert.is((await load(['--config', file])).gossipProfile, 'metered');
  assert.is((await load(['--config', file], { EDGED_GOSSIP_PROFILE: 'lan' })).gossipProfile, 'lan');
  assert.is((await load(['--config', file, '--gossip-profile', 'lan'], { EDGED_GOSSIP_PROFILE: 'metered' })).gossipProfile, 'lan');
});

test('an unknown gossip profile is refused, naming where it came from and the choices', async () => {
  for (const [argv, env, where] of [
    [['--gossip-profile', 'wan'], {}, 'flag --gossip-profile'],
    [[], { EDGED_GOSSIP_PROFILE: 'fast' }, 'environment EDGED_GOSSIP_PROFILE'],
  ] as const) {
    const error = await refusal(['--config', '/dev/null', ...argv], env);
    assert.is(error.code, 'EDGE_CONFIG_INVALID');
    assert.match(error.message, where);
    assert.match(error.message, /one of lan, metered/);
  }
});

test.run();
