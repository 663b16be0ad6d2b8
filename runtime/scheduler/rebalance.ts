// rebalance(): which running tasks of a service to move so that its spread
// is even again after a node joins or comes back. Swarm never does this
// (moby/swarmkit#310): a service scaled while a node was away stays piled on
// the others until someone forces an update. Pure, like schedule(): it only
// proposes moves; the orchestrator carries them out as a rolling update
// (start the new task on the target, then stop the old one).
//
// What "even" means: for each spread level (the service's spreadOver fields,
// outermost first) and finally for single nodes, the sum over groups of
// (tasks in group)². Moving one task from group S to group T changes that
// sum by 2·(t − s + 1), where s and t are the counts before the move, and
// not at all at levels where S and T share a group. A move is proposed only
// when the first level where it changes anything gets strictly better, so
// every move improves the spread and none makes any level above it worse;
// the best move is taken first, and the search stops as soon as no move
// helps. Targets must pass every filter schedule() applies.
import { assert } from '../common/assert.js';
import type { ServiceSpec } from '../store/services.js';
import type { TaskDemand } from './filter.js';
import { Ledger, publishedPortKeys } from './ledger.js';
import { Pipeline } from './pipeline.js';
import { Ranking } from './ranking.js';
import { compileRequirements } from './requirements.js';
import { SchedulerError } from './errors.js';
import type { PlacedTask, SchedulableNode } from './types.js';
import type { SpreadCounts } from './spread.js';

export interface RebalanceInput {
  readonly nodes: readonly SchedulableNode[];
  /** Every placed task of every service: the service's own are the ones that may move; all of them hold memory and ports. */
  readonly placed: readonly PlacedTask[];
  readonly service: { readonly serviceId: string; readonly spec: ServiceSpec; readonly imageArchs?: readonly string[] };
  /** Most moves to propose: the service's update parallelism (for parallelism 0, "all at once", pass the replica count). */
  readonly movesMax: number;
}

export interface Move {
  readonly taskId: string;
  readonly sourceNodeId: string;
  readonly targetNodeId: string;
}

/** A candidate move and how much it changes each level's sum of squares (spread levels, then nodes). */
interface Candidate {
  source: number;
  target: number;
  readonly deltas: Int32Array;
}

/**
 * Moves to make, in order, each computed on the cluster as the previous ones
 * leave it. Empty when the spread is already even, when the service is
 * global or a job (moving a job would lose its work), or when its spec
 * cannot be scheduled at all. Cost per move: O(nodes) to class the nodes,
 * then O(source classes × target classes × spread levels), where a class is
 * an innermost spread group and a task count.
 */
export function rebalance(input: RebalanceInput): Move[] {
  assert(Number.isSafeInteger(input.movesMax) && input.movesMax >= 0, `movesMax must be a whole number ≥ 0, got ${input.movesMax}`);
  const { serviceId, spec, imageArchs } = input.service;
  if (spec.mode !== 'replicated' || input.movesMax === 0) return [];
  const requirements = compileRequirements(spec, imageArchs);
  if (requirements instanceof SchedulerError) return [];
  const ledger = new Ledger(input.nodes, input.placed);
  const pipeline = new Pipeline(ledger);
  const demand: TaskDemand = { taskId: '', serviceId, requirements };
  const tasksByNode = movableTasks(ledger, input.placed, serviceId);
  const spread = requirements.spread.readers.length === 0 ? null : ledger.spreadCounts(serviceId, requirements.spread);
  const moves: Move[] = [];
  while (moves.length < input.movesMax) {
    const move = bestMove(ledger, pipeline, demand, spread, tasksByNode);
    if (move === null) break;
    const task = tasksByNode.get(move.source)!.pop()!;
    ledger.release(move.source, serviceId, task.memoryReservationBytes, publishedPortKeys(task.ports));
    ledger.record(move.target, serviceId, requirements.memoryReservationBytes, requirements.portKeys);
    moves.push({ taskId: task.taskId, sourceNodeId: ledger.node(move.source).id, targetNodeId: ledger.node(move.target).id });
  }
  return moves;
}

