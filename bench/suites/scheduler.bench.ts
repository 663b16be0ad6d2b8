// Scheduler benchmarks: placing a fleet's worth of tasks in one pure call.
// The scheduler runs on a manager that may itself be a Pi, and a node coming
// back can leave thousands of tasks pending at once, so a full placement must
// take a fraction of a second. Per-decision cost is reported as a ratio to the
// 100-node case measured in the same run (the machine is shared and noisy):
// with the same number of tasks per node it should grow about linearly with
// the number of nodes, since each decision looks at every eligible node once.
import { performance } from 'node:perf_hooks';
import { median, type BenchSuite, type Measure } from '../harness.js';
import { schedule, parseConstraint, type PendingTask, type SchedulableNode, type ScheduleInput } from '../../runtime/scheduler/index.js';
import { defaultServiceSpec, type ServiceSpec, type TaskRecord } from '../../runtime/store/services.js';
import type { NodeRecord } from '../../runtime/store/state.js';

const MiB = 1024 * 1024;
const tasksPerNode = 10;
const replicasPerService = 100;
const zones = ['a', 'b', 'c', 'd'];

function fleetNode(index: number): SchedulableNode {
  const id = `node-${String(index).padStart(5, '0')}`;
  const record: NodeRecord = {
    id, hostname: `pi-${index}`, role: index % 50 === 0 ? 'manager' : 'worker', raftId: 0, addr: `${id}:4242`,
    labels: { zone: zones[index % zones.length]!, rack: `r${index % 7}` },
    // A few nodes drained or paused, as in a fleet being serviced.
    availability: index % 97 === 0 ? 'drain' : index % 89 === 0 ? 'pause' : 'active',
    status: 'ready', statusMessage: '', statusChangedAtMs: 0, certSerials: [],
    platform: { os: 'linux', arch: index % 10 === 0 ? 'amd64' : 'arm64' }, board: index % 3 === 0 ? 'pi5' : 'pi4b',
    memoryBytes: 4096 * MiB, cores: 4, joinedAtMs: 0,
  };
  return { node: record, allocatableMemoryBytes: (index % 3 === 0 ? 7 : 3) * 1024 * MiB };
}

/** A mix of what stacks ask for: spread over zones, constraints, per-node caps, host ports, image archs. */
function fleetService(index: number): ServiceSpec {
  const spec = defaultServiceSpec(`svc-${index}`, `registry.local/svc-${index}:1`);
  spec.resources.memoryReservationBytes = (16 + (index % 8) * 16) * MiB;
  if (index % 2 === 0) spec.placement.spreadOver = ['node.labels.zone'];
  if (index % 5 === 0) spec.placement.constraints = [parseConstraint('node.role==worker')];
  if (index % 7 === 0) spec.placement.maxReplicasPerNode = 2;
  if (index % 11 === 0) spec.ports = [{ published: 9000 + index, target: 80, protocol: 'tcp' }];
  return spec;
}

function pendingTask(serviceId: string, slot: number): TaskRecord {
  return {
    id: `${serviceId}.${slot}`, serviceId, slot, nodeId: '', specVersion: 1, generation: 1, desiredState: 'running', state: 'pending',
    message: '', error: '', exitCode: null, containerId: '', createdAtMs: 0, updatedAtMs: 0, restartCount: 0,
  };
}

/** `nodesCount` nodes and `tasksPerNode` × that many pending tasks, 100 per service. */
export function fleet(nodesCount: number): ScheduleInput {
  const nodes = Array.from({ length: nodesCount }, (_, i) => fleetNode(i));
  const pending: PendingTask[] = [];
  const servicesCount = Math.ceil((nodesCount * tasksPerNode) / replicasPerService);
  for (let s = 0; s < servicesCount; s++) {
    const spec = fleetService(s);
    const imageArchs = s % 3 === 0 ? ['arm64'] : undefined;
    for (let slot = 1; slot <= replicasPerService; slot++) pending.push({ task: pendingTask(`svc-${s}`, slot), service: spec, imageArchs });
  }
  return { nodes, placed: [], pending };
}

/** Median wall time of `rounds` full schedule() calls, ms (the input is built outside the timing). */
function scheduleMs(input: ScheduleInput, rounds: number): { ms: number; placed: number } {
  const times: number[] = [];
  let placed = 0;
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    const decisions = schedule(input);
    times.push(performance.now() - started);
    placed = decisions.filter((decision) => decision.kind === 'placed').length;
  }
  return { ms: median(times), placed };
}

export const suite: BenchSuite = {
  name: 'scheduler',
  async run({ ci }): Promise<Measure[]> {
    const rounds = ci ? 3 : 7;
    // Warm the JIT on a smaller fleet so the first measured call is not the one that compiles.
    scheduleMs(fleet(200), 2);
    const small = fleet(100);
    const medium = fleet(1000);
    const large = fleet(5000);
    const perDecision = (input: ScheduleInput, run: { ms: number }): number => run.ms / input.pending.length;
    const smallRun = scheduleMs(small, rounds * 3);
    const mediumRun = scheduleMs(medium, rounds);
    const largeRun = scheduleMs(large, ci ? 1 : 3);
    const baseMs = perDecision(small, smallRun);
    const shape = `${tasksPerNode} tasks per node, ${replicasPerService} per service; mixed spread, constraints, caps, ports, archs`;
    return [
      { name: 'scheduler.place10kOn1kNodesMs', value: mediumRun.ms, unit: 'ms', note: `median of ${rounds} schedule() calls: ${medium.pending.length} tasks on ${medium.nodes.length} nodes (${mediumRun.placed} placed); ${shape}` },
      { name: 'scheduler.perDecisionCostRatio1000to100Nodes', value: perDecision(medium, mediumRun) / baseMs, unit: 'ratio', note: `per-decision time at 1,000 nodes / at 100 nodes (${(baseMs * 1000).toFixed(1)} µs); linear in nodes would be 10` },
      { name: 'scheduler.perDecisionCostRatio5000to100Nodes', value: perDecision(large, largeRun) / baseMs, unit: 'ratio', note: `per-decision time at 5,000 nodes (${largeRun.placed} of ${large.pending.length} placed) / at 100 nodes; linear in nodes would be 50` },
    ];
  },
};
