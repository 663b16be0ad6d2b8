// The config: presets are valid, and validateConfig names the field and the fix.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { baseConfig, configProblems, lanDefaults, simulationDefaults, validateConfig, wirelessDefaults, isRaftError } from '../../runtime/raft/core/index.js';

test('every preset is valid and the LAN defaults match the issue', () => {
  // Proves presets are small valid overrides: 100 ms tick, heartbeat every tick, election in 5–10 ticks.
  for (const preset of [baseConfig, lanDefaults, wirelessDefaults, simulationDefaults]) assert.equal(configProblems(preset(1)), []);
  const lan = lanDefaults(7);
  assert.equal([lan.id, lan.tickMs, lan.heartbeatIntervalTicks, lan.electionTimeoutTicksMin, lan.electionTimeoutTicksMax], [7, 100, 1, 5, 10]);
  assert.ok(lan.preVote && lan.checkQuorum);
});

test('bad combinations are refused, each problem naming its field', () => {
  // Proves validateConfig explains every mistake at once.
  const config = { ...lanDefaults(0), electionTimeoutTicksMin: 2, electionTimeoutTicksMax: 1, inflightBytesMax: 10, tickMs: 1.5 };
  const problems = configProblems(config);
  assert.ok(problems.some((p) => p.startsWith('id must be a positive integer')));
  assert.ok(problems.some((p) => p.includes('electionTimeoutTicksMax (1) is below electionTimeoutTicksMin (2)')));
  assert.ok(problems.some((p) => p.includes('electionTimeoutTicksMin (2) must be at least 2 × heartbeatIntervalTicks + 1')));
  assert.ok(problems.some((p) => p.startsWith('inflightBytesMax (10) is below appendBytesMax')));
  assert.ok(problems.some((p) => p.startsWith('tickMs must be a positive integer')));
  try {
    validateConfig(config);
    assert.unreachable('invalid config accepted');
  } catch (error) {
    assert.ok(isRaftError(error, 'EDGE_RAFT_CONFIG_INVALID'));
    assert.not.ok(error.retryable);
  }
});

test.run();
