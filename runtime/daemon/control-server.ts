// The control socket edgectl talks to: a unix socket (mode 0600, so only
// root) carrying the same CBOR frames and Link protocol as node links, framed
// by length (runtime/transport/stream-socket.ts).
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import { EdgeError } from '../common/errors.js';
import type { PeerIdentity } from '../transport/authorization.js';
import type { LinkCodec } from '../transport/frames.js';
import { Link, type Router } from '../transport/link.js';
import { streamFrameSocket } from '../transport/stream-socket.js';
import { controlPolicy } from './policy.js';

/** Largest control frame either way; a node list of 10,000 boards fits. */
export const controlFrameBytesMax = 4 * 1024 * 1024;

const controlPeer: PeerIdentity = { nodeId: 'local', role: 'control', clusterId: '', serial: '' };

/** True when something accepts connections on the socket path. */
function socketInUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

export class ControlServer {
  private readonly server: Server;
  private readonly links = new Set<Link>();

  constructor(private readonly path: string, codec: LinkCodec, router: Router) {
    this.server = createServer((connection) => {
      const link = new Link({
        socket: streamFrameSocket(connection, controlFrameBytesMax),
        codec,
        peer: controlPeer,
        policy: controlPolicy(),
        router,
        // A CLI call may wait on a join or an election; the CLI has its own timeout.
        options: { heartbeatTimeoutMs: 60_000, heartbeatIntervalMs: 20_000 },
      });
      this.links.add(link);
      link.onClose(() => this.links.delete(link));
    });
  }

  async listen(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o755 });
    if (existsSync(this.path)) {
      if (await socketInUse(this.path)) {
        throw new EdgeError('EDGE_DAEMON_ALREADY_RUNNING', `another edged is already serving ${this.path}: stop it first, or give this one --control-socket and --data-dir of its own`);
      }
      unlinkSync(this.path); // left by a crash
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.path, () => resolve());
    });
    chmodSync(this.path, 0o600);
  }

  async close(): Promise<void> {
    for (const link of this.links) link.close('edged shutting down', 1001);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}
