// Every operating error the agent raises or writes into a task's status, one
// class per stable code. README.md lists the same codes. Errors that end a
// task travel to the manager as text in TaskStatus.error; that text ends with
// the code in brackets so scripts can still match on it.
import { EdgeError, isEdgeError } from '../common/errors.js';

export class AgentConfigInvalidError extends EdgeError {
  constructor(readonly field: string, problem: string) {
    super('EDGE_AGENT_CONFIG_INVALID', `agent config field "${field}" ${problem}`);
    this.name = 'AgentConfigInvalidError';
  }
}

/** A dispatcher.assign body the agent cannot apply as a whole; nothing of it was applied. */
export class AssignmentInvalidError extends EdgeError {
  constructor(problem: string) {
    super('EDGE_AGENT_ASSIGNMENT_INVALID', `assignment refused, nothing applied: ${problem}; this is a manager bug, report it with the manager's version`);
    this.name = 'AssignmentInvalidError';
  }
}

/**
 * A task this node cannot run as specified; the task is reported "rejected"
 * with this text, and the orchestrator places a replacement.
 */
export class TaskRejectedError extends EdgeError {
  constructor(code: TaskRejectionCode, message: string) {
    super(code, message);
    this.name = 'TaskRejectedError';
  }
}

export type TaskRejectionCode =
  /** Host-mode publishing cannot map a published port to a different target port (no NAT here). */
  | 'EDGE_AGENT_PORT_REMAP_UNSUPPORTED'
  /** Another task on this node already publishes the same port and protocol. */
  | 'EDGE_AGENT_PORT_CONFLICT'
  /** A field the executor cannot honour (memory limit below 6 MiB, a bad env name, a volume with no driver…). */
  | 'EDGE_AGENT_SPEC_UNSUPPORTED';

/** The on-disk record could not be read; the agent starts empty and waits for a manager. */
export class AgentStateCorruptError extends EdgeError {
  constructor(path: string, problem: string) {
    super(
      'EDGE_AGENT_STATE_CORRUPT',
      `agent state ${path} is unreadable (${problem}); running containers are left alone until a manager sends this node's tasks`,
    );
    this.name = 'AgentStateCorruptError';
  }
}

/** A call on an agent after stop(). */
export class AgentStoppedError extends EdgeError {
  constructor(operation: string) {
    super('EDGE_AGENT_STOPPED', `cannot ${operation}: the agent was stopped; create a new one`);
    this.name = 'AgentStoppedError';
  }
}

/** One line for TaskStatus.error: the cause's message and, when it has one, its code in brackets. */
export function statusErrorText(cause: unknown): string {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return isEdgeError(cause) ? `${detail} [${cause.code}]` : detail;
}

/** statusErrorText() after what was being done: "image pull failed: … [EDGE_IMAGE_NOT_FOUND]". */
export function describeFailure(what: string, cause: unknown): string {
  return `${what}: ${statusErrorText(cause)}`;
}
