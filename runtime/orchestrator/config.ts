// The orchestrator's tunables. This file is the manual: each field says what
// it means, its unit, its default and what moving it trades. Everything a
// service decides for itself (replicas, restart policy, update config) lives
// in its ServiceSpec instead; these are the cluster-wide knobs.
import { OrchestratorError, OrchestratorErrorCode } from './errors.js';

export interface OrchestratorConfig {
  /**
   * Terminal tasks kept per slot (per replica, or per node of a global
   * service) so `service ps` can show why earlier tasks ended. Older ones
   * are removed. Default 5, Swarm's task-history-limit. Each kept task is a
   * few hundred bytes in every manager's memory and in every snapshot, so a
   * 1000-slot cluster at 5 keeps about 5000 records. Tasks still needed to
   * count restarts inside a restart policy's window are kept on top of this.
   */
  taskHistoryPerSlotMax: number;

  /**
   * Whether to move running replicas toward an even spread after a node
   * joins or comes back (Swarm never does; see rebalance.ts). Default true.
   */
  rebalanceEnabled: boolean;

  /**
   * A service is only rebalanced once this long has passed since a task of
   * it was last created or stopped, in ms. Default 30 000. It keeps
   * rebalancing slow: a node that flaps, or a service still settling after a
   * scale or an update, is not shuffled around. Lower moves tasks sooner
   * after a node returns; higher moves them less often. It is also how long
   * a move may wait for the scheduler to place it on its target before it
   * is given up.
   */
  rebalanceQuietMs: number;

  /**
   * How long a new task waits, at most, for the older task of its slot to
   * stop before the scheduler places it, in ms. Default 60 000 (Swarm's old
   * task timeout). A replaced task gets desired shutdown in the same pass
   * that creates its successor; holding the successor back until the old
   * one has ended is what makes stop-first, drains and rebalance moves run
   * a slot once, never twice (a start-first predecessor is still wanted and
   * never waited for; a lost node's tasks end at once). It should exceed the
   * agents' stop grace period (10 s), or a container that ignores SIGTERM
   * overlaps its successor anyway. Lower starts replacements sooner when an
   * agent is slow to report; higher keeps a slot empty longer when an agent
   * never reports (a node not yet declared down). 0 does not wait.
   */
  predecessorStopWaitMs: number;

  /**
   * reconcile() repeats its stages until a round changes nothing (that is what
   * makes it idempotent). Rounds needed in practice: 2 or 3. Reaching this
   * bound means two stages undo each other, a bug, and fails an assertion.
   * Default 16.
   */
  roundsMax: number;
}

export function defaultOrchestratorConfig(): OrchestratorConfig {
  return { taskHistoryPerSlotMax: 5, rebalanceEnabled: true, rebalanceQuietMs: 30_000, predecessorStopWaitMs: 60_000, roundsMax: 16 };
}

/** For tests and the simulation: quicker rebalancing, same rules. */
export function simulationOrchestratorConfig(): OrchestratorConfig {
  return { ...defaultOrchestratorConfig(), rebalanceQuietMs: 5_000 };
}

/** Largest accepted history per slot: beyond this the store would grow faster than anyone reads it. */
export const taskHistoryPerSlotMaxLimit = 100;
/** Largest accepted quiet period, ms (one day). */
export const rebalanceQuietMsLimit = 86_400_000;
/** Largest accepted wait for a stopping predecessor, ms (one hour): longer leaves a slot empty for no one's benefit. */
export const predecessorStopWaitMsLimit = 3_600_000;

/** Every problem with `config`, each naming the field and the fix; empty when it is fine. */
export function orchestratorConfigProblems(config: OrchestratorConfig): string[] {
  const problems: string[] = [];
  const whole = (value: number, name: string, min: number, max: number): void => {
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name} is ${value}: use a whole number from ${min} to ${max}`);
    }
  };
  whole(config.taskHistoryPerSlotMax, 'taskHistoryPerSlotMax', 0, taskHistoryPerSlotMaxLimit);
  whole(config.rebalanceQuietMs, 'rebalanceQuietMs', 0, rebalanceQuietMsLimit);
  whole(config.predecessorStopWaitMs, 'predecessorStopWaitMs', 0, predecessorStopWaitMsLimit);
  whole(config.roundsMax, 'roundsMax', 2, 1000);
  if (typeof config.rebalanceEnabled !== 'boolean') problems.push(`rebalanceEnabled is ${String(config.rebalanceEnabled)}: use true or false`);
  return problems;
}

/** Throws EDGE_ORCHESTRATOR_CONFIG_INVALID listing every problem; returns the config when valid. */
export function validateOrchestratorConfig(config: OrchestratorConfig): OrchestratorConfig {
  const problems = orchestratorConfigProblems(config);
  if (problems.length > 0) {
    throw new OrchestratorError(OrchestratorErrorCode.ConfigInvalid, `invalid orchestrator config: ${problems.join('; ')}`);
  }
  return config;
}
