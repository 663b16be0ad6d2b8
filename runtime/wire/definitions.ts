// How a module declares what it sends: message types (their own frame `t`),
// RPC methods (bodies carried in request/response frames) and event topics
// (bodies carried in event frames). Definitions are data; a Vocabulary
// (vocabulary.ts) gathers them and does the checking.
import { assert } from '../common/assert.js';
import { object, type Fields, type ObjectSchema, type Schema } from './schema.js';

/** Dotted lowercase words: `hello`, `raft.append`, `node.inspect`. */
const namePattern = /^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)*$/;
/** Names travel in frames whose schemas cap them at this many bytes. */
export const nameBytesMax = 64;

export interface MessageDef<T extends string = string, F extends Fields = Fields> {
  /** The frame's `t`. */
  readonly type: T;
  /** The version this node writes and the newest it reads. */
  readonly version: number;
  /** The oldest version still read; older frames are refused like newer ones. */
  readonly minVersion: number;
  /** Fields besides `t` and `v`. Fields added in a later version must be optional so older frames still check. */
  readonly fields: F;
  readonly schema: ObjectSchema<F>;
}

export interface MethodDef<M extends string = string, Q extends Schema = Schema, R extends Schema = Schema> {
  readonly method: M;
  /** Schema of a request's body. */
  readonly request: Q;
  /** Schema of a successful response's body. */
  readonly response: R;
}

export interface TopicDef<T extends string = string, B extends Schema = Schema> {
  readonly topic: T;
  readonly body: B;
}

/** Field names every frame carries; a message's own fields cannot reuse them. */
const envelopeFieldNames = ['t', 'v'];

export function defineMessage<const T extends string, const F extends Fields>(definition: {
  type: T;
  version: number;
  minVersion?: number;
  fields: F;
}): MessageDef<T, F> {
  const minVersion = definition.minVersion ?? 1;
  assert(namePattern.test(definition.type), `message type "${definition.type}" must be dotted lowercase words`);
  assert(Number.isSafeInteger(definition.version) && definition.version >= 1, `message ${definition.type}: version must be a whole number ≥ 1`);
  assert(Number.isSafeInteger(minVersion) && minVersion >= 1 && minVersion <= definition.version, `message ${definition.type}: minVersion must be from 1 to version`);
  for (const name of envelopeFieldNames) {
    assert(!Object.hasOwn(definition.fields, name), `message ${definition.type}: field "${name}" is reserved for the frame envelope`);
  }
  return Object.freeze({
    type: definition.type,
    version: definition.version,
    minVersion,
    fields: definition.fields,
    schema: object(definition.fields),
  });
}

export function defineMethod<const M extends string, Q extends Schema, R extends Schema>(definition: {
  method: M;
  request: Q;
  response: R;
}): MethodDef<M, Q, R> {
  checkName(definition.method, 'method');
  assert(definition.request.kind !== 'optional' && definition.response.kind !== 'optional', `method ${definition.method}: bodies cannot be optional (use an object with optional fields)`);
  return Object.freeze({ method: definition.method, request: definition.request, response: definition.response });
}

export function defineTopic<const T extends string, B extends Schema>(definition: { topic: T; body: B }): TopicDef<T, B> {
  checkName(definition.topic, 'topic');
  assert(definition.body.kind !== 'optional', `topic ${definition.topic}: body cannot be optional`);
  return Object.freeze({ topic: definition.topic, body: definition.body });
}

function checkName(name: string, what: string): void {
  assert(namePattern.test(name), `${what} "${name}" must be dotted lowercase words`);
  assert(name.length <= nameBytesMax, `${what} "${name}" is longer than ${nameBytesMax} bytes`);
}

/**
 * One module's contribution to the vocabulary, declared in one file under
 * runtime/wire/messages/. Types flow from here to every handler.
 */
export interface VocabularyPart<M extends MessageDef = MessageDef, Q extends MethodDef = MethodDef, E extends TopicDef = TopicDef> {
  /** Who owns these definitions (for error messages about clashes). */
  readonly owner: string;
  readonly messages: readonly M[];
  readonly methods: readonly Q[];
  readonly topics: readonly E[];
}

export function definePart<M extends MessageDef = never, Q extends MethodDef = never, E extends TopicDef = never>(part: {
  owner: string;
  messages?: readonly M[];
  methods?: readonly Q[];
  topics?: readonly E[];
}): VocabularyPart<M, Q, E> {
  return Object.freeze({
    owner: part.owner,
    messages: part.messages ?? [],
    methods: part.methods ?? [],
    topics: part.topics ?? [],
  });
}