/** The service's tasks per node index; the one a move takes is last (highest slot, then id). */
function movableTasks(ledger: Ledger, placed: readonly PlacedTask[], serviceId: string): Map<number, PlacedTask[]> {
  const byNode = new Map<number, PlacedTask[]>();
  for (const task of placed) {
    const index = ledger.indexOf(task.nodeId);
    if (task.serviceId !== serviceId || index === undefined) continue;
    const list = byNode.get(index) ?? [];
    list.push(task);
    byNode.set(index, list);
  }
  for (const list of byNode.values()) list.sort((left, right) => left.slot - right.slot || (left.taskId < right.taskId ? -1 : left.taskId > right.taskId ? 1 : 0));
  return byNode;
}

function bestMove(ledger: Ledger, pipeline: Pipeline, demand: TaskDemand, spread: SpreadCounts | null, tasksByNode: Map<number, PlacedTask[]>): Candidate | null {
  const { eligible } = pipeline.staticPass(demand, null);
  pipeline.bind(demand);
  const ranking = new Ranking(ledger, demand);
  const serviceTasks = ledger.serviceTasks(demand.serviceId);
  // Nodes in one innermost group holding as many of the service's tasks are
  // interchangeable as far as the spread goes: only the best-ranked target and
  // the lowest-index source of each such class need pairing, which keeps a
  // step near O(nodes) instead of O(sources × targets).
  const classOf = (index: number): string => `${ranking.innermostGroup(index)}:${serviceTasks[index]!}`;
  const targetByClass = new Map<string, number>();
  for (const index of eligible) {
    if (!pipeline.passes(index)) continue;
    const incumbent = targetByClass.get(classOf(index));
    if (incumbent === undefined || ranking.before(index, incumbent)) targetByClass.set(classOf(index), index);
  }
  const sourceByClass = new Map<string, number>();
  for (const [index, tasks] of tasksByNode) {
    const incumbent = sourceByClass.get(classOf(index));
    if (tasks.length > 0 && (incumbent === undefined || index < incumbent)) sourceByClass.set(classOf(index), index);
  }
  const targets = [...targetByClass.values()];
  const sources = [...sourceByClass.values()];
  const levels = (spread?.counts.length ?? 0) + 1;
  const trial: Candidate = { source: -1, target: -1, deltas: new Int32Array(levels) };
  let best: Candidate | null = null;
  for (const source of sources) {
    for (const target of targets) {
      // Same class (which includes the same node) never improves: same groups, same count.
      if (source === target) continue;
      trial.source = source;
      trial.target = target;
      for (let level = 0; level < levels - 1; level++) trial.deltas[level] = levelDelta(spread!, level, source, target);
      trial.deltas[levels - 1] = 2 * (serviceTasks[target]! - serviceTasks[source]! + 1);
      if (!improves(trial.deltas)) continue;
      if (best === null || better(trial, best, ranking)) best = { source, target, deltas: trial.deltas.slice() };
    }
  }
  return best;
}

/** Change of one spread level's sum of squares when a task moves from source to target. */
function levelDelta(spread: SpreadCounts, level: number, source: number, target: number): number {
  const groups = spread.index.groupOf[level]!;
  if (groups[source] === groups[target]) return 0;
  return 2 * (spread.at(level, target) - spread.at(level, source) + 1);
}

/** The first level the move changes gets strictly better. */
function improves(deltas: Int32Array): boolean {
  for (const delta of deltas) if (delta !== 0) return delta < 0;
  return false;
}

/** Bigger improvement at a higher level first; then the better target as schedule() ranks it; then the lower source index. */
function better(candidate: Candidate, incumbent: Candidate, ranking: Ranking): boolean {
  for (let level = 0; level < candidate.deltas.length; level++) {
    if (candidate.deltas[level] !== incumbent.deltas[level]) return candidate.deltas[level]! < incumbent.deltas[level]!;
  }
  if (candidate.target !== incumbent.target) return ranking.before(candidate.target, incumbent.target);
  return candidate.source < incumbent.source;
}
