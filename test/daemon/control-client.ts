// A minimal control-socket client for daemon tests (the real CLI has its own).
import { WebSocket } from 'ws';
import { MessagePolicy } from '../../runtime/transport/authorization.js';
import { Link, Router } from '../../runtime/transport/link.js';
import { wireCodec } from '../../runtime/transport/wire-codec.js';
import { wsFrameSocket } from '../../runtime/transport/ws-socket.js';

export async function controlCall(socketPath: string, method: string, body: unknown, timeoutMs = 20_000): Promise<any> {
  const ws = new WebSocket(`ws+unix://${socketPath}:/`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const link = new Link({
    socket: wsFrameSocket(ws),
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
