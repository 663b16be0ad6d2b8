// Validation of messages from the wire: every message the core emits passes,
// malformed ones are refused with a reason.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isMessage, messageProblem, MessageType } from '../../runtime/raft/core/index.js';
import { optionsForSeed, Simulation } from './sim/cluster.js';

test('every message a simulated cluster sends is well formed', () => {
  // Proves the validator accepts the whole vocabulary as the core really uses it.
  const sim = new Simulation(optionsForSeed(3));
  const seen = new Set<number>();
  const originalSend = sim.network.send.bind(sim.network);
  sim.network.send = (message) => {
    const problem = messageProblem(message);
    assert.is(problem, null, `${JSON.stringify(message)}: ${problem}`);
    seen.add(message.type);
    originalSend(message);
  };
  sim.run();
  assert.ok(seen.size >= 11, `saw ${seen.size} message types`);
});

test('malformed messages are refused with what is wrong', () => {
  // Proves bad frames are caught before step(): wrong types, gaps in entries, chunks out of bounds, misrouting.
  const append = { type: MessageType.Append, from: 1, to: 2, term: 3, prevLogIndex: 4, prevLogTerm: 2, commit: 4, entries: [{ index: 5, term: 3, type: 0, data: new Uint8Array(0) }] };
  assert.ok(isMessage(append, 2));
  assert.match(messageProblem(append, 3) ?? '', /reached node 3/);
  assert.match(messageProblem({ ...append, entries: [{ index: 6, term: 3, type: 0, data: new Uint8Array(0) }] }) ?? '', /where 5 was expected/);
  assert.match(messageProblem({ ...append, entries: [{ index: 5, term: 4, type: 0, data: new Uint8Array(0) }] }) ?? '', /out of order/);
  assert.match(messageProblem({ ...append, commit: -1 }) ?? '', /commit must be/);
  assert.match(messageProblem({ ...append, from: 0 }) ?? '', /node ids/);
  assert.match(messageProblem({ ...append, type: 99 }) ?? '', /unknown message type 99/);
  const chunk = { type: MessageType.SnapshotChunk, from: 1, to: 2, term: 3, meta: { index: 9, term: 2, conf: { voters: [1], learners: [] } }, totalBytes: 4, offset: 2, data: new Uint8Array(3) };
  assert.match(messageProblem(chunk) ?? '', /past totalBytes/);
  assert.match(messageProblem({ ...chunk, data: new Uint8Array(2), meta: { index: 9, term: 2, conf: { voters: [0], learners: [] } } }) ?? '', /conf.voters/);
  assert.is(messageProblem({ ...chunk, data: new Uint8Array(2) }), null);
  assert.match(messageProblem('hello') ?? '', /must be an object/);
});

test.run();
