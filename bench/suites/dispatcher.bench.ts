// The dispatcher's cost per store change, in-process: a leader serving 1,000
// connected nodes with 10 running tasks each sees a stream of single-task
// changes (a desired-state flip, as the orchestrator writes when it stops or
// restarts a task). Each change is one applied entry followed by one push.
// Before the per-node index, every change rebuilt every node's list from all
// tasks and compared it as JSON: 1,000 nodes × 10,000 tasks per change.
// The cost is also reported as a ratio to the same fleet at 10 nodes (same
// tasks per node, same run): flat means it no longer grows with the fleet.
import { performance } from 'node:perf_hooks';
import { median, type BenchSuite, type Measure } from '../harness.js';
import { Dispatcher } from '../../runtime/daemon/dispatcher.js';
import { EntryType } from '../../runtime/raft/types.js';
import { encodeCommand, type Command } from '../../runtime/store/commands.js';
import { defaultServiceSpec, type TaskRecord } from '../../runtime/store/services.js';
import { emptyState, type NodeRecord } from '../../runtime/store/state.js';
import { ClusterStore } from '../../runtime/store/store.js';

const tasksPerNode = 10;

function node(id: string, role: NodeRecord['role']): NodeRecord {
  return {
    id, hostname: id, role, raftId: 0, addr: `${id}:4242`, labels: {}, availability: 'active', status: 'ready', statusMessage: '', statusChangedAtMs: 0,
    certSerials: [], platform: { os: 'linux', arch: 'arm64' }, board: 'pi4b', memoryBytes: 4 << 30, allocatableBytes: 3 << 30, cores: 4, joinedAtMs: 0,
  };
}

function task(id: string, serviceId: string, slot: number, nodeId: string): TaskRecord {
  return {
    id, serviceId, slot, nodeId, specVersion: 1, generation: 1, desiredState: 'running', state: 'running',
    message: '', error: '', exitCode: null, containerId: id, createdAtMs: 0, updatedAtMs: 0, restartCount: 0,
  };
}

/** Microseconds per (apply one single-task change + push), median of batches. */
function costPerChangeUs(nodesCount: number, changes: number): number {
  const store = new ClusterStore();
  let entryIndex = 0;
  const apply = (command: Command): void => void store.apply({ index: ++entryIndex, term: 1, type: EntryType.Normal, data: encodeCommand(command) });
  apply({ op: 'cluster.init', clusterId: 'bench', createdAtMs: 0, ca: { certPem: '', keyPem: '' }, tokens: emptyState().tokens, node: node('node-0', 'manager') });
  const nodeIds = Array.from({ length: nodesCount }, (_, i) => `node-${i}`);
  for (const id of nodeIds.slice(1)) apply({ op: 'node.add', node: node(id, 'worker') });
  const servicesCount = Math.ceil((nodesCount * tasksPerNode) / 100);
  const tasks: TaskRecord[] = [];
  for (let s = 0; s < servicesCount; s++) {
    const spec = { ...defaultServiceSpec(`svc-${s}`, `registry.local/svc-${s}:1`), replicas: 100 };
    apply({ op: 'service.create', service: { id: `svc-${s}`, spec, previousSpec: null, specVersion: 1, createdAtMs: 0, updatedAtMs: 0, updateStatus: { state: 'none', message: '', startedAtMs: 0 } } });
  }
  for (let i = 0; i < nodesCount * tasksPerNode; i++) tasks.push(task(`task-${i}`, `svc-${Math.floor(i / 100)}`, (i % 100) + 1, nodeIds[i % nodesCount]!));
  for (let start = 0; start < tasks.length; start += 1000) apply({ op: 'batch', commands: tasks.slice(start, start + 1000).map((record) => ({ op: 'task.create' as const, task: record })) });
  const dispatcher = new Dispatcher({ store, state: store.state, write: async () => undefined, context: { log: () => {} } } as never);
  let sent = 0;
  for (const id of nodeIds) dispatcher.attach(id, { assign: () => void sent++ });
  dispatcher.push();
  try {
    const samples: number[] = [];
    const batch = 20;
    for (let done = 0; done < changes; done += batch) {
      const started = performance.now();
      for (let i = done; i < done + batch; i++) {
        const target = tasks[i % tasks.length]!;
        apply({ op: 'task.update', id: target.id, change: { desiredState: Math.floor(i / tasks.length) % 2 === 0 ? 'shutdown' : 'running' }, atMs: i });
        dispatcher.push();
      }
      samples.push(((performance.now() - started) * 1000) / batch);
    }
    if (sent < nodesCount + changes) throw new Error(`expected a push per change, counted ${sent - nodesCount} for ${changes}`);
    return median(samples);
  } finally {
    dispatcher.stop();
  }
}

export const suite: BenchSuite = {
  name: 'dispatcher',
  async run({ ci }): Promise<Measure[]> {
    const changes = ci ? 200 : 1000;
    const small = costPerChangeUs(10, changes);
    const large = costPerChangeUs(1000, changes);
    return [
      { name: 'dispatcher.pushCostPerChange1000NodesUs', value: large, unit: 'µs', note: `apply one single-task change + push, 1,000 connected nodes × ${tasksPerNode} running tasks, median of batches of 20 over ${changes} changes` },
      { name: 'dispatcher.pushCostRatio1000To10Nodes', value: large / small, unit: 'ratio', note: `same at 1,000 nodes / at 10 nodes (${small.toFixed(1)} µs), same run: ~1 when the cost follows the change, ~100+ when it follows the fleet` },
    ];
  },
};
