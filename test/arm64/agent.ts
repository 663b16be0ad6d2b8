// The real dist/edged.js started under qemu on the arm64 node, and the real
// dist/edgectl.js run the same way. Readiness is asked from the host side
// (edgectl's own control client calling swarm.info) so that waiting costs no
// extra emulated process per poll.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ControlClient } from '../../runtime/cli/control-client.js';
import { arm64Node, REPO_ROOT, type Arm64Runtime } from './runtime.js';

/** Under qemu on a busy machine edged answers in 5–15 s; past this it is broken, not slow. */
export const AGENT_READY_TIMEOUT_MS = 90_000;
/** One edgectl call under qemu takes 5–10 s here. */
export const CLI_TIMEOUT_MS = 90_000;
const READY_POLL_MS = 20;
const STOP_GRACE_MS = 10_000;
/** Keeps only the tail of a child's output: enough to explain a failure, bounded however chatty it gets. */
const OUTPUT_CHARS_MAX = 64 * 1024;

export interface Arm64Agent {
  socketPath: string;
  /** IP:PORT edged listens on for peers. */
  listenAddr: string;
  /** From spawn to the first answered swarm.info, in ms. */
  readyMs: number;
  /** What edged printed so far (tail). */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period; removes the data directory. Safe to call twice. */
  stop(): Promise<void>;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A port free on 127.0.0.1 right now (edged binds it a few seconds later; good enough on a test machine). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address for a loopback listener');
  return address.port;
}

/** Starts arm64 edged in a fresh data directory and resolves once its control socket answers swarm.info. */
export async function startArm64Agent(runtime: Arm64Runtime, options: { listenAddr?: string; readyTimeoutMs?: number } = {}): Promise<Arm64Agent> {
  const directory = mkdtempSync(join(tmpdir(), 'edge-arm64-agent-'));
  const socketPath = join(directory, 'edged.sock');
  const listenAddr = options.listenAddr ?? `127.0.0.1:${await freeLoopbackPort()}`;
  const edged = join(REPO_ROOT, 'dist/edged.js');
  const flags = ['--data-dir', join(directory, 'data'), '--control-socket', socketPath, '--listen-addr', listenAddr, '--config', '/dev/null'];
  const { command, args } = arm64Node(runtime, [edged, ...flags]);
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-OUTPUT_CHARS_MAX);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  // If the test process dies before stop(), the emulated agent must not outlive it.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await terminate(child);
    process.off('exit', killOnExit);
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    await waitForInfo(child, socketPath, options.readyTimeoutMs ?? AGENT_READY_TIMEOUT_MS, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { socketPath, listenAddr, readyMs: performance.now() - started, output: () => output, stop };
}

async function waitForInfo(child: ChildProcess, socketPath: string, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let lastError = 'no attempt yet';
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`edged under qemu exited (${child.exitCode ?? child.signalCode}) before answering; it printed:\n${output()}`);
    }
    try {
      const client = await ControlClient.connect(socketPath);
      try {
        await client.call('swarm.info', {}, { timeoutMs: Math.max(1, deadline - performance.now()) });
        return;
      } finally {
        client.close();
      }
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  throw new Error(`edged under qemu did not answer swarm.info within ${timeoutMs} ms (last: ${lastError}); it printed:\n${output()}`);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** Runs arm64 dist/edgectl.js under qemu with `argv`. */
export function runArm64Cli(runtime: Arm64Runtime, argv: readonly string[], timeoutMs = CLI_TIMEOUT_MS): Promise<CliRun> {
  const { command, args } = arm64Node(runtime, [join(REPO_ROOT, 'dist/edgectl.js'), ...argv]);
  return runToEnd(command, args, timeoutMs);
}

/** Runs a command to its end with output captured; killed (SIGKILL) past `timeoutMs`. */
export function runToEnd(command: string, args: readonly string[], timeoutMs: number): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout = (stdout + chunk.toString()).slice(-OUTPUT_CHARS_MAX)));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-OUTPUT_CHARS_MAX)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
