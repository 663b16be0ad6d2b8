import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AssertionFailure } from '../../runtime/common/assert.js';
import { defineMessage, defineMethod, definePart, defineTopic, type VocabularyPart } from '../../runtime/wire/definitions.js';
import { WireError, WireErrorCode } from '../../runtime/wire/errors.js';
import { wireVocabulary } from '../../runtime/wire/messages/index.js';
import { any, optional, string, uint } from '../../runtime/wire/schema.js';
import { createVocabulary } from '../../runtime/wire/vocabulary.js';
import { frame, text } from './cbor-builder.js';

const isAssertion = (error: unknown): boolean => error instanceof AssertionFailure;

function refusal(action: () => unknown): WireError {
  try {
    action();
  } catch (error) {
    if (error instanceof WireError) return error;
    throw error;
  }
  throw new Error('expected a WireError');
}

// The same message as two software releases define it: release 2 added an optional field.
const statusV1 = defineMessage({ type: 'test.status', version: 1, fields: { load: uint() } });
const statusV2 = defineMessage({ type: 'test.status', version: 2, fields: { load: uint(), zone: optional(string({ maxBytes: 16 })) } });
const oldNode = createVocabulary([definePart({ owner: 'release 1', messages: [statusV1] })]);
const newNode = createVocabulary([definePart({ owner: 'release 2', messages: [statusV2] })]);

test('a node reads every version up to its own and refuses newer ones', () => {
  // Proves the versioning rule: accept v ≤ known, refuse newer with an error naming both versions.
  const fromOld = oldNode.encode({ t: 'test.status', load: 3 });
  assert.equal(newNode.decode(fromOld), { t: 'test.status', v: 1, load: 3 });
  const fromNew = newNode.encode({ t: 'test.status', load: 3, zone: 'rack-2' });
  const error = refusal(() => oldNode.decode(fromNew));
  assert.is(error.code, WireErrorCode.VersionUnsupported);
  assert.is(error.messageType, 'test.status');
  assert.match(error.message, /version 2: this node reads version 1; upgrade this node/);
  // Even without the new field the newer node stamps version 2, so the old node still refuses loudly.
  assert.is(refusal(() => oldNode.decode(newNode.encode({ t: 'test.status', load: 3 }))).code, WireErrorCode.VersionUnsupported);
});

test('minVersion retires old frames with an error that says who must upgrade', () => {
  // Proves a type can stop reading ancient versions, and the message points at the peer.
  const strict = createVocabulary([definePart({ owner: 'release 3', messages: [defineMessage({ type: 'test.status', version: 3, minVersion: 2, fields: { load: uint() } })] })]);
  const error = refusal(() => strict.decode(frame({ t: text('test.status'), v: [0x01], load: [0x01] })));
  assert.is(error.code, WireErrorCode.VersionUnsupported);
  assert.match(error.message, /reads version 2–3; upgrade the peer/);
  assert.equal(strict.decode(frame({ t: text('test.status'), v: [0x02], load: [0x01] })), { t: 'test.status', v: 2, load: 1 });
});

test('two parts cannot claim the same type, method or topic, nor the RPC envelope names', () => {
  // Proves clashes between modules crash at startup naming both owners, instead of one silently winning.
  const ping = defineMessage({ type: 'test.ping', version: 1, fields: {} });
  assert.throws(() => createVocabulary([definePart({ owner: 'raft', messages: [ping] }), definePart({ owner: 'gossip', messages: [ping] })]), (error: unknown) => isAssertion(error) && /both raft and gossip/.test(String(error)));
  const request = defineMessage({ type: 'request', version: 1, fields: {} });
  assert.throws(() => createVocabulary([definePart({ owner: 'api', messages: [request] })]), isAssertion);
  const method = defineMethod({ method: 'test.call', request: any(), response: any() });
  assert.throws(() => createVocabulary([definePart({ owner: 'a', methods: [method] }), definePart({ owner: 'b', methods: [method] })]), isAssertion);
  const topic = defineTopic({ topic: 'test.topic', body: any() });
  assert.throws(() => createVocabulary([definePart({ owner: 'a', topics: [topic, topic] })]), isAssertion);
});

test('definitions refuse reserved fields, bad names and bad versions', () => {
  // Proves mistakes in a message file crash when it loads, not on the first frame.
  assert.throws(() => defineMessage({ type: 'test.x', version: 1, fields: { t: uint() } }), isAssertion);
  assert.throws(() => defineMessage({ type: 'test.x', version: 1, fields: { v: uint() } }), isAssertion);
  assert.throws(() => defineMessage({ type: 'Test X', version: 1, fields: {} }), isAssertion);
  assert.throws(() => defineMessage({ type: 'test.x', version: 0, fields: {} }), isAssertion);
  assert.throws(() => defineMessage({ type: 'test.x', version: 1, minVersion: 2, fields: {} }), isAssertion);
  assert.throws(() => defineMethod({ method: `test.${'m'.repeat(64)}`, request: any(), response: any() }), isAssertion);
  assert.throws(() => defineMethod({ method: 'test.m', request: optional(any()), response: any() }), isAssertion);
});

test('every part declared under runtime/wire/messages/ is in the node vocabulary', async () => {
  // Proves a new message file cannot be forgotten in messages/index.ts: its definitions must be reachable.
  const folder = fileURLToPath(new URL('../../runtime/wire/messages/', import.meta.url));
  const { messages, methods, topics } = wireVocabulary.definitions();
  const files = readdirSync(folder).filter((name) => name.endsWith('.ts') && name !== 'index.ts');
  assert.ok(files.includes('link.ts'));
  const index = readFileSync(`${folder}index.ts`, 'utf8');
  await Promise.all(
    files.map(async (name) => {
      assert.ok(index.includes(`'./${name.replace(/\.ts$/, '.js')}'`), `messages/index.ts does not import ${name}`);
      const module = (await import(`${folder}${name}`)) as Record<string, unknown>;
      const parts = Object.values(module).filter((value): value is VocabularyPart => typeof value === 'object' && value !== null && 'owner' in value && 'messages' in value);
      assert.ok(parts.length > 0, `${name} exports no definePart(...)`);
      for (const part of parts) {
        for (const message of part.messages) assert.ok(messages.includes(message), `${name}: ${message.type} missing from the vocabulary`);
        for (const method of part.methods) assert.ok(methods.includes(method), `${name}: ${method.method} missing`);
        for (const topic of part.topics) assert.ok(topics.includes(topic), `${name}: ${topic.topic} missing`);
      }
    }),
  );
});
test.run();
