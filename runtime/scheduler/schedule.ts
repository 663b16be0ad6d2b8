// schedule(): places pending tasks one after another on a snapshot of the
// cluster. Pure: the same input always gives the same decisions, and nothing
// outside the call is read or changed. See README.md for the pipeline.
import { Candidates } from './candidates.js';
import { SchedulerError } from './errors.js';
import { noSuitableNode, orderRejections, pinnedNodeMissing, pinnedNodeRefuses, specInvalid } from './explanation.js';
import type { TaskDemand } from './filter.js';
import { Ledger } from './ledger.js';
import { Pipeline } from './pipeline.js';
import { Ranking } from './ranking.js';
import { RequirementsCache, type Requirements } from './requirements.js';
import type { Decision, PendingDecision, PendingTask, ScheduleInput } from './types.js';

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
 * Consecutive tasks of one service that share their spec object form a
 * batch, ranked once (see candidates.ts). Cost: O(nodes) per distinct spec
 * for the node-only filters, O(nodes) per batch to rank, then
 * O(spread groups + log nodes) per task.
 */
export function schedule(input: ScheduleInput): Decision[] {
  const ledger = new Ledger(input.nodes, input.placed);
  const call: Call = { ledger, pipeline: new Pipeline(ledger), requirements: new RequirementsCache() };
  const decisions: Decision[] = [];
  const { pending } = input;
  let start = 0;
  while (start < pending.length) {
    const first = pending[start]!;
    const requirements = call.requirements.get(first.service, first.imageArchs);
    let end = start + 1;
    // A pinned task is a batch of its own; others join while the service and spec stay the same.
    if (first.task.nodeId === '') {
      while (end < pending.length && sameBatch(call, first, requirements, pending[end]!)) end++;
    }
    decisions.push(...placeBatch(call, pending.slice(start, end), requirements));
    start = end;
  }
  return decisions;
}

function sameBatch(call: Call, first: PendingTask, requirements: Requirements | SchedulerError, next: PendingTask): boolean {
  return next.task.nodeId === '' && next.task.serviceId === first.task.serviceId && call.requirements.get(next.service, next.imageArchs) === requirements;
}

function pendingFor(tasks: readonly PendingTask[], reason: string, refusal: Pick<PendingDecision, 'rejections'> = { rejections: [] }): Decision[] {
  return tasks.map(({ task }) => ({ kind: 'pending', taskId: task.id, reason, rejections: refusal.rejections }));
}

function placeBatch(call: Call, tasks: readonly PendingTask[], requirements: Requirements | SchedulerError): Decision[] {
  if (requirements instanceof SchedulerError) return pendingFor(tasks, specInvalid(requirements));
  const { ledger, pipeline } = call;
  const first = tasks[0]!.task;
  let pinnedIndex: number | null = null;
  if (first.nodeId !== '') {
    const index = ledger.indexOf(first.nodeId);
    if (index === undefined) return pendingFor(tasks, pinnedNodeMissing(first.nodeId));
    pinnedIndex = index;
  }
  const demand: TaskDemand = { taskId: first.id, serviceId: first.serviceId, requirements };
  const pass = pipeline.staticPass(demand, pinnedIndex);
  pipeline.bind(demand);
  const candidates = new Candidates(new Ranking(ledger, demand), pipeline, pass.eligible);
  const decisions: Decision[] = [];
  for (const [position, { task }] of tasks.entries()) {
    const best = candidates.best();
    if (best < 0) {
      // Nothing is booked any more in this batch, so every remaining task has the same reason.
      const rejections = orderRejections(pipeline.rejections(demand, pass));
      const reason = pinnedIndex === null ? noSuitableNode(rejections, ledger.size) : pinnedNodeRefuses(ledger.node(pinnedIndex).hostname, rejections);
      decisions.push(...pendingFor(tasks.slice(position), reason, { rejections }));
      break;
    }
    ledger.record(best, task.serviceId, requirements.memoryReservationBytes, requirements.portKeys);
    candidates.placedOn(best);
    decisions.push({ kind: 'placed', taskId: task.id, nodeId: ledger.node(best).id });
  }
  return decisions;
}
