import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  OrchestratorError, defaultOrchestratorConfig, orchestratorConfigProblems, simulationOrchestratorConfig, validateOrchestratorConfig,
} from '../../runtime/orchestrator/index.js';

test('the defaults and the simulation preset are valid', () => {
  // Proves the shipped configurations pass their own validation.
  assert.equal(orchestratorConfigProblems(defaultOrchestratorConfig()), []);
  assert.equal(orchestratorConfigProblems(simulationOrchestratorConfig()), []);
  assert.equal(defaultOrchestratorConfig().taskHistoryPerSlotMax, 5);
});

test('each bad field is named with the accepted range, and validate throws one error listing them all', () => {
  // Proves config errors say which field and how to fix it, with a stable code.
  const bad = { ...defaultOrchestratorConfig(), taskHistoryPerSlotMax: -1, rebalanceQuietMs: 1.5, roundsMax: 1 };
  const problems = orchestratorConfigProblems(bad);
  assert.equal(problems, [
    'taskHistoryPerSlotMax is -1: use a whole number from 0 to 100',
    'rebalanceQuietMs is 1.5: use a whole number from 0 to 86400000',
    'roundsMax is 1: use a whole number from 2 to 1000',
  ]);
  try {
    validateOrchestratorConfig(bad);
    assert.unreachable('should throw');
  } catch (error) {
    assert.ok(error instanceof OrchestratorError);
    assert.equal(error.code, 'EDGE_ORCHESTRATOR_CONFIG_INVALID');
    assert.equal(error.retryable, false);
    for (const problem of problems) assert.ok(error.message.includes(problem));
  }
});

test.run();
