// A vocabulary is the set of frames a node understands: message types with
// their versions, RPC methods and event topics, gathered from the parts
// declared under runtime/wire/messages/. It is the one place where bytes
// become messages and messages become bytes, always through the same checks:
//
//   decode: size → scan raw CBOR → cbor-x → type → version → fields (and body
//           by method or topic) → typed message
//   encode: type → fields (and body) → cbor-x → size → scan our own bytes
//
// so a frame we send is always one we would accept.
import { assert } from '../common/assert.js';
import { decodeCbor, encodeCbor } from './codec.js';
import type { MessageDef, MethodDef, TopicDef, VocabularyPart } from './definitions.js';
import { WireError, WireErrorCode, type WireErrorDetails } from './errors.js';
import { defaultWireLimits, type WireLimits } from './limits.js';
import { rpcEnvelopes, rpcErrorSchema, type RpcError } from './rpc.js';
import { scanCbor } from './scanner.js';
import { bool, string, uint, type Fields, type Infer, type ObjectOf } from './schema.js';
import { conformFields, formatPath, Violation, type ConformContext, type FrameEnvelope } from './validator.js';
import { nameBytesMax } from './definitions.js';

type Simplify<T> = { [K in keyof T]: T[K] } & {};

export type PlainMessageOf<D> = D extends MessageDef<infer T, infer F> ? Simplify<{ t: T; v: number } & ObjectOf<F>> : never;
export type RequestMessageOf<D> = D extends MethodDef<infer N, infer Q, infer _R>
  ? { t: 'request'; v: number; id: number; method: N; body: Infer<Q> }
  : never;
/** `method` is not on the wire: the decoder fills it from `methodOf`, the encoder uses it to check the body. */
export type ResponseMessageOf<D> = D extends MethodDef<infer N, infer _Q, infer R>
  ?
      | { t: 'response'; v: number; id: number; method: N; ok: true; body: Infer<R> }
      | { t: 'response'; v: number; id: number; method: N; ok: false; error: RpcError }
  : never;
export type EventMessageOf<D> = D extends TopicDef<infer T, infer B> ? { t: 'event'; v: number; topic: T; body: Infer<B> } : never;
export type CancelMessage = { t: 'cancel'; v: number; id: number };

/** Every message a vocabulary can decode, discriminated by `t` (and `method` or `topic`). */
export type MessageUnion<M, Q, E> = PlainMessageOf<M> | CancelMessage | RequestMessageOf<Q> | ResponseMessageOf<Q> | EventMessageOf<E>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An error answer may name no method: the request may have named one this node does not serve. */
export type ErrorResponseOutgoing = { t: 'response'; id: number; ok: false; error: RpcError; method?: string };
/** What a sender passes to encode: a message without `v` (the encoder writes the version it knows). */
export type OutgoingOf<U> = DistributiveOmit<U, 'v'> | ErrorResponseOutgoing;

export interface DecodeOptions {
  /** Bounds for this link; default `defaultWireLimits`. */
  limits?: WireLimits;
  /**
   * The method of the request in flight with this id, or undefined when none
   * is (late answer after a cancel or timeout). Needed to check response
   * bodies; without it every response is EDGE_WIRE_RESPONSE_UNMATCHED.
   */
  methodOf?: (id: number) => string | undefined;
}

export interface EncodeOptions {
  limits?: WireLimits;
}

type PartMessages<P> = P extends VocabularyPart<infer M, infer _Q, infer _E> ? M : never;
type PartMethods<P> = P extends VocabularyPart<infer _M, infer Q, infer _E> ? Q : never;
type PartTopics<P> = P extends VocabularyPart<infer _M, infer _Q, infer E> ? E : never;

