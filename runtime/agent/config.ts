// The agent's knobs. Each field says what it means, its unit, its default and
// what moving it trades; validateAgentConfig() names the field and the fix.
import { AgentConfigInvalidError } from './errors.js';

export interface AgentConfig {
  /**
   * At most one `dispatcher.status` message per this interval (a full batch
   * excepted). The first change after a quiet interval goes out at once;
   * changes during the interval after a message wait for its end and go
   * together. Default 150 ms. Shorter: the manager sees the later
   * transitions of a burst sooner, at the cost of more, smaller frames when
   * many tasks move at once (a node starting 50 replicas).
   */
  statusFlushIntervalMs: number;
  /**
   * A batch goes out at once when this many tasks have a change waiting, and
   * no message carries more. Default 100 (the wire allows 1000).
   */
  statusBatchMax: number;
  /**
   * Tasks whose latest status is kept for (re-)sending: waiting to go out, or
   * sent but not yet acknowledged. Default 1000, the most tasks one
   * assignment can list. When full, the oldest entry is dropped and counted
   * (see Agent.counters): the manager then learns that task's state from a
   * later change or never, which is why the default equals the task bound.
   */
  statusTasksMax: number;
  /** At most one pull progress event per task per this interval. Default 500 ms (2 per second). */
  progressIntervalMs: number;
  /**
   * SIGTERM→SIGKILL grace when a task is shut down. Default 10 000 ms
   * (Docker's). The assignment carries no grace period, so one value serves
   * every task on the node.
   */
  stopGraceMs: number;
  /**
   * Image pulls run at once. Default 2. A Pi's SD card and its one network
   * interface gain little from more; each pull holds buffers and an unpack.
   */
  pullsConcurrentMax: number;
  /**
   * Task changes that need not survive a crash at once (terminal states,
   * local restart counts) are written together this long after the first
   * one. Default 1000 ms. Assignments are written before they are acted on,
   * whatever this says. Longer: fewer SD writes; a crash can lose that much
   * restart bookkeeping (the executor still knows every container).
   */
  stateWriteDelayMs: number;
  /**
   * Tasks one assignment may list. Default 1000, the wire's bound. Tasks being
   * removed after they left the list come on top, so the agent holds at most
   * twice this many records for a moment.
   */
  tasksMax: number;
  /**
   * After a stop or remove the executor refused (a process stuck in the
   * kernel, a busy mount), the agent waits this long before trying again.
   * Default 2000 ms.
   */
  stepRetryDelayMs: number;
}

export function agentDefaults(): AgentConfig {
  return {
    statusFlushIntervalMs: 150,
    statusBatchMax: 100,
    statusTasksMax: 1000,
    progressIntervalMs: 500,
    stopGraceMs: 10_000,
    pullsConcurrentMax: 2,
    stateWriteDelayMs: 1000,
    tasksMax: 1000,
    stepRetryDelayMs: 2000,
  };
}

/** Defaults with `overrides` applied; throws AgentConfigInvalidError naming the first bad field. */
export function validateAgentConfig(overrides: Partial<AgentConfig> = {}): AgentConfig {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  const config: AgentConfig = { ...agentDefaults(), ...defined };
  for (const field of Object.keys(agentDefaults()) as (keyof AgentConfig)[]) {
    const value = config[field];
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new AgentConfigInvalidError(field, `must be a whole number greater than 0 (got ${String(value)})`);
    }
  }
  if (config.statusBatchMax > 1000) {
    throw new AgentConfigInvalidError('statusBatchMax', 'must be at most 1000, the most updates one dispatcher.status message may carry');
  }
  if (config.statusTasksMax < config.statusBatchMax) {
    throw new AgentConfigInvalidError('statusTasksMax', `must be at least statusBatchMax (${config.statusBatchMax}), or no full batch could ever form`);
  }
  return config;
}
