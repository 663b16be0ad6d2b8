// schedule(): places pending tasks one after another on a snapshot of the
// cluster. Pure: the same input always gives the same decisions, and nothing
// outside the call is read or changed. See README.md for the pipeline.
import { Ledger } from './ledger.js';
import { Pipeline } from './pipeline.js';
import { Ranking } from './ranking.js';
import { RequirementsCache } from './requirements.js';
import { SchedulerError } from './errors.js';
import type { TaskDemand } from './filter.js';
import { noSuitableNode, orderRejections, pinnedNodeMissing, pinnedNodeRefuses, specInvalid } from './explanation.js';
import type { Decision, PendingTask, ScheduleInput } from './types.js';

/** State shared by the decisions of one call. */
interface Call {
  readonly ledger: Ledger;
  readonly pipeline: Pipeline;
  readonly requirements: RequirementsCache;
}

/**
 * One decision per pending task, in input order. Each placement is booked
 * (memory, ports, counts) before the next task is considered.
 *
 * Cost: O(nodes × distinct specs) for the node-only filters, then
 * O(eligible nodes) per task.
 */
export function schedule(input: ScheduleInput): Decision[] {
  const ledger = new Ledger(input.nodes, input.placed);
  const call: Call = { ledger, pipeline: new Pipeline(ledger), requirements: new RequirementsCache() };
  return input.pending.map((pending) => decide(call, pending));
}

function decide(call: Call, pending: PendingTask): Decision {
  const { task } = pending;
  const requirements = call.requirements.get(pending.service, pending.imageArchs);
  if (requirements instanceof SchedulerError) return { kind: 'pending', taskId: task.id, reason: specInvalid(requirements), rejections: [] };
  let pinnedIndex: number | null = null;
  if (task.nodeId !== '') {
    const index = call.ledger.indexOf(task.nodeId);
    if (index === undefined) return { kind: 'pending', taskId: task.id, reason: pinnedNodeMissing(task.nodeId), rejections: [] };
    pinnedIndex = index;
  }
  const demand: TaskDemand = { taskId: task.id, serviceId: task.serviceId, requirements };
  const best = bestNode(call, demand, pinnedIndex);
  if (best >= 0) {
    call.ledger.record(best, task.serviceId, requirements.memoryReservationBytes, requirements.portKeys);
    return { kind: 'placed', taskId: task.id, nodeId: call.ledger.node(best).id };
  }
  const rejections = orderRejections(call.pipeline.rejections(demand, call.pipeline.staticPass(demand, pinnedIndex)));
  const reason = pinnedIndex === null ? noSuitableNode(rejections, call.ledger.size) : pinnedNodeRefuses(call.ledger.node(pinnedIndex).hostname, rejections);
  return { kind: 'pending', taskId: task.id, reason, rejections };
}

/** The best ledger index for the task, or -1 when no node passes every filter. */
export function bestNode(call: Pick<Call, 'ledger' | 'pipeline'>, demand: TaskDemand, pinnedIndex: number | null): number {
  const { eligible } = call.pipeline.staticPass(demand, pinnedIndex);
  call.pipeline.bind(demand);
  const ranking = new Ranking(call.ledger, demand);
  let best = -1;
  for (let i = 0; i < eligible.length; i++) {
    const index = eligible[i]!;
    if (!call.pipeline.passes(index)) continue;
    if (best < 0 || ranking.before(index, best)) best = index;
  }
  return best;
}
