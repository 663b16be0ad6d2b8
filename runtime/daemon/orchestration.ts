// The leader's reconcile loop: the orchestrator turns services into tasks,
// the scheduler places them, and each pass's actions become one batch of
// store commands (one Raft entry). Runs only while this manager leads.
import { nodeCrypto } from '../common/builtin.js';
import { applyActions, defaultOrchestratorConfig, plan, predecessorWaitsEndAtMs, runsDifferently, schedulingActions, validateOrchestratorConfig, type Action, type OrchestratorConfig } from '../orchestrator/index.js';
import { matchesConstraints, rebalance, schedule } from '../scheduler/index.js';
import type { Command } from '../store/commands.js';
import type { ClusterState, NodeRecord } from '../store/state.js';
import { systemTimers } from '../containers/executor/timers.js';
import type { ManagerRuntime } from './manager.js';
import { PassSchedule } from './pass-schedule.js';

/** Commands per Raft entry; a larger pass is split. */
const batchCommandsMax = 500;
/** After a failed pass (a write refused or timed out), try again this soon even if nothing changes. */
const retryAfterFailureMs = 500;

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

/** Passes run when the store changes, when a plan asks (Plan.wakeAtMs), and on a slow safety timer: see pass-schedule.ts. */
export class LeaderLoop {
  private readonly config: OrchestratorConfig;
  private readonly schedule: PassSchedule;

  constructor(private readonly manager: ManagerRuntime) {
    this.config = validateOrchestratorConfig({ ...defaultOrchestratorConfig(), rebalanceQuietMs: manager.context.config.rebalanceQuietMs });
    this.schedule = new PassSchedule({ timers: systemTimers(), nowMs: () => manager.context.time.nowMs(), runPass: () => this.pass() });
  }

  start(): void {
    this.schedule.start();
  }

  stop(): void {
    this.schedule.stop();
  }

  /** The store changed or leadership moved: reconcile soon. */
  wake(): void {
    this.schedule.changed();
  }

  /**
   * One reconcile + schedule pass (the schedule never runs two at once);
   * skipped when not leading. Returns when the plan wants the next pass
   * (null: not before something changes).
   */
  async pass(): Promise<number | null> {
    const manager = this.manager;
    if (!manager.raft.isLeader) return null;
    const state = manager.state;
    if (Object.keys(state.services).length === 0 && Object.keys(state.tasks).length === 0) return null;
    try {
      const nowMs = Math.floor(manager.context.time.nowMs());
      const input = { services: Object.values(state.services), tasks: Object.values(state.tasks), nodes: Object.values(state.nodes), nowMs };
      const options = { config: this.config, placer, newTaskId: () => nodeCrypto().randomBytes(10).toString('hex'), allocatableMemoryBytes: allocatable };
      const planned = plan(input, options);
      const reconciled = planned.actions;
      const after = applyActions(input, reconciled);
      const placed = schedulingActions({ ...input, services: after.services, tasks: after.tasks }, { placer, allocatableMemoryBytes: allocatable, predecessorStopWaitMs: this.config.predecessorStopWaitMs });
      const commands = [...reconciled, ...placed].map((action) => commandOf(action, state, nowMs)).filter((command): command is Command => command !== undefined);
      for (let start = 0; start < commands.length; start += batchCommandsMax) {
        await manager.write({ op: 'batch', commands: commands.slice(start, start + batchCommandsMax) });
      }
      const waitsEndAtMs = predecessorWaitsEndAtMs({ ...input, services: after.services, tasks: after.tasks }, this.config.predecessorStopWaitMs);
      return waitsEndAtMs === null ? planned.wakeAtMs : Math.min(planned.wakeAtMs ?? waitsEndAtMs, waitsEndAtMs);
    } catch (error) {
      manager.context.log(`orchestrator: pass failed: ${(error as Error).message}`);
      return Math.floor(manager.context.time.nowMs()) + retryAfterFailureMs;
    }
  }
}
