// Every operating error the executor raises, one class per stable code. The
// README's table lists the same codes; a script matches on `code`, a person
// reads the message, which says what to do about it.
import { EdgeError } from '../../common/errors.js';
import type { ContainerState } from './types.js';

/** The spec handed to create() is malformed; `field` names the part to fix. */
export class ContainerSpecInvalidError extends EdgeError {
  constructor(readonly field: string, problem: string) {
    super('EDGE_CONTAINER_SPEC_INVALID', `container spec field "${field}" ${problem}`);
    this.name = 'ContainerSpecInvalidError';
  }
}

export class ContainerNotFoundError extends EdgeError {
  constructor(id: string) {
    super('EDGE_CONTAINER_NOT_FOUND', `no container "${id}" on this board; list() shows the ones that exist`);
    this.name = 'ContainerNotFoundError';
  }
}

export class ContainerExistsError extends EdgeError {
  constructor(id: string) {
    super('EDGE_CONTAINER_EXISTS', `a container "${id}" already exists; remove it first or pick another id`);
    this.name = 'ContainerExistsError';
  }
}

/** The call is not one of the transitions allowed from the container's current state. */
export class ContainerWrongStateError extends EdgeError {
  constructor(id: string, operation: string, state: ContainerState, allowed: readonly ContainerState[]) {
    super(
      'EDGE_CONTAINER_WRONG_STATE',
      `cannot ${operation} container "${id}" while it is ${state}; ${operation} needs it ${allowed.join(' or ')}`,
    );
    this.name = 'ContainerWrongStateError';
  }
}

/** The runtime refused to create or start the container; the message carries its own words. */
export class ContainerStartFailedError extends EdgeError {
  constructor(id: string, runtimeMessage: string) {
    super(
      'EDGE_CONTAINER_START_FAILED',
      `container "${id}" did not start: ${runtimeMessage || 'the runtime gave no reason'}; ` +
        'check that the rootfs holds the program in args[0] and that the volumes exist',
    );
    this.name = 'ContainerStartFailedError';
  }
}

export class ContainerStartTimeoutError extends EdgeError {
  constructor(id: string, timeoutMs: number) {
    super(
      'EDGE_CONTAINER_START_TIMEOUT',
      `container "${id}" had no running process after ${timeoutMs} ms; the board may be overloaded — ` +
        'raise startTimeoutMs or retry',
      { retryable: true },
    );
    this.name = 'ContainerStartTimeoutError';
  }
}

export class ContainerStopTimeoutError extends EdgeError {
  constructor(id: string, waitedMs: number) {
    super(
      'EDGE_CONTAINER_STOP_TIMEOUT',
      `container "${id}" was still running ${waitedMs} ms after SIGKILL; a process may be stuck in the kernel ` +
        '(D state, often a hung NFS or SD card) — retry stop, then reboot the board if it persists',
      { retryable: true },
    );
    this.name = 'ContainerStopTimeoutError';
  }
}

export class RuntimeNotFoundError extends EdgeError {
  constructor(wanted: string) {
    super(
      'EDGE_RUNTIME_NOT_FOUND',
      `no OCI runtime found (${wanted}); install the Debian package crun (cgroup v2) or runc`,
    );
    this.name = 'RuntimeNotFoundError';
  }
}

/** A runtime command other than start failed (state, kill, delete, exec). */
export class RuntimeCommandFailedError extends EdgeError {
  constructor(command: string, detail: string) {
    super(
      'EDGE_RUNTIME_COMMAND_FAILED',
      `"${command}" failed: ${detail || 'no message'}; if the runtime state root was wiped, restart the agent to re-adopt`,
      { retryable: true },
    );
    this.name = 'RuntimeCommandFailedError';
  }
}

/** The spec asks for a limit whose cgroup controller the kernel does not offer. */
export class CgroupControllerMissingError extends EdgeError {
  constructor(controller: string) {
    super(
      'EDGE_CGROUP_CONTROLLER_MISSING',
      `the kernel offers no "${controller}" cgroup controller; on Raspberry Pi OS add ` +
        '"cgroup_enable=memory cgroup_memory=1" to cmdline.txt and reboot, or drop the limit',
    );
    this.name = 'CgroupControllerMissingError';
  }
}

export class RootfsMissingError extends EdgeError {
  constructor(path: string) {
    super(
      'EDGE_CONTAINER_ROOTFS_MISSING',
      `rootfs "${path}" is not a directory; pull and prepare the image before creating the container`,
    );
    this.name = 'RootfsMissingError';
  }
}

/** The executor's own configuration is wrong; `field` names it. */
export class ExecutorConfigInvalidError extends EdgeError {
  constructor(readonly field: string, problem: string) {
    super('EDGE_EXECUTOR_CONFIG_INVALID', `executor config field "${field}" ${problem}`);
    this.name = 'ExecutorConfigInvalidError';
  }
}

/** logs()/wait() gave up because the caller aborted. */
export class OperationAbortedError extends EdgeError {
  constructor(what: string) {
    super('EDGE_OPERATION_ABORTED', `${what} was aborted by the caller`, { retryable: true });
    this.name = 'OperationAbortedError';
  }
}
