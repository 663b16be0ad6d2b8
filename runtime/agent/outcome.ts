// How a container's end reads in the task's status: which terminal state, and
// the words the person running `edgectl service ps` sees. Pure.
import type { ExitStatus } from '../containers/executor/index.js';

export interface Outcome {
  state: 'complete' | 'failed' | 'shutdown';
  message: string;
  error: string;
  exitCode: number | null;
}

export interface OutcomeContext {
  /** The task's memory limit, 0 for none (named in the OOM error). */
  memoryLimitBytes: number;
  /** Set when the agent stopped the container to fail the task (unhealthy). */
  failReason: string | null;
}

const MiB = 1024 * 1024;

/** "64 MiB", "64.5 MiB", or bytes below a MiB. */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB) return bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${(bytes / MiB).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}

const signalNames: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };

function describeCode(exitCode: number): string {
  const signal = exitCode > 128 ? signalNames[exitCode - 128] : undefined;
  return signal === undefined ? `exit code ${exitCode}` : `exit code ${exitCode} (${signal})`;
}

export function outcomeOfExit(exit: ExitStatus, context: OutcomeContext): Outcome {
  const exitCode = exit.exitCode;
  if (exit.stopRequested && context.failReason !== null) {
    return { state: 'failed', message: 'stopped by the agent', error: context.failReason, exitCode };
  }
  if (exit.stopRequested) {
    return { state: 'shutdown', message: exitCode === null ? 'stopped' : `stopped (${describeCode(exitCode)})`, error: '', exitCode };
  }
  // Checked before the code: an OOM kill reads as 137, which alone would look like any SIGKILL.
  if (exit.oomKilled) {
    const limit = context.memoryLimitBytes > 0 ? `limit ${formatBytes(context.memoryLimitBytes)}` : 'no memory limit set (the board itself ran out)';
    return { state: 'failed', message: 'killed by the kernel OOM killer', error: `OOM-killed: ${limit}`, exitCode };
  }
  if (exitCode === null) {
    return {
      state: 'failed',
      message: 'ended unseen',
      error: 'the container ended while nothing watched it (its supervisor was killed or the board rebooted); exit code unknown',
      exitCode,
    };
  }
  if (exitCode === 0) return { state: 'complete', message: 'exited with code 0', error: '', exitCode };
  return { state: 'failed', message: `exited with ${describeCode(exitCode)}`, error: `non-zero exit: ${describeCode(exitCode)}`, exitCode };
}
