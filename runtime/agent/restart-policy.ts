// The service's restart policy, applied by the agent itself only while no
// manager is reachable (with a session, the orchestrator replaces ended tasks
// with new ones). Pure: the caller passes the time and the history.
import type { Assignment } from '../wire/messages/dispatcher.js';

export type RestartDecision =
  | { restart: true; dueAtMs: number; attempt: number }
  | { restart: false; reason: string };

export interface RestartQuestion {
  policy: Assignment['spec']['restartPolicy'];
  desiredState: Assignment['desiredState'];
  /** How the task ended. Only complete and failed can restart. */
  endedAs: 'complete' | 'failed' | 'shutdown' | 'rejected';
  /** Wall-clock ms of the end; the delay counts from here, and the window reaches back from here. */
  endedAtMs: number;
  /** Wall-clock ms of earlier local restarts, oldest first. */
  restartsAtMs: readonly number[];
}

/**
 * Swarm's rules: condition "none" never restarts; "on-failure" restarts a
 * failed task; "any" restarts every end, except that a task whose desired
 * state is "complete" (a job) is done once it exits 0. maxAttempts > 0 caps
 * the restarts counted within windowMs before the end (all of them when
 * windowMs is 0). The answer depends on the end only, not on when it is
 * asked, so a task that was given up on stays given up on (as in swarmkit).
 */
export function decideRestart(question: RestartQuestion): RestartDecision {
  const { policy, endedAs } = question;
  if (endedAs === 'shutdown' || endedAs === 'rejected') return { restart: false, reason: `a ${endedAs} task is never restarted` };
  if (question.desiredState === 'shutdown') return { restart: false, reason: 'the task is to be shut down' };
  if (policy.condition === 'none') return { restart: false, reason: 'restart condition is "none"' };
  if (endedAs === 'complete' && (policy.condition === 'on-failure' || question.desiredState === 'complete')) {
    return { restart: false, reason: 'the task completed' };
  }
  const counted = policy.windowMs > 0
    ? question.restartsAtMs.filter((atMs) => atMs > question.endedAtMs - policy.windowMs)
    : question.restartsAtMs;
  if (policy.maxAttempts > 0 && counted.length >= policy.maxAttempts) {
    const within = policy.windowMs > 0 ? ` within ${policy.windowMs} ms` : '';
    return { restart: false, reason: `gave up after ${counted.length} local restart(s)${within} (max attempts ${policy.maxAttempts})` };
  }
  return { restart: true, dueAtMs: question.endedAtMs + policy.delayMs, attempt: question.restartsAtMs.length + 1 };
}
