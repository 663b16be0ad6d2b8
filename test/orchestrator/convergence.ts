// What a settled cluster looks like, per service mode, and the operator's
// part in getting there after a bad day: heal every node, and force a good
// spec onto services that cannot recover on their own (a crashing image,
// a paused update, a slot whose restart policy gave up).
import { isTerminal, type ServiceRecord, type TaskRecord } from '../../runtime/store/services.js';
import { matchesConstraints } from './fixtures.js';
import type { OrchestratorSim } from './sim.js';

export function healCluster(sim: OrchestratorSim): void {
  for (const node of sim.nodes) {
    sim.nodeUp(node.id);
    sim.activate(node.id);
  }
  for (const service of sim.services) {
    if (needsOperator(sim, service)) sim.updateService(service.id, true);
  }
}

function needsOperator(sim: OrchestratorSim, service: ServiceRecord): boolean {
  if (sim.isBad(service.id) || service.updateStatus.state === 'paused') return true;
  // A slot left ended by its restart policy (gave up, or completed under on-failure) stays so until the spec changes.
  const job = service.spec.mode.endsWith('job');
  return sim.tasks.some((task) => task.serviceId === service.id && task.desiredState !== 'shutdown' && isTerminal(task.state) && !(job && task.state === 'complete'));
}

/** Why the service is not settled yet, or null when it is. */
export function unsettled(sim: OrchestratorSim, service: ServiceRecord): string | null {
  const tasks = sim.tasks.filter((task) => task.serviceId === service.id);
  const state = service.updateStatus.state;
  const eligible = sim.nodes.filter((node) => node.status === 'ready' && node.availability === 'active' && matchesConstraints(service.spec, node));
  // With nowhere to run, an update cannot finish: its new tasks wait in pending.
  const stuck = eligible.length === 0 && !service.spec.mode.startsWith('global');
  if (!stuck && (state === 'updating' || state === 'rolling-back' || state === 'paused')) return `update status ${state}`;
  const stopping = tasks.find((task) => task.desiredState === 'shutdown' && !isTerminal(task.state));
  if (stopping !== undefined) return `task ${stopping.id} is still stopping`;
  const live = tasks.filter((task) => task.desiredState !== 'shutdown');
  const stale = live.find((task) => task.specVersion !== service.specVersion);
  if (stale !== undefined) return `task ${stale.id} has spec version ${stale.specVersion}, not ${service.specVersion}`;
  switch (service.spec.mode) {
    case 'replicated':
      // Not enough nodes: with no node matching its constraints, a replica waits, wanted, in pending.
      if (eligible.length === 0) return live.length === service.spec.replicas && live.every((task) => task.state === 'pending') ? null : `no eligible node, yet live tasks are ${live.map((task) => task.state).join(', ')}`;
      return countProblem(live, service.spec.replicas, 'running', (task) => String(task.slot));
    case 'replicated-job':
      if (eligible.length === 0) return live.length === service.spec.replicas && live.every((task) => task.state === 'pending' || task.state === 'complete') ? null : 'no eligible node, yet tasks left pending';
      return countProblem(current(tasks, service), service.spec.replicas, 'complete', (task) => String(task.slot));
    case 'global':
    case 'global-job': {
      const want = service.spec.mode === 'global' ? 'running' : 'complete';
      const wrongNode = live.find((task) => !eligible.some((node) => node.id === task.nodeId));
      if (wrongNode !== undefined && want === 'running') return `task ${wrongNode.id} on ineligible node ${wrongNode.nodeId}`;
      const counted = want === 'running' ? live : current(tasks, service);
      const onEligible = counted.filter((task) => eligible.some((node) => node.id === task.nodeId));
      return countProblem(onEligible, eligible.length, want, (task) => task.nodeId);
    }
  }
}

/** A job slot is done once a task of the current version completed there, whatever its desired state now. */
function current(tasks: TaskRecord[], service: ServiceRecord): TaskRecord[] {
  return tasks.filter((task) => task.specVersion === service.specVersion);
}

function countProblem(live: TaskRecord[], want: number, state: 'running' | 'complete', key: (task: TaskRecord) => string): string | null {
  const done = live.filter((task) => task.state === state);
  const keys = new Set(done.map(key));
  if (keys.size !== want || (state === 'running' && done.length !== want)) return `${done.length} ${state} (${keys.size} distinct) of ${want}; tasks: ${live.map((task) => `${task.id}@${key(task)}:${task.state}`).join(' ')}`;
  return null;
}
