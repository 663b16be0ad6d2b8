// schedule() against the naive model on random clusters: same placement for every task, same tasks left pending.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRng } from '../../runtime/common/rng.js';
import { schedule, type PendingTask, type PlacedTask } from '../../runtime/scheduler/index.js';
import type { ServiceSpec } from '../../runtime/store/services.js';
import { MiB, node, placed, service, task } from './fixtures.js';
import { modelSchedule } from './model.js';

function pick<T>(rng: SeededRng, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

function randomService(rng: SeededRng, name: string): ServiceSpec {
  return service(name, (spec) => {
    spec.resources.memoryReservationBytes = pick(rng, [0, 0, 64, 256, 700]) * MiB;
    spec.placement.spreadOver = pick(rng, [[], [], ['node.labels.zone'], ['node.labels.zone', 'node.labels.rack'], ['node.hostname']]);
    spec.placement.maxReplicasPerNode = pick(rng, [0, 0, 1, 2]);
    spec.placement.constraints = pick(rng, [[], [], [{ field: 'node.labels.zone', operator: '!=', value: 'z2' }], [{ field: 'node.role', operator: '==', value: 'worker' }]]);
    if (rng.int(5) === 0) spec.ports = [{ published: 8000 + rng.int(3), target: 80, protocol: pick(rng, ['tcp', 'udp'] as const) }];
  });
}

test('on 200 random clusters schedule() places every task where the naive full scan does', () => {
  // Proves the batched, heap-ordered search and the caches give exactly the answer of ranking every node for every task.
  const rng = new SeededRng(2024);
  for (let round = 0; round < 200; round++) {
    const nodes = Array.from({ length: 1 + rng.int(12) }, (_, i) => node(`n${String(rng.int(100)).padStart(2, '0')}-${i}`, {
      labels: rng.int(4) === 0 ? {} : { zone: `z${rng.int(3)}`, rack: `r${rng.int(2)}` },
      role: rng.int(4) === 0 ? 'manager' : 'worker',
      availability: pick(rng, ['active', 'active', 'active', 'pause', 'drain'] as const),
      status: pick(rng, ['ready', 'ready', 'ready', 'ready', 'down'] as const),
      arch: pick(rng, ['arm64', 'aarch64', 'x64', 'arm']),
      allocatableMemoryBytes: pick(rng, [0, 512, 1024, 3072]) * MiB,
    }));
    const specs = Array.from({ length: 1 + rng.int(4) }, (_, i) => randomService(rng, `s${i}`));
    const existing: PlacedTask[] = Array.from({ length: rng.int(8) }, (_, i) => {
      const s = rng.int(specs.length);
      return placed(`old.${i}`, `s${s}`, pick(rng, nodes).node.id, { memoryReservationBytes: specs[s]!.resources.memoryReservationBytes, ports: specs[s]!.ports });
    });
    const pending: PendingTask[] = [];
    for (let run = 0; run < 1 + rng.int(6); run++) {
      // Runs of one service (batched) interleaved with others; sometimes a pinned task or image archs.
      const s = rng.int(specs.length);
      const imageArchs = rng.int(4) === 0 ? ['arm64'] : undefined;
      for (let k = 0; k < 1 + rng.int(6); k++) {
        const pinnedTo = rng.int(10) === 0 ? pick(rng, nodes).node.id : '';
        pending.push({ task: task(`s${s}.${pending.length}`, `s${s}`, pending.length + 1, pinnedTo), service: specs[s]!, imageArchs });
      }
    }
    const expected = modelSchedule(nodes, existing, pending);
    const actual = schedule({ nodes, placed: existing, pending }).map((decision) => (decision.kind === 'placed' ? decision.nodeId : null));
    assert.equal(actual, expected, `round ${round}`);
  }
});

test.run();
