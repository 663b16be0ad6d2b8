// The one error type the wire throws. Every refusal, whether the bytes are
// broken CBOR or a well-formed frame with a field out of bounds, becomes a
// WireError with a stable code, so the transport can act on the code alone:
// close the link, drop the frame, or answer a request with the error.
import { EdgeError } from '../common/errors.js';

export const WireErrorCode = {
  /** The frame is longer than `frameBytesMax` (on decode or on encode). */
  FrameTooLarge: 'EDGE_WIRE_FRAME_TOO_LARGE',
  /** Not well-formed CBOR: truncated, a length past the end, reserved bits, bad UTF-8, trailing bytes, or not a map. */
  Malformed: 'EDGE_WIRE_MALFORMED',
  /** Well-formed CBOR that uses a feature the wire refuses (tags, indefinite lengths, undefined, non-text keys...). */
  CborUnsupported: 'EDGE_WIRE_CBOR_UNSUPPORTED',
  /** Arrays and maps nest deeper than `depthMax`. */
  TooDeep: 'EDGE_WIRE_TOO_DEEP',
  /** The frame holds more CBOR data items than `itemsMax`. */
  TooManyItems: 'EDGE_WIRE_TOO_MANY_ITEMS',
  /** A text string is longer than `stringBytesMax`, or a map key longer than `keyBytesMax`. */
  StringTooLong: 'EDGE_WIRE_STRING_TOO_LONG',
  /** The frame's `t` names no message type this node knows. */
  TypeUnknown: 'EDGE_WIRE_TYPE_UNKNOWN',
  /** The frame's `v` is newer than this node knows for its type, or older than it still accepts. */
  VersionUnsupported: 'EDGE_WIRE_VERSION_UNSUPPORTED',
  /** A field is missing, unexpected, of the wrong type, or out of its bounds. */
  SchemaViolation: 'EDGE_WIRE_SCHEMA_VIOLATION',
  /** A request names a method this node does not serve. */
  MethodUnknown: 'EDGE_WIRE_METHOD_UNKNOWN',
  /** An event names a topic this node does not know. */
  TopicUnknown: 'EDGE_WIRE_TOPIC_UNKNOWN',
  /** A response answers no request in flight (late, after cancel or timeout). */
  ResponseUnmatched: 'EDGE_WIRE_RESPONSE_UNMATCHED',
  /** A WireLimits object is out of range (a configuration mistake, found at startup). */
  LimitsInvalid: 'EDGE_WIRE_LIMITS_INVALID',
} as const;
export type WireErrorCode = (typeof WireErrorCode)[keyof typeof WireErrorCode];

/** Codes after which the link stays usable: the frame is dropped or answered, not fatal. */
const linkSurvivingCodes: ReadonlySet<string> = new Set([
  WireErrorCode.MethodUnknown,
  WireErrorCode.TopicUnknown,
  WireErrorCode.ResponseUnmatched,
]);

export interface WireErrorDetails {
  /** The frame's message type, when the frame got far enough to have one. */
  messageType?: string;
  /** Path of the offending field inside the frame, e.g. `body.entries[3].data`. */
  field?: string;
  /** The RPC method involved (request or response frames). */
  method?: string;
  /** The id of the request or response, so the transport can answer or fail that call. */
  rpcId?: number;
  /** Byte offset in the frame where CBOR scanning stopped. */
  offset?: number;
  cause?: unknown;
}

export class WireError extends EdgeError {
  override readonly code: WireErrorCode;
  readonly messageType: string | undefined;
  readonly field: string | undefined;
  readonly method: string | undefined;
  readonly rpcId: number | undefined;
  readonly offset: number | undefined;
  /**
   * True when the peer can no longer be trusted to speak our vocabulary and
   * the transport should close the link. False for the few codes that concern
   * one call only (unknown method or topic, a late response).
   */
  readonly closesLink: boolean;

  constructor(code: WireErrorCode, message: string, details: WireErrorDetails = {}) {
    super(code, message, details.cause === undefined ? {} : { cause: details.cause });
    this.name = 'WireError';
    this.code = code;
    this.messageType = details.messageType;
    this.field = details.field;
    this.method = details.method;
    this.rpcId = details.rpcId;
    this.offset = details.offset;
    this.closesLink = !linkSurvivingCodes.has(code);
  }
}

export function isWireError(value: unknown, code?: WireErrorCode): value is WireError {
  return value instanceof WireError && (code === undefined || value.code === code);
}
