// Runs a short-lived host command (a runtime's state/kill/delete/exec) with a
// deadline and bounded output capture: a runtime that hangs or floods must not
// hang or bloat the agent.
import { lazyBuiltin } from '../../common/builtin.js';

const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');

export interface CommandResult {
  /** null when a signal ended it (including our own timeout kill). */
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  timeoutMs: number;
  /** Bytes kept per stream; the rest is read and dropped. */
  outputBytesMax: number;
  /** Called on timeout before the command itself is killed (exec uses it to kill the process inside). */
  onTimeout?: () => void;
}

export function runCommand(file: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = childProcess().spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = new BoundedText(options.outputBytesMax);
    const stderr = new BoundedText(options.outputBytesMax);
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      options.onTimeout?.();
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ exitCode: null, timedOut, stdout: '', stderr: error.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, timedOut, stdout: stdout.text(), stderr: stderr.text() });
    });
  });
}

/** Keeps the first `bytesMax` bytes of a stream. */
export class BoundedText {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly bytesMax: number) {}

  push(chunk: Buffer): void {
    const room = this.bytesMax - this.bytes;
    if (room <= 0) return;
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(kept);
    this.bytes += kept.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
