// The errors the gossip core hands back. Bad input from a peer is never an
// exception inside the core: step() returns a GossipError and the message is
// dropped whole, so a broken or hostile peer costs one ignored message.
// Configuration mistakes are thrown once, at construction.
import { EdgeError } from '../common/errors.js';

export const GossipErrorCode = {
  /** A GossipConfig field is out of range or inconsistent with another; the message names the field and the fix. */
  ConfigInvalid: 'EDGE_GOSSIP_CONFIG_INVALID',
  /** A received message breaks the schema or a bound (id length, update count, labels size...). Dropped; the link may stay. */
  MessageInvalid: 'EDGE_GOSSIP_MESSAGE_INVALID',
  /** The local identity (id, address, role, labels) given to the core or to setMeta() is not valid. */
  IdentityInvalid: 'EDGE_GOSSIP_IDENTITY_INVALID',
  /** join() was called with no usable seed address, or after leave(). */
  JoinInvalid: 'EDGE_GOSSIP_JOIN_INVALID',
} as const;
export type GossipErrorCode = (typeof GossipErrorCode)[keyof typeof GossipErrorCode];

export class GossipError extends EdgeError {
  override readonly code: GossipErrorCode;
  /** The offending field, e.g. `updates[3].labels` or `probeTimeoutTicks`. */
  readonly field: string | undefined;

  constructor(code: GossipErrorCode, message: string, field?: string) {
    super(code, message, { retryable: false });
    this.name = 'GossipError';
    this.code = code;
    this.field = field;
  }
}
