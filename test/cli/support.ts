// Test harness for the CLI: a real ControlServer on a temporary unix socket
// whose handlers answer with fixtures and record what they were asked, and a
// way to run edgectl in-process with captured output.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeError } from '../../runtime/common/errors.js';
import { run } from '../../runtime/cli/main.js';
import { ControlServer } from '../../runtime/daemon/control-server.js';
import { Router, type RequestContext, type RequestHandler } from '../../runtime/transport/link.js';
import { wireCodec } from '../../runtime/transport/wire-codec.js';
import type { NodeView } from '../../runtime/wire/messages/control.js';

export interface Call {
  method: string;
  body: unknown;
}

export interface FakeDaemon {
  socketPath: string;
  directory: string;
  /** Every request the CLI made, in order. */
  calls: Call[];
  close(): Promise<void>;
}

export type Handlers = Record<string, (body: any, context: RequestContext) => unknown>;

/** Starts a ControlServer whose methods answer from `handlers`; unknown methods get edged's EDGE_LINK_NO_HANDLER. */
export async function startDaemon(handlers: Handlers): Promise<FakeDaemon> {
  const directory = mkdtempSync(join(tmpdir(), 'edgectl-cli-'));
  const socketPath = join(directory, 'edged.sock');
  const calls: Call[] = [];
  const router = new Router();
  for (const [method, answer] of Object.entries(handlers)) {
    const handler: RequestHandler = (body, context) => {
      calls.push({ method, body });
      return answer(body, context);
    };
    router.handle(method, handler);
  }
  const server = new ControlServer(socketPath, wireCodec(), router);
  await server.listen();
  return {
    socketPath,
    directory,
    calls,
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs edgectl in-process against `socketPath` (through EDGECTL_HOST unless env says otherwise). */
export async function edgectl(argv: readonly string[], options: { socketPath?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const env = { ...(options.socketPath ? { EDGECTL_HOST: options.socketPath } : {}), ...options.env };
  const code = await run(argv, {
    env,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

export const managerNode: NodeView = {
  id: 'k3m9x2p7q4w8e6r1t5y0u3i2o9',
  hostname: 'pi-kitchen',
  role: 'manager',
  status: 'ready',
  statusMessage: '',
  statusChangedAtMs: 1_700_000_000_000,
  availability: 'active',
  managerStatus: 'leader',
  raftId: 1,
  addr: '192.168.1.20:4270',
  labels: { zone: 'house' },
  platform: { os: 'linux', arch: 'arm64' },
  board: 'raspberry-pi-4b',
  memoryBytes: 4 * 1024 ** 3,
  cores: 4,
  joinedAtMs: 1_700_000_000_000,
};

/** A worker: the wire carries no managerStatus for it. */
export const workerNode: NodeView = {
  id: 'a7b2c9d4e1f6g3h8i5j0k2l7m4',
  hostname: 'pi-garage',
  role: 'worker',
  status: 'down',
  statusMessage: 'no heartbeat for 15 s',
  statusChangedAtMs: 1_700_000_100_000,
  availability: 'drain',
  raftId: 0,
  addr: '192.168.1.31:4270',
  labels: {},
  platform: { os: 'linux', arch: 'arm64' },
  board: 'raspberry-pi-zero-2w',
  memoryBytes: 512 * 1024 ** 2,
  cores: 4,
  joinedAtMs: 1_700_000_050_000,
};

export const activeInfo = {
  state: 'active',
  message: '',
  nodeId: managerNode.id,
  clusterId: 'c1u5t3r0000000000000000001',
  role: 'manager',
  addr: '192.168.1.20:4270',
  leader: managerNode.id,
  managers: 1,
  nodes: 2,
  version: '0.1.0',
  arch: 'arm64',
} as const;

export const caDigest = 'ab'.repeat(32);
export const workerToken = `EDGE1-${caDigest}-w0rkers3cretabcdefghijklmnop`;
export const managerToken = `EDGE1-${caDigest}-m4nagers3cretabcdefghijklmno`;

/** What edged answers for a node it does not know (the shape of its errors: code and what to do). */
export function nodeNotFound(ref: string): EdgeError {
  return new EdgeError('EDGE_NODE_NOT_FOUND', `no node with ID or hostname "${ref}"; see \`edgectl node ls\``);
}

/** Finds a node by id, id prefix or hostname, as edged does. */
export function findNode(nodes: readonly NodeView[], ref: string): NodeView {
  const node = nodes.find((candidate) => candidate.id === ref || candidate.hostname === ref || candidate.id.startsWith(ref));
  if (!node) throw nodeNotFound(ref);
  return node;
}
