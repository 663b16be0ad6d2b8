// The orchestrator's entry point. reconcile() is a pure function of the
// cluster (services, tasks, nodes) and the time: it returns the actions that
// move desired state toward the services' specs, and nothing else changes.
//
// Stages run in this order, each on the working copy left by the previous
// ones (pass.ts), and the whole sequence repeats until a round emits
// nothing. That repetition is what makes reconcile idempotent: applying its
// actions and calling it again at the same time yields no actions, because
// the last round already saw that state and found nothing to do.
import { assert } from '../common/assert.js';
import type { Action } from './action.js';
import { fenceSlots } from './fencing.js';
import { shapeGlobal } from './global.js';
import { pruneHistory } from './history.js';
import { rerunJobs } from './jobs.js';
import { clearLeftovers } from './leftovers.js';
import { handleNodeAvailability } from './node-availability.js';
import { Pass, type ReconcileInput, type ReconcileOptions } from './pass.js';
import { rebalanceServices } from './rebalance.js';
import { shapeReplicas } from './replicated.js';
import { applyRestartPolicy } from './restart.js';
import { checkUpdateFailures, rollUpdates } from './rolling-update.js';

export type Stage = (pass: Pass) => void;

/** In order: settle who holds each slot, react to nodes and ended tasks, shape the services, then update, rebalance and tidy. */
export const stages: readonly { readonly name: string; readonly run: Stage }[] = [
  { name: 'fencing', run: fenceSlots },
  { name: 'node-availability', run: handleNodeAvailability },
  { name: 'update-failures', run: checkUpdateFailures },
  { name: 'restart', run: applyRestartPolicy },
  { name: 'replicated', run: shapeReplicas },
  { name: 'global', run: shapeGlobal },
  { name: 'jobs', run: rerunJobs },
  { name: 'rolling-update', run: rollUpdates },
  { name: 'rebalance', run: rebalanceServices },
  { name: 'history', run: pruneHistory },
  { name: 'leftovers', run: clearLeftovers },
];

export interface Plan {
  /**
   * To apply in this order, ideally in one Raft entry. Any prefix is safe
   * (a task's predecessor is always shut down before its replacement is
   * created), and the next reconcile finishes what a prefix left undone.
   */
  readonly actions: Action[];
  /**
   * When reconcile should run again even if nothing changes before then (a
   * restart delay ends, a new task's monitor period ends, an update worker
   * has rested): the driver sets one timer for it. Null when nothing is due.
   * Calling earlier is harmless.
   */
  readonly wakeAtMs: number | null;
}

export function plan(input: ReconcileInput, options: ReconcileOptions): Plan {
  const pass = new Pass(input, options);
  for (let round = 1; ; round++) {
    const before = pass.actions.length;
    // Only the last round's wake-ups describe the final state.
    pass.clearWake();
    for (const stage of stages) stage.run(pass);
    if (pass.actions.length === before) break;
    assert(round < options.config.roundsMax, `reconcile did not settle within ${options.config.roundsMax} rounds (stages undo each other): last actions ${JSON.stringify(pass.actions.slice(before, before + 5))}`);
  }
  return { actions: pass.actions, wakeAtMs: pass.wakeAtMs };
}

/** The actions only; see plan() for the time to call again. */
export function reconcile(input: ReconcileInput, options: ReconcileOptions): Action[] {
  return plan(input, options).actions;
}