const decodeContext: ConformContext = { mode: 'decode', depthMax: 0 };
const decodeEnvelope: FrameEnvelope = { handledKeys: new Set(['t', 'v']) };
const responseKeys: ReadonlySet<string> = new Set(['t', 'v', 'method']);
const rpcName = string({ minBytes: 1, maxBytes: nameBytesMax });
const errorResponseFields: Fields = { id: uint(), ok: bool(), error: rpcErrorSchema };

/** The fields to check a frame against, and what to say about it if they fail. */
interface Selected {
  fields: Fields;
  details: WireErrorDetails;
}

export class Vocabulary<M extends MessageDef, Q extends MethodDef, E extends TopicDef> {
  private readonly messages = new Map<string, MessageDef>();
  private readonly methods = new Map<string, MethodDef>();
  private readonly topics = new Map<string, TopicDef>();
  private readonly requestFields = new Map<string, Fields>();
  private readonly okResponseFields = new Map<string, Fields>();
  private readonly eventFields = new Map<string, Fields>();

  constructor(parts: readonly VocabularyPart[]) {
    const owners = new Map<string, string>();
    const claim = (key: string, owner: string): void => {
      const previous = owners.get(key);
      assert(previous === undefined, `${key} is declared by both ${previous} and ${owner}`);
      owners.set(key, owner);
    };
    for (const envelope of rpcEnvelopes) {
      claim(`message type "${envelope.type}"`, 'wire');
      this.messages.set(envelope.type, envelope);
    }
    for (const part of parts) {
      for (const message of part.messages) {
        claim(`message type "${message.type}"`, part.owner);
        this.messages.set(message.type, message);
      }
      for (const method of part.methods) {
        claim(`method "${method.method}"`, part.owner);
        this.addMethod(method);
      }
      for (const topic of part.topics) {
        claim(`topic "${topic.topic}"`, part.owner);
        this.topics.set(topic.topic, topic);
        this.eventFields.set(topic.topic, { topic: rpcName, body: topic.body });
      }
    }
  }

  private addMethod(method: MethodDef): void {
    this.methods.set(method.method, method);
    this.requestFields.set(method.method, { id: uint(), method: rpcName, body: method.request });
    this.okResponseFields.set(method.method, { id: uint(), ok: bool(), body: method.response });
  }

  /** Every definition, for tests and documentation. */
  definitions(): { messages: MessageDef[]; methods: MethodDef[]; topics: TopicDef[] } {
    return { messages: [...this.messages.values()], methods: [...this.methods.values()], topics: [...this.topics.values()] };
  }

  /**
   * The message in `bytes`, checked in full. Throws WireError; its
   * `closesLink` says whether the link must close or only this frame is lost.
   */
  decode(bytes: Uint8Array, options: DecodeOptions = {}): MessageUnion<M, Q, E> {
    const limits = options.limits ?? defaultWireLimits;
    if (bytes.length > limits.frameBytesMax) {
      throw new WireError(WireErrorCode.FrameTooLarge, `refused frame of ${bytes.length} bytes: frameBytesMax is ${limits.frameBytesMax}`);
    }
    // Major type 5 is a map; anything else cannot be a frame, however well-formed.
    if (bytes.length === 0 || bytes[0]! >>> 5 !== 5) {
      throw new WireError(WireErrorCode.Malformed, 'refused frame: a frame is a CBOR map and this is not one', { offset: 0 });
    }
    scanCbor(bytes, limits);
    let raw: Record<string, unknown>;
    try {
      raw = decodeCbor(bytes) as Record<string, unknown>;
    } catch (cause) {
      throw new WireError(WireErrorCode.Malformed, `refused frame: the CBOR decoder failed after the scan passed (${String(cause)})`, { cause });
    }
    const definition = this.checkEnvelope(raw);
    const selected = this.selectForDecode(definition, raw, options);
    try {
      conformFields(selected.fields, raw, decodeContext, decodeEnvelope);
    } catch (error) {
      throw violationError(error, 'refused', selected.details);
    }
    if (selected.details.method !== undefined && definition.type === 'response') raw.method = selected.details.method;
    return raw as MessageUnion<M, Q, E>;
  }

