// The orchestrator's main test: seeded simulations of a cluster under faults
// (see sim.ts), invariants checked after every step (invariants.ts), then a
// calm phase in which every service must settle (convergence.ts).
// A failure prints its seed; ORCH_SEED=<seed> replays that one exactly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { healCluster, unsettled } from './convergence.js';
import { OrchestratorSim, coveragePatterns } from './sim.js';

const file = 'test/orchestrator/simulation.test.ts';
const seedCount = Number(process.env.ORCH_SEEDS ?? 500);
const chaosSteps = 60;
const calmStepsMax = 400;

export function runSeed(seed: number): OrchestratorSim {
  const sim = new OrchestratorSim(seed);
  try {
    for (let step = 0; step < chaosSteps; step++) sim.chaosStep();
    healCluster(sim);
    let problems: string[] = [];
    for (let step = 0; step < calmStepsMax; step++) {
      sim.calmStep();
      problems = sim.services.map((service) => [service.id, unsettled(sim, service)] as const).filter(([, problem]) => problem !== null).map(([id, problem]) => `${id}: ${problem}`);
      if (problems.length === 0) return sim;
    }
    throw new Error(`did not settle within ${calmStepsMax} calm steps: ${problems.join('; ')}`);
  } catch (error) {
    const trace = sim.trace.map((line) => `    ${line}`).join('\n');
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`seed ${seed}: ${message}\n  last events:\n${trace}\n  replay: ORCH_SEED=${seed} node --import tsx ${file}`, { cause: error });
  }
}

const only = process.env.ORCH_SEED;

if (only !== undefined) {
  test(`seed ${only} (replay)`, () => {
    // Proves the replayed seed holds every invariant and settles.
    runSeed(Number(only));
  });
} else {
  test(`${seedCount} seeds: invariants hold after every step and every service settles`, () => {
    // Proves fencing (≤ 1 live task per slot outside a start-first handover), no task on a down/drained node,
    // forward-only states, bounded history and idempotence under faults, then convergence of every mode.
    const coverage = new Map<string, number>();
    for (let seed = 1; seed <= seedCount; seed++) {
      for (const [name, count] of runSeed(seed).coverage) coverage.set(name, (coverage.get(name) ?? 0) + count);
    }
    // A fault mix that never reaches a path proves nothing about it: each must happen, repeatedly.
    const rare = coveragePatterns.map(([name]) => [name, coverage.get(name) ?? 0] as const).filter(([, count]) => count < Math.max(3, seedCount / 50));
    assert.equal(rare, [], `paths the simulation hardly reached: ${JSON.stringify(Object.fromEntries(coverage))}`);
  });

  test('the same seed replays to the same cluster', () => {
    // Proves determinism: the replay instruction printed on failure reproduces the run.
    const first = runSeed(7);
    const second = runSeed(7);
    assert.equal(second.tasks, first.tasks);
    assert.equal(second.services, first.services);
    assert.equal(second.nowMs, first.nowMs);
  });
}

test.run();
