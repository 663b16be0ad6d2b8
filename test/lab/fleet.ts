// Real edged processes on lab hosts: start, stop, kill and talk to them over
// their control sockets (the same API edgectl uses).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { controlCall } from '../daemon/control-client.js';
import { Lab } from './lab.js';
import { labRegistryAddress } from './registry.js';

export const edgedBundle = join(process.cwd(), 'dist/edged.js');
export const edgectlBundle = join(process.cwd(), 'dist/edgectl.js');
export const edgedPort = 4270;

export interface FleetOptions {
  name: string;
  hosts: number;
}

export class Fleet {
  constructor(readonly lab: Lab) {}

  static create(options: FleetOptions): Fleet {
    if (!existsSync(edgedBundle)) throw new Error(`${edgedBundle} is missing: run npm run build first`);
    return new Fleet(Lab.create(options));
  }

  address(index: number): string {
    return `${this.lab.host(index).address}:${edgedPort}`;
  }

  /** Starts edged on host i with its own data dir and socket; extra edged flags and node (V8) flags as given. */
  start(index: number, extra: string[] = [], nodeFlags: readonly string[] = []): void {
    const host = this.lab.host(index);
    this.lab.start(index, process.execPath, [
      ...nodeFlags,
      edgedBundle,
      '--config', '/dev/null',
      '--data-dir', host.dataDir,
      '--control-socket', host.controlSocket,
      '--listen-addr', `${host.address}:${edgedPort}`,
      '--hostname', `host${index}`,
      '--runtime-root', host.runcRoot,
      '--insecure-registries', labRegistryAddress,
      ...extra,
    ]);
  }

  /** Waits until host i's control socket answers. */
  async ready(index: number, timeoutMs = 10_000): Promise<void> {
    await waitUntil(async () => {
      try {
        await this.call(index, 'swarm.info', {}, 2000);
        return true;
      } catch {
        return false;
      }
    }, timeoutMs, `edged on host ${index} to answer on its control socket`);
  }

  call(index: number, method: string, body: unknown, timeoutMs = 20_000): Promise<any> {
    return controlCall(this.lab.host(index).controlSocket, method, body, timeoutMs);
  }

  /** Runs the real edgectl bundle against host i's edged; returns stdout (throws with stderr on failure). */
  edgectl(index: number, args: string[], timeoutMs = 30_000): string {
    const result = spawnSync(process.execPath, [edgectlBundle, '--host', this.lab.host(index).controlSocket, ...args], { encoding: 'utf8', timeout: timeoutMs });
    if (result.status !== 0) throw new Error(`edgectl ${args.join(' ')} on host ${index} exited ${result.status}: ${result.stderr}`);
    return result.stdout;
  }

  /** kill -9, then wait until the process is gone. */
  kill(index: number): void {
    this.lab.kill(index);
  }

  async stop(index: number): Promise<void> {
    this.lab.kill(index, 'SIGTERM');
    await waitUntil(async () => !this.lab.isRunning(index), 15_000, `edged on host ${index} to stop`);
  }

  destroy(): void {
    this.lab.destroy();
  }

  /**
   * Runs a lab test's body; if it fails, prints the tail of the edged logs of
   * `logHosts` (default: every host) first. The lab is destroyed either way.
   */
  async run(body: () => Promise<void>, options: { logHosts?: readonly number[]; logChars?: number } = {}): Promise<void> {
    try {
      await body();
    } catch (error) {
      const hosts = options.logHosts ?? this.lab.hosts.map((host) => host.index);
      for (const index of hosts) console.log(`--- host${index}\n${this.logs(index).slice(-(options.logChars ?? 3000))}`);
      throw error;
    } finally {
      this.destroy();
    }
  }

  /** How a control call on host i ends: `code` '' when it succeeds, else the error's code and message. */
  async outcome(index: number, method: string, body: unknown, timeoutMs = 20_000): Promise<{ code: string; message: string }> {
    try {
      await this.call(index, method, body, timeoutMs);
      return { code: '', message: '' };
    } catch (error) {
      return { code: (error as { code?: string }).code ?? 'no code', message: (error as Error).message };
    }
  }

  logs(index: number): string {
    return this.lab.logs(index);
  }
}

export async function waitUntil(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await condition()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Node list as a manager sees it, keyed by hostname. */
export async function nodesByHostname(fleet: Fleet, index: number, stale = false): Promise<Map<string, any>> {
  const answer = await fleet.call(index, 'node.ls', { stale }, 5000);
  return new Map((answer.nodes as any[]).map((node) => [node.hostname, node]));
}

/** The lab host whose edged says it leads, among `candidates` (waits for an election). */
export async function leaderAmong(fleet: Fleet, candidates: readonly number[], callTimeoutMs = 2000, timeoutMs = 20_000): Promise<number> {
  let found = -1;
  await waitUntil(async () => {
    for (const index of candidates) {
      try {
        const info = await fleet.call(index, 'swarm.info', {}, callTimeoutMs);
        if (info.leader && info.leader === info.nodeId) {
          found = index;
          return true;
        }
      } catch {
        // host down or busy
      }
    }
    return false;
  }, timeoutMs, 'a leader among the managers');
  return found;
}
