import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRng } from '../../runtime/common/rng.js';
import { taskStates, type ServiceMode, type ServiceRecord, type TaskRecord } from '../../runtime/store/services.js';
import type { NodeRecord } from '../../runtime/store/state.js';
import { applyActions, plan } from '../../runtime/orchestrator/index.js';
import { makeNode, makeService, makeTask, testOptions } from './fixtures.js';

const nowMs = 1_000_000;

function pick<T>(rng: SeededRng, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

/** Any cluster at all, including ones no orchestrator would produce: duplicate generations, tasks of removed services, odd states. */
function arbitraryCluster(rng: SeededRng): { services: ServiceRecord[]; tasks: TaskRecord[]; nodes: NodeRecord[] } {
  const nodes = Array.from({ length: 1 + rng.int(5) }, (_, i) => makeNode(`n${i}`, {
    status: pick(rng, ['ready', 'ready', 'down', 'unknown'] as const),
    availability: pick(rng, ['active', 'active', 'pause', 'drain'] as const),
    labels: { zone: pick(rng, ['a', 'b']) },
    statusChangedAtMs: rng.int(nowMs),
  }));
  const modes: ServiceMode[] = ['replicated', 'global', 'replicated-job', 'global-job'];
  const services = Array.from({ length: 1 + rng.int(3) }, (_, i) => {
    const version = 1 + rng.int(4);
    const spec = {
      mode: pick(rng, modes),
      replicas: rng.int(5),
      restartPolicy: { condition: pick(rng, ['none', 'on-failure', 'any'] as const), delayMs: rng.int(3) * 10_000, maxAttempts: rng.int(3), windowMs: rng.int(2) * 60_000 },
      update: { parallelism: rng.int(3), delayMs: rng.int(3) * 1000, monitorMs: rng.int(3) * 5000, failureAction: pick(rng, ['pause', 'continue', 'rollback'] as const), maxFailureRatio: pick(rng, [0, 0.5]), order: pick(rng, ['stop-first', 'start-first'] as const) },
      placement: { constraints: rng.int(3) === 0 ? [{ field: 'node.labels.zone', operator: '==' as const, value: 'a' }] : [], spreadOver: [], maxReplicasPerNode: 0 },
    };
    const state = pick(rng, ['none', 'updating', 'paused', 'completed', 'rolling-back', 'rolled-back'] as const);
    return makeService(`s${i}`, spec, {
      specVersion: version,
      previousSpec: rng.int(2) === 0 ? null : { ...makeService('old').spec, mode: spec.mode, name: `s${i}` },
      updateStatus: { state, message: '', startedAtMs: rng.int(nowMs) },
    });
  });
  const tasks = Array.from({ length: rng.int(25) }, (_, i) => {
    const createdAtMs = rng.int(nowMs);
    return makeTask(`x${i}`, {
      serviceId: rng.int(8) === 0 ? 'removed' : pick(rng, services).id,
      slot: rng.int(6),
      nodeId: rng.int(4) === 0 ? '' : rng.int(8) === 0 ? 'gone' : pick(rng, nodes).id,
      specVersion: 1 + rng.int(4),
      generation: 1 + rng.int(10),
      desiredState: pick(rng, ['running', 'complete', 'shutdown'] as const),
      state: pick(rng, taskStates),
      ...(rng.int(2) === 0 ? {} : { health: pick(rng, ['starting', 'healthy', 'unhealthy'] as const) }),
      createdAtMs,
      updatedAtMs: createdAtMs + rng.int(nowMs - createdAtMs + 1),
      restartCount: rng.int(3),
    });
  });
  return { services, tasks, nodes };
}

test('on 400 arbitrary clusters, reconciling the result of reconcile yields nothing', () => {
  // Proves idempotence as a property (and that odd input never trips an assertion): plan, apply, plan again → no actions.
  for (let seed = 1; seed <= 400; seed++) {
    const rng = new SeededRng(seed);
    const cluster = arbitraryCluster(rng);
    const options = testOptions({ rebalanceQuietMs: 0 });
    const first = plan({ ...cluster, nowMs }, options);
    const applied = applyActions(cluster, first.actions);
    const second = plan({ ...applied, nodes: cluster.nodes, nowMs }, options);
    assert.equal(second.actions, [], `seed ${seed}: second pass after ${first.actions.length} actions`);
    assert.ok(first.wakeAtMs === null || first.wakeAtMs > nowMs, `seed ${seed}: wake-up in the future`);
  }
});

test('the same input gives the same actions: reconcile depends on nothing but its arguments', () => {
  // Proves determinism: no clock, no randomness, no hidden state between calls.
  const rng = new SeededRng(99);
  const cluster = arbitraryCluster(rng);
  const first = plan({ ...cluster, nowMs }, testOptions());
  const second = plan({ ...cluster, nowMs }, testOptions());
  assert.equal(second, first);
});

test('reconcile does not change its input', () => {
  // Proves purity toward the caller: the store's records are read, never written.
  const cluster = arbitraryCluster(new SeededRng(5));
  const frozen = JSON.stringify(cluster);
  plan({ ...cluster, nowMs }, testOptions());
  assert.equal(JSON.stringify(cluster), frozen);
});

test.run();
