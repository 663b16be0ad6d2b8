// The task state machine's decision half: given what the agent knows about a
// task, which single step comes next. Pure, so every path is testable without
// an executor; task-steps.ts carries the steps out, one at a time per task.
//
//   new ─accept─▶ accepted ─prepare─▶ preparing ─pull─▶ (image) ─create─▶ starting ─start─▶ running
//    │                                    │                          │                  │   │
//    └─accept (refused)─▶ rejected        └──────── failed ◀─────────┴──────────────────┘   └─(exit) finish─▶ complete | failed
//
//   unwanted (desired shutdown, or unlisted):  running ─stop─▶ (exit) ─finish─▶ shutdown ─remove─▶ (container gone)
//   not yet started and unwanted:              new/accepted/preparing/starting ─shutdown─▶ shutdown
//   unlisted, nothing left:                    ─forget─▶ (record dropped)
//   ended, no manager reachable, policy says so: ─remove─▶ ─restart (after delayMs)─▶ preparing (image kept)
import { decideRestart } from './restart-policy.js';
import { isTerminal, isUnwanted, type TaskRecord } from './task.js';

export type Step =
  /** Nothing to do until something happens (an exit, an assignment, a session change). */
  | { kind: 'none' }
  /** Check the spec against the node: new → accepted, or rejected. */
  | { kind: 'accept' }
  /** accepted → preparing (reported before the pull starts, so the manager sees it). */
  | { kind: 'prepare' }
  /** Pull the image while preparing; failure → failed. */
  | { kind: 'pull' }
  /** Prepare the rootfs and create the container: → starting; failure → failed. */
  | { kind: 'create' }
  /** Start the created container: starting → running; failure → failed. */
  | { kind: 'start' }
  /** Turn the recorded exit into complete, failed or shutdown. */
  | { kind: 'finish' }
  /** Stop the running container (SIGTERM, grace, SIGKILL); its exit is recorded for finish. */
  | { kind: 'stop' }
  /** Remove the ended or never-started container and release its rootfs. */
  | { kind: 'remove' }
  /** An unwanted task that never ran: → shutdown. */
  | { kind: 'shutdown' }
  /** Begin a local restart: back to preparing with the image kept. */
  | { kind: 'restart' }
  /** A local restart is due later: wake up then. */
  | { kind: 'wait'; untilMs: number }
  /** Drop an unlisted task whose container is gone. */
  | { kind: 'forget' };

export interface PlanContext {
  /** A session with a manager is open: the orchestrator, not the agent, restarts ended tasks. */
  online: boolean;
  /** Wall-clock now, ms. */
  nowMs: number;
  /** No other task still holds one of this task's published ports (asked only before creating its container). */
  portsFree: () => boolean;
}

const none: Step = { kind: 'none' };

export function planStep(task: TaskRecord, context: PlanContext): Step {
  if (task.exit !== null) return { kind: 'finish' };
  if (task.container === 'running') return isUnwanted(task) || task.failReason !== null ? { kind: 'stop' } : none;
  if (isUnwanted(task)) return planUnwanted(task);
  switch (task.state) {
    case 'new':
      return { kind: 'accept' };
    case 'accepted':
      return { kind: 'prepare' };
    case 'preparing':
      if (task.imageId === null) return { kind: 'pull' };
      // A task on its way out still listens on the port: wait for its end rather than fail to bind.
      return context.portsFree() ? { kind: 'create' } : none;
    case 'starting':
      if (task.container === 'created') return { kind: 'start' };
      return context.portsFree() ? { kind: 'create' } : none;
    case 'complete':
    case 'failed':
      return context.online ? none : planLocalRestart(task, context.nowMs);
    default:
      return none;
  }
}

function planUnwanted(task: TaskRecord): Step {
  if (task.container !== 'none' || task.rootfsHeld) return { kind: 'remove' };
  if (!isTerminal(task.state)) return { kind: 'shutdown' };
  return task.listed ? none : { kind: 'forget' };
}

function planLocalRestart(task: TaskRecord, nowMs: number): Step {
  if (task.state !== 'complete' && task.state !== 'failed') return none;
  const decision = decideRestart({
    policy: task.assignment.spec.restartPolicy,
    desiredState: task.assignment.desiredState,
    endedAs: task.state,
    endedAtMs: task.endedAtMs ?? nowMs,
    restartsAtMs: task.restartsAtMs,
  });
  if (!decision.restart) return none;
  // The old container goes first: its id is reused, and its rootfs is rebuilt fresh.
  if (task.container !== 'none' || task.rootfsHeld) return { kind: 'remove' };
  return nowMs >= decision.dueAtMs ? { kind: 'restart' } : { kind: 'wait', untilMs: decision.dueAtMs };
}