  /** Checks `t` and `v`, before fields: a newer version may have fields we do not know. */
  private checkEnvelope(raw: Record<string, unknown>): MessageDef {
    const type = raw.t;
    if (typeof type !== 'string') {
      throw new WireError(WireErrorCode.SchemaViolation, 'refused frame: field t (message type) is missing or not a text string', { field: 't' });
    }
    const definition = this.messages.get(type);
    if (definition === undefined) {
      throw new WireError(WireErrorCode.TypeUnknown, `refused frame of unknown type "${type}": the peer may run newer software; upgrade this node`, { messageType: type });
    }
    const version = raw.v;
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
      throw new WireError(WireErrorCode.SchemaViolation, `refused ${type} frame: field v (version) is missing or not an unsigned integer`, { messageType: type, field: 'v' });
    }
    if (version > definition.version || version < definition.minVersion) {
      const supported = definition.minVersion === definition.version ? `${definition.version}` : `${definition.minVersion}–${definition.version}`;
      const fix = version > definition.version ? 'upgrade this node' : 'upgrade the peer';
      throw new WireError(
        WireErrorCode.VersionUnsupported,
        `refused ${type} frame of version ${version}: this node reads version ${supported}; ${fix}`,
        { messageType: type, field: 'v' },
      );
    }
    return definition;
  }

  private selectForDecode(definition: MessageDef, raw: Record<string, unknown>, options: DecodeOptions): Selected {
    const type = definition.type;
    const rpcId = asId(raw.id);
    switch (type) {
      case 'request': {
        const method = raw.method;
        if (rpcId === undefined || typeof method !== 'string') return { fields: definition.fields, details: { messageType: type, rpcId } };
        const fields = this.requestFields.get(method);
        if (fields === undefined) {
          throw new WireError(WireErrorCode.MethodUnknown, `request ${rpcId} names method "${method}", which this node does not serve`, { messageType: type, method, rpcId });
        }
        return { fields, details: { messageType: type, method, rpcId } };
      }
      case 'response': {
        if (rpcId === undefined) return { fields: definition.fields, details: { messageType: type } };
        const method = options.methodOf?.(rpcId);
        if (method === undefined) {
          throw new WireError(WireErrorCode.ResponseUnmatched, `dropped response ${rpcId}: no request with that id is in flight (late, cancelled or timed out)`, { messageType: type, rpcId });
        }
        return { fields: this.responseFields(raw.ok, method, rpcId, definition), details: { messageType: type, method, rpcId } };
      }
      case 'event': {
        const topic = raw.topic;
        if (typeof topic !== 'string') return { fields: definition.fields, details: { messageType: type } };
        const fields = this.eventFields.get(topic);
        if (fields === undefined) {
          throw new WireError(WireErrorCode.TopicUnknown, `dropped event of unknown topic "${topic}"`, { messageType: type });
        }
        return { fields, details: { messageType: type } };
      }
      default:
        return { fields: definition.fields, details: { messageType: type, rpcId: type === 'cancel' ? rpcId : undefined } };
    }
  }

  private responseFields(ok: unknown, method: string, rpcId: number, definition: MessageDef): Fields {
    const fields = this.okResponseFields.get(method);
    if (fields === undefined) {
      // methodOf named a method we could not have sent: a bug in the caller's bookkeeping.
      throw new WireError(WireErrorCode.MethodUnknown, `response ${rpcId} answers method "${method}", which this vocabulary does not define`, { messageType: 'response', method, rpcId });
    }
    if (ok === false) return errorResponseFields;
    if (ok !== true) return definition.fields; // reports ok as not a boolean
    return fields;
  }

  /** The frame for `message`, checked exactly as a peer will check it. Throws WireError. */
  encode(message: OutgoingOf<MessageUnion<M, Q, E>>, options?: EncodeOptions): Uint8Array;
  encode(message: object, options: EncodeOptions = {}): Uint8Array {
    const limits = options.limits ?? defaultWireLimits;
    const outgoing = message as Record<string, unknown>;
    const type = outgoing.t;
    const definition = typeof type === 'string' ? this.messages.get(type) : undefined;
    if (definition === undefined) {
      throw new WireError(WireErrorCode.TypeUnknown, `cannot encode message type ${JSON.stringify(type)}: no part of the vocabulary defines it`);
    }
    const selected = this.selectForEncode(definition, outgoing);
    const frame: Record<string, unknown> = { t: definition.type, v: definition.version };
    const envelope: FrameEnvelope = { handledKeys: type === 'response' ? responseKeys : decodeEnvelope.handledKeys, output: frame };
    try {
      conformFields(selected.fields, outgoing, { mode: 'encode', depthMax: limits.depthMax }, envelope);
    } catch (error) {
      throw violationError(error, 'cannot encode', selected.details);
    }
    const bytes = encodeCbor(frame);
    if (bytes.length > limits.frameBytesMax) {
      throw new WireError(WireErrorCode.FrameTooLarge, `cannot encode ${definition.type} frame: ${bytes.length} bytes exceed frameBytesMax (${limits.frameBytesMax}); send less per frame`, selected.details);
    }
    try {
      scanCbor(bytes, limits);
    } catch (error) {
      assert(error instanceof WireError, 'the scanner throws only WireError');
      throw new WireError(error.code, `cannot encode ${definition.type} frame: peers would refuse it: ${error.message}`, { ...selected.details, cause: error });
    }
    return bytes;
  }

  private selectForEncode(definition: MessageDef, outgoing: Record<string, unknown>): Selected {
    const type = definition.type;
    const rpcId = asId(outgoing.id);
    if (type === 'request' || (type === 'response' && outgoing.ok === true)) {
      const method = outgoing.method;
      const table = type === 'request' ? this.requestFields : this.okResponseFields;
      const fields = typeof method === 'string' ? table.get(method) : undefined;
      if (fields === undefined) {
        throw new WireError(WireErrorCode.MethodUnknown, `cannot encode ${type}: method ${JSON.stringify(method)} is not defined in the vocabulary`, { messageType: type, rpcId });
      }
      return { fields, details: { messageType: type, method: method as string, rpcId } };
    }
    if (type === 'response' && outgoing.ok === false) return { fields: errorResponseFields, details: { messageType: type, rpcId } };
    if (type === 'event') {
      const topic = outgoing.topic;
      const fields = typeof topic === 'string' ? this.eventFields.get(topic) : undefined;
      if (fields === undefined) {
        throw new WireError(WireErrorCode.TopicUnknown, `cannot encode event: topic ${JSON.stringify(topic)} is not defined in the vocabulary`, { messageType: type });
      }
      return { fields, details: { messageType: type } };
    }
    return { fields: definition.fields, details: { messageType: type, rpcId } };
  }
}

export function createVocabulary<P extends VocabularyPart>(parts: readonly P[]): Vocabulary<PartMessages<P>, PartMethods<P>, PartTopics<P>> {
  return new Vocabulary<PartMessages<P>, PartMethods<P>, PartTopics<P>>(parts);
}

/** The message type a vocabulary decodes. */
export type MessageOfVocabulary<V> = V extends Vocabulary<infer M, infer Q, infer E> ? MessageUnion<M, Q, E> : never;

function asId(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function violationError(error: unknown, verb: string, details: WireErrorDetails): WireError {
  if (!(error instanceof Violation)) throw error;
  const field = formatPath(error.path);
  const subject = details.method === undefined ? `${details.messageType} frame` : `${details.messageType} frame for ${details.method}`;
  const where = field === '' ? '' : ` field ${field}`;
  return new WireError(WireErrorCode.SchemaViolation, `${verb} ${subject}:${where} ${error.reason}`, { ...details, field });
}
