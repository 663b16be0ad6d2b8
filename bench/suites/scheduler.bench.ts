// Scheduler benchmarks: placing a fleet's worth of tasks in one pure call.
// The scheduler runs on a manager that may itself be a Pi, and a node coming
// back can leave thousands of tasks pending at once, so a full placement must
// take a fraction of a second. Per-decision cost is reported as a ratio to the
// 100-node case measured in the same run (the machine is shared and noisy):
// with the same number of tasks per node it should grow about linearly with
// the number of nodes, since each decision looks at every eligible node once.
import { performance } from 'node:perf_hooks';
import { median, type BenchSuite, type Measure } from '../harness.js';
import { schedule, schedulableNode, parseConstraint, type PendingTask, type SchedulableNode, type ScheduleInput } from '../../runtime/scheduler/index.js';
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
    memoryBytes: (index % 3 === 0 ? 8 : 4) * 1024 * MiB, allocatableBytes: (index % 3 === 0 ? 7 : 3) * 1024 * MiB, cores: 4, joinedAtMs: 0,
  };
  return schedulableNode(record);
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

/** Median wall time of `rounds` full schedule() calls after one warm-up call, ms (the input is built outside the timing). */
function scheduleMs(input: ScheduleInput, rounds: number): { ms: number; placed: number } {
  const placed = schedule(input).filter((decision) => decision.kind === 'placed').length;
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    schedule(input);
    times.push(performance.now() - started);
  }
  return { ms: median(times), placed };
}

interface SizeRun {
  nodes: number;
  tasks: number;
  ms: number;
  placed: number;
  /** Median call time / tasks, ms. */
  perDecisionMs: number;
}

/** Builds one fleet size, times it, and lets the input go before the next size is built. */
function runSize(nodes: number, rounds: number): SizeRun {
  const input = fleet(nodes);
  const { ms, placed } = scheduleMs(input, rounds);
  return { nodes, tasks: input.pending.length, ms, placed, perDecisionMs: ms / input.pending.length };
}

export const suite: BenchSuite = {
  name: 'scheduler',
  async run({ ci }): Promise<Measure[]> {
    // Warm the JIT on a smaller fleet so no measured size pays for compilation.
    scheduleMs(fleet(200), ci ? 3 : 10);
    // Small sizes are cheap, so more rounds there steady the reference every ratio divides by.
    const small = runSize(100, ci ? 21 : 61);
    const medium = runSize(1000, ci ? 5 : 11);
    const large = runSize(5000, ci ? 1 : 3);
    const shape = `${tasksPerNode} tasks per node, ${replicasPerService} per service; mixed spread, constraints, caps, ports, archs`;
    const detail = (run: SizeRun): string => `${run.tasks} tasks on ${run.nodes} nodes, ${run.placed} placed, ${(run.perDecisionMs * 1000).toFixed(2)} µs per decision`;
    return [
      { name: 'scheduler.place10kOn1kNodesMs', value: medium.ms, unit: 'ms', note: `median schedule() call: ${detail(medium)}; ${shape}` },
      { name: 'scheduler.perDecisionCostRatio1000to100Nodes', value: medium.perDecisionMs / small.perDecisionMs, unit: 'ratio', note: `per-decision time, 1,000 nodes / 100 nodes (${detail(small)}); linear in nodes = 10` },
      { name: 'scheduler.perDecisionCostRatio5000to100Nodes', value: large.perDecisionMs / small.perDecisionMs, unit: 'ratio', note: `per-decision time, 5,000 nodes (${detail(large)}) / 100 nodes; linear in nodes = 50` },
    ];
  },
};
