// A minimal control-socket client for daemon tests (the real CLI has its own).
import { connect } from 'node:net';
import { MessagePolicy } from '../../runtime/transport/authorization.js';
import { Link, Router } from '../../runtime/transport/link.js';
import { streamFrameSocket } from '../../runtime/transport/stream-socket.js';
import { wireCodec } from '../../runtime/transport/wire-codec.js';

export async function controlCall(socketPath: string, method: string, body: unknown, timeoutMs = 20_000): Promise<any> {
  const socket = connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const link = new Link({
    socket: streamFrameSocket(socket, 4 * 1024 * 1024),
    codec: wireCodec(),
    peer: { nodeId: 'edged', role: 'manager', clusterId: '', serial: '' },
    policy: new MessagePolicy(),
    router: new Router(),
  });
  try {
    return await link.request(method, body, { timeoutMs });
  } finally {
    link.close();
  }
}
