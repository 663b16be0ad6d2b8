// The leader's reconcile loop: the orchestrator turns services into tasks,
// the scheduler places them, and each pass's actions become one batch of
// store commands (one Raft entry). Runs only while this manager leads.
import { nodeCrypto } from '../common/builtin.js';
import { applyActions, defaultOrchestratorConfig, plan, runsDifferently, schedulingActions, validateOrchestratorConfig, type Action, type OrchestratorConfig } from '../orchestrator/index.js';
import { matchesConstraints, rebalance, schedule } from '../scheduler/index.js';
import type { Command } from '../store/commands.js';
import type { ClusterState, NodeRecord } from '../store/state.js';
import type { ManagerRuntime } from './manager.js';

/** How often the leader reconciles even when nothing changed (restart delays, update monitors). */
export const reconcileIntervalMs = 250;
/** Commands per Raft entry; a larger pass is split. */
const batchCommandsMax = 500;

const placer = {
  place: schedule,
  rebalance,
  matches: matchesConstraints,
};

function allocatable(node: NodeRecord): number {
  return node.allocatableBytes > 0 ? node.allocatableBytes : node.memoryBytes;
}

export function commandOf(action: Action, state: Readonly<ClusterState>, nowMs: number): Command | undefined {
  switch (action.kind) {
    case 'createTask':
      return { op: 'task.create', task: action.task };
    case 'setDesiredState':
      return { op: 'task.update', id: action.taskId, change: { desiredState: action.desiredState, message: action.reason.slice(0, 1000) }, atMs: nowMs };
    case 'markTask':
      return { op: 'task.update', id: action.taskId, change: { state: action.state, message: action.message.slice(0, 1000) }, atMs: action.atMs };
    case 'removeTask':
      return { op: 'task.remove', id: action.taskId };
    case 'assignTask':
      return { op: 'task.update', id: action.taskId, change: { nodeId: action.nodeId, state: 'assigned', message: 'assigned' }, atMs: action.atMs };
    case 'setUpdateStatus':
      return { op: 'service.status', id: action.serviceId, status: { state: action.state, message: action.message.slice(0, 1000), startedAtMs: action.startedAtMs } };
    case 'rollbackService': {
      const service = state.services[action.serviceId];
      const previous = service?.previousSpec;
      return service && previous ? { op: 'service.update', id: action.serviceId, spec: previous, rollback: true, rolls: runsDifferently(service.spec, previous), atMs: action.atMs } : undefined;
    }
  }
}

export class LeaderLoop {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running = false;
  private readonly config: OrchestratorConfig;

  constructor(private readonly manager: ManagerRuntime) {
    this.config = validateOrchestratorConfig({ ...defaultOrchestratorConfig(), rebalanceQuietMs: manager.context.config.rebalanceQuietMs });
  }

  start(): void {
    this.timer = setInterval(() => void this.pass(), reconcileIntervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One reconcile + schedule pass; skipped when not leading or when the previous pass is still being written. */
  async pass(): Promise<void> {
    const manager = this.manager;
    if (this.running || !manager.raft.isLeader) return;
    const state = manager.state;
    if (Object.keys(state.services).length === 0 && Object.keys(state.tasks).length === 0) return;
    this.running = true;
    try {
      const nowMs = Math.floor(manager.context.time.nowMs());
      const input = { services: Object.values(state.services), tasks: Object.values(state.tasks), nodes: Object.values(state.nodes), nowMs };
      const options = { config: this.config, placer, newTaskId: () => nodeCrypto().randomBytes(10).toString('hex'), allocatableMemoryBytes: allocatable };
      const reconciled = plan(input, options).actions;
      const after = applyActions(input, reconciled);
      const placed = schedulingActions({ ...input, services: after.services, tasks: after.tasks }, { placer, allocatableMemoryBytes: allocatable, predecessorStopWaitMs: this.config.predecessorStopWaitMs });
      const commands = [...reconciled, ...placed].map((action) => commandOf(action, state, nowMs)).filter((command): command is Command => command !== undefined);
      for (let start = 0; start < commands.length; start += batchCommandsMax) {
        await manager.write({ op: 'batch', commands: commands.slice(start, start + batchCommandsMax) });
      }
    } catch (error) {
      manager.context.log(`orchestrator: pass failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
