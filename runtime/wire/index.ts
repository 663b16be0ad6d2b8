// Public face of the wire, bound to the vocabulary in messages/index.ts.
// Other modules import from here; message files import from the modules
// named below (schema, definitions).
import type { EdgeError } from '../common/errors.js';
import { wireVocabulary } from './messages/index.js';
import { rpcErrorOf, type RpcError } from './rpc.js';
import type { DecodeOptions, EncodeOptions, MessageOfVocabulary, OutgoingOf } from './vocabulary.js';

export { WireError, WireErrorCode, isWireError, type WireErrorDetails } from './errors.js';
export { defaultWireLimits, validateWireLimits, wireLimits, type WireLimits } from './limits.js';
export { wireProtocolVersion } from './messages/link.js';
export { rpcErrorOf, type RpcError };
export type { DecodeOptions, EncodeOptions } from './vocabulary.js';
export { wireVocabulary };

/** Any message this node can receive, discriminated by `t` (then `method` or `topic`). */
export type WireMessage = MessageOfVocabulary<typeof wireVocabulary>;
/** What `encodeFrame` takes: a message without `v`. */
export type OutgoingMessage = OutgoingOf<WireMessage>;
/** The message with type `T`, e.g. `WireMessageOf<'ping'>`. */
export type WireMessageOf<T extends WireMessage['t']> = Extract<WireMessage, { t: T }>;
/** The request frame for method `M`. */
export type RequestOf<M extends string> = Extract<WireMessage, { t: 'request'; method: M }>;
/** The successful response frame for method `M`. */
export type ResponseOf<M extends string> = Extract<WireMessage, { t: 'response'; method: M; ok: true }>;
/** The event frame for topic `T`. */
export type EventOf<T extends string> = Extract<WireMessage, { t: 'event'; topic: T }>;

/** Bytes for one frame. Throws WireError when the message breaks its schema or the limits. */
export function encodeFrame(message: OutgoingMessage, options?: EncodeOptions): Uint8Array {
  return wireVocabulary.encode(message, options);
}

/**
 * The checked message in one frame's bytes. Throws WireError (nothing else);
 * when `error.closesLink` is true the transport closes the link.
 */
export function decodeFrame(bytes: Uint8Array, options?: DecodeOptions): WireMessage {
  return wireVocabulary.decode(bytes, options);
}

/** An error response for request `id`, e.g. to answer EDGE_WIRE_METHOD_UNKNOWN. */
export function errorResponse(id: number, error: EdgeError): OutgoingMessage {
  return { t: 'response', id, ok: false, error: rpcErrorOf(error) };
}
