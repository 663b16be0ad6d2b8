// An HTTP proxy on loopback in front of a real registry that injects the
// faults a board's flaky link produces: a blob response cut after N bytes,
// and a server that ignores Range requests. It records what it saw so tests
// can check the client resumed (or restarted) rather than just succeeded.
import { createServer, request as httpRequest, type Server } from 'node:http';

export interface FaultPlan {
  /** Blob digest whose responses are cut. */
  digest?: string;
  /** Cut responses for `digest` after this many body bytes… */
  cutAfterBytes?: number;
  /** …this many times (default 1); counts down as cuts happen. */
  cutCount?: number;
  /** Drop the Range header before forwarding, so the registry answers 200 with the whole blob. */
  ignoreRange?: boolean;
}

export interface SeenRequest {
  path: string;
  range: string | undefined;
  status: number;
}

export interface FaultProxy {
  domain: string;
  plan: FaultPlan;
  seen: SeenRequest[];
  stop(): Promise<void>;
}

export async function startFaultProxy(upstreamPort: number): Promise<FaultProxy> {
  const seen: SeenRequest[] = [];
  const proxy: Partial<FaultProxy> = { plan: {}, seen };
  const server: Server = createServer((request, response) => {
    const plan = proxy.plan!;
    const headers = { ...request.headers, host: `127.0.0.1:${upstreamPort}` };
    const range = request.headers.range;
    if (plan.ignoreRange) delete headers.range;
    const upstream = httpRequest({ host: '127.0.0.1', port: upstreamPort, method: request.method, path: request.url, headers }, (answer) => {
      seen.push({ path: request.url ?? '', range, status: answer.statusCode ?? 0 });
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      const isTarget = plan.digest !== undefined && (request.url ?? '').endsWith(`/blobs/${plan.digest}`) && request.method === 'GET';
      if (!isTarget || plan.cutAfterBytes === undefined || (plan.cutCount ?? 1) <= 0) {
        answer.pipe(response);
        return;
      }
      plan.cutCount = (plan.cutCount ?? 1) - 1;
      let sent = 0;
      answer.on('data', (chunk: Buffer) => {
        if (sent >= plan.cutAfterBytes!) return;
        const room = plan.cutAfterBytes! - sent;
        response.write(room >= chunk.length ? chunk : chunk.subarray(0, room));
        sent += Math.min(room, chunk.length);
        if (sent >= plan.cutAfterBytes!) {
          answer.destroy();
          // Destroying the socket mid-body is what a dropped link looks like to the client.
          setTimeout(() => response.socket?.destroy(), 20);
        }
      });
    });
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  proxy.domain = `127.0.0.1:${port}`;
  proxy.stop = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy as FaultProxy;
}

/** Installs a new fault plan and forgets the requests seen so far. */
export function resetFaults(proxy: FaultProxy, plan: FaultPlan): void {
  proxy.plan = plan;
  proxy.seen.length = 0;
}
