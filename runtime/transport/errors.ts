import { EdgeError } from '../common/errors.js';

/** A link-level failure; `code` is stable (docs/errors.md). */
export class LinkError extends EdgeError {
  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'LinkError';
  }
}

export const linkErrors = {
  closed: (peer: string, reason: string) =>
    new LinkError('EDGE_LINK_CLOSED', `link to ${peer} closed (${reason}); the call may or may not have run: retry if it is idempotent`, { retryable: true }),
  timeout: (peer: string, method: string, ms: number) =>
    new LinkError('EDGE_LINK_TIMEOUT', `${method} to ${peer} got no answer within ${ms} ms; check the peer is up and reachable`, { retryable: true }),
  cancelled: (method: string) => new LinkError('EDGE_LINK_CANCELLED', `${method} was cancelled by the caller`),
  backpressure: (peer: string, queuedBytes: number, maxBytes: number) =>
    new LinkError(
      'EDGE_LINK_BACKPRESSURE',
      `send queue to ${peer} holds ${queuedBytes} bytes (limit ${maxBytes}); the peer reads too slowly: retry later`,
      { retryable: true },
    ),
  tooManyInflight: (peer: string, max: number) =>
    new LinkError('EDGE_LINK_TOO_MANY_INFLIGHT', `${max} requests already in flight to ${peer}; wait for some to finish`, { retryable: true }),
  forbidden: (peer: string, role: string, what: string) =>
    new LinkError('EDGE_LINK_FORBIDDEN', `${peer} (role ${role}) may not send ${what}: only the roles allowed by the policy can`),
  denied: (peer: string) =>
    new LinkError('EDGE_LINK_NODE_REMOVED', `${peer} was removed from the cluster; its certificate is no longer accepted: join again with a fresh token`),
  noHandler: (method: string) => new LinkError('EDGE_LINK_NO_HANDLER', `no handler for ${method} on this node; is it the right role or version?`),
  protocol: (peer: string, detail: string) =>
    new LinkError('EDGE_LINK_PROTOCOL', `${peer} broke the link protocol: ${detail}; the link was closed`),
  refused: (peer: string, reason: string) =>
    new LinkError('EDGE_LINK_REFUSED', `${peer} refused the connection: ${reason}`, { retryable: false }),
  unreachable: (peer: string, reason: string) =>
    new LinkError('EDGE_LINK_UNREACHABLE', `cannot reach ${peer}: ${reason}; check the address, the network and that edged runs there`, { retryable: true }),
  untrusted: (peer: string, reason: string) =>
    new LinkError('EDGE_LINK_UNTRUSTED_PEER', `${peer} presented a certificate this cluster does not trust: ${reason}`),
};
