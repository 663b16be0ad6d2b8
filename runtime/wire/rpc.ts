// The frames that carry other modules' data: request, response, cancel and
// event. Their `body` is checked against the schema of the method or topic
// it belongs to (see vocabulary.ts), so these envelopes are part of every
// vocabulary and their type names are reserved.
import type { EdgeError } from '../common/errors.js';
import { defineMessage, nameBytesMax } from './definitions.js';
import { any, bool, object, optional, string, uint, type Infer } from './schema.js';
import { utf8ByteLength } from './utf8.js';

/** Longest error message carried in a response, in UTF-8 bytes. */
export const rpcErrorMessageBytesMax = 1024;
/** Longest error code carried in a response, in UTF-8 bytes. */
export const rpcErrorCodeBytesMax = 64;

export const rpcErrorSchema = object({
  code: string({ minBytes: 1, maxBytes: rpcErrorCodeBytesMax }),
  message: string({ maxBytes: rpcErrorMessageBytesMax }),
  retryable: bool(),
});
/** How a failed call travels: an EdgeError's code, message and retry hint. */
export type RpcError = Infer<typeof rpcErrorSchema>;

const rpcName = string({ minBytes: 1, maxBytes: nameBytesMax });

/** A call. `id` is chosen by the caller, unique among its calls in flight on this link. */
export const requestEnvelope = defineMessage({
  type: 'request',
  version: 1,
  fields: { id: uint(), method: rpcName, body: any() },
});

/** The answer to a request: `ok: true` with a body, or `ok: false` with an error. */
export const responseEnvelope = defineMessage({
  type: 'response',
  version: 1,
  fields: { id: uint(), ok: bool(), body: optional(any()), error: optional(rpcErrorSchema) },
});

/** The caller gave up on request `id`; the callee may stop work and need not answer. */
export const cancelMessage = defineMessage({
  type: 'cancel',
  version: 1,
  fields: { id: uint() },
});

/** A one-way notice; nobody answers it. */
export const eventEnvelope = defineMessage({
  type: 'event',
  version: 1,
  fields: { topic: rpcName, body: any() },
});

export const rpcEnvelopes = [requestEnvelope, responseEnvelope, cancelMessage, eventEnvelope] as const;

/**
 * The RpcError for an EdgeError, its message cut to fit the response schema
 * (at a character boundary) so that answering with an error cannot itself fail.
 */
export function rpcErrorOf(error: EdgeError): RpcError {
  let message = error.message;
  const messageBytes = utf8ByteLength(message);
  if (messageBytes < 0 || messageBytes > rpcErrorMessageBytesMax) {
    const kept = keepWellFormedPrefix(message, rpcErrorMessageBytesMax - 3);
    message = kept.complete ? kept.text : `${kept.text}...`;
  }
  const codeBytes = utf8ByteLength(error.code);
  const code = codeBytes >= 1 && codeBytes <= rpcErrorCodeBytesMax ? error.code : 'EDGE_ERROR_CODE_INVALID';
  return { code, message, retryable: error.retryable };
}

/** The longest prefix of `text` within `bytesMax` UTF-8 bytes, lone surrogates left out. */
function keepWellFormedPrefix(text: string, bytesMax: number): { text: string; complete: boolean } {
  let kept = '';
  let bytes = 0;
  for (const character of text) {
    const size = utf8ByteLength(character);
    if (size < 0) continue;
    if (bytes + size > bytesMax) return { text: kept, complete: false };
    kept += character;
    bytes += size;
  }
  return { text: kept, complete: true };
}
