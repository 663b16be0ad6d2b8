// edgectl's side of the control socket: length-prefixed CBOR frames over the
// unix socket, with the same Link protocol as links between nodes (see
// runtime/daemon/control-server.ts). One connection per command.
import { connect } from 'node:net';
import { EdgeError } from '../common/errors.js';
import { MessagePolicy, type PeerIdentity } from '../transport/authorization.js';
import { LinkError } from '../transport/errors.js';
import { Link, Router } from '../transport/link.js';
import { wireCodec } from '../transport/wire-codec.js';
import { streamFrameSocket } from '../transport/stream-socket.js';
import type { RequestOf, ResponseOf } from '../wire/index.js';
import type { controlMethods } from '../wire/messages/control.js';
import type { serviceMethods } from '../wire/messages/services.js';
import { cliErrors } from './errors.js';

export type ControlMethod = (typeof controlMethods)[number]['method'] | (typeof serviceMethods)[number]['method'];
export type ControlRequest<M extends ControlMethod> = RequestOf<M>['body'];
export type ControlResponse<M extends ControlMethod> = ResponseOf<M>['body'];

export const defaultControlSocketPath = '/run/edgectl/edged.sock';

/** How long connecting to the socket may take; edged answers locally, so this is generous. */
export const connectTimeoutMs = 5_000;
/** A call with no answer by then fails with EDGE_CLI_TIMEOUT. Commands that wait on the cluster pass more. */
export const callTimeoutMsDefault = 30_000;
/** Largest frame accepted from edged; matches the server's limit. */
const frameBytesMax = 4 * 1024 * 1024;

/**
 * edged as seen from edgectl. The role only feeds link error texts, which
 * this client rewrites anyway; the empty policy refuses anything edged might
 * try to send us other than answers.
 */
function daemonPeer(socketPath: string): PeerIdentity {
  return { nodeId: `edged at ${socketPath}`, role: 'worker', clusterId: '', serial: '' };
}

/** Maps the socket-level failure of connecting to what the user should do about it. */
export function connectionError(socketPath: string, error: NodeJS.ErrnoException): EdgeError {
  switch (error.code) {
    case 'EACCES':
    case 'EPERM':
      return cliErrors.permissionDenied(socketPath);
    case 'ENOENT':
    case 'ECONNREFUSED':
      // ECONNREFUSED: the socket file is left over from an edged that is not running.
      return cliErrors.unreachable(socketPath);
    default:
      return cliErrors.unreachable(socketPath, error.code ?? error.message);
  }
}

export class ControlClient {
  private constructor(
    private readonly link: Link,
    readonly socketPath: string,
  ) {}

  static connect(socketPath: string): Promise<ControlClient> {
    return new Promise<ControlClient>((resolve, reject) => {
      const socket = connect(socketPath);
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        socket.destroy();
        reject(cliErrors.unreachable(socketPath, `no connection within ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);
      socket.once('error', (error: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(connectionError(socketPath, error));
      });
      socket.once('connect', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const link = new Link({
          socket: streamFrameSocket(socket, frameBytesMax),
          codec: wireCodec(),
          peer: daemonPeer(socketPath),
          policy: new MessagePolicy(),
          router: new Router(),
          // edged may be busy (an election, a join); a long silence is not yet a dead daemon.
          options: { heartbeatIntervalMs: 2_000, heartbeatTimeoutMs: 30_000, requestTimeoutMs: callTimeoutMsDefault },
        });
        resolve(new ControlClient(link, socketPath));
      });
    });
  }

  /** Sends one control request; edged's own errors come back unchanged, link failures as EDGE_CLI_* errors. */
  async call<M extends ControlMethod>(method: M, body: ControlRequest<M>, options: { timeoutMs?: number } = {}): Promise<ControlResponse<M>> {
    const timeoutMs = options.timeoutMs ?? callTimeoutMsDefault;
    try {
      return (await this.link.request(method, body, { timeoutMs })) as ControlResponse<M>;
    } catch (error) {
      throw this.localFailure(error, method, timeoutMs);
    }
  }

  close(): void {
    this.link.close('edgectl done');
  }

  /** Only failures of this link are rewritten; an EdgeError edged sent (a plain EdgeError, not a LinkError) passes through. */
  private localFailure(error: unknown, method: string, timeoutMs: number): unknown {
    if (!(error instanceof LinkError)) return error;
    if (error.code === 'EDGE_LINK_TIMEOUT') return cliErrors.timeout(this.socketPath, method, timeoutMs);
    if (error.code === 'EDGE_LINK_CLOSED') return cliErrors.connectionLost(this.socketPath, method);
    return error;
  }
}
