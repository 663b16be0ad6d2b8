// RaftCore's public contract: the Ready/advance cycle, errors callers
// handle, snapshots, and the purity of the core.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SeededRng } from '../../runtime/common/rng.js';
import { isRaftError, MessageType, RaftCore, simulationDefaults, type RaftConfig } from '../../runtime/raft/core/index.js';
import type { RecoveredState } from '../../runtime/raft/types.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const make = (id: number, recovered: RecoveredState, tweak: (c: RaftConfig) => RaftConfig = (c) => c): RaftCore =>
  new RaftCore({ config: tweak(simulationDefaults(id)), recovered, rng: new SeededRng(id) });

function code(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (isRaftError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

test('a single bootstrapped manager elects itself and commits at once', () => {
  // Proves the one-node path (swarm init): campaign, no-op, commit, with persistence asked for before anything else.
  const core = make(1, RaftCore.bootstrapState([1]));
  core.campaign();
  assert.is(core.role, 'leader');
  const ready = core.ready();
  assert.ok(ready.mustSync);
  assert.equal(ready.hardState, { term: 2, vote: 1, commit: 2 });
  assert.equal(ready.entries.map((e) => `${e.index}@${e.term}`), ['2@2']);
  assert.equal(ready.committedEntries.map((e) => e.index), [1, 2]);
  assert.equal(ready.softState, { leader: 1, role: 'leader' });
  core.advance(ready);
  assert.not.ok(core.hasReady());
  const proposed = core.propose(text('x'));
  assert.equal(proposed, { index: 3, term: 2 });
  const next = core.ready();
  assert.equal(next.committedEntries.map((e) => e.index), [3]);
  assert.is(next.softState, null, 'unchanged soft state is not repeated');
  core.advance(next);
});

test('a vote is handed to storage in the same Ready as the message granting it', () => {
  // Proves persist-before-send holds for votes: the VoteResponse never travels without the vote in hardState.
  const core = make(2, RaftCore.bootstrapState([1, 2, 3]));
  core.step({ type: MessageType.Vote, from: 1, to: 2, term: 2, lastLogIndex: 1, lastLogTerm: 1, transfer: false });
  const ready = core.ready();
  assert.equal(ready.messages.map((m) => m.type), [MessageType.VoteResponse]);
  assert.ok(ready.mustSync);
  assert.equal(ready.hardState, { term: 2, vote: 1, commit: 1 });
});

test('ready() twice without advance() is a programming error', () => {
  // Proves the one-outstanding-Ready rule is enforced, not assumed.
  const core = make(1, RaftCore.bootstrapState([1]));
  core.campaign();
  core.ready();
  assert.not.ok(core.hasReady());
  assert.throws(() => core.ready(), /before advance/);
});

test('steps between ready() and advance() wait for the next Ready', () => {
  // Proves a driver may keep stepping while it syncs: new messages are not lost nor sent early.
  const core = make(2, RaftCore.bootstrapState([1, 2, 3]));
  core.step({ type: MessageType.Heartbeat, from: 1, to: 2, term: 2, commit: 1, round: 1 });
  const first = core.ready();
  core.step({ type: MessageType.Heartbeat, from: 1, to: 2, term: 2, commit: 1, round: 2 });
  assert.equal(first.messages.map((m) => (m.type === MessageType.HeartbeatResponse ? m.round : -1)), [1]);
  core.advance(first);
  const second = core.ready();
  assert.equal(second.messages.map((m) => (m.type === MessageType.HeartbeatResponse ? m.round : -1)), [2]);
});

test('proposals to a follower are refused with where to go, or with "no leader"', () => {
  // Proves callers get a retryable error and a leader hint instead of a silent drop.
  const core = make(2, RaftCore.bootstrapState([1, 2, 3]));
  assert.is(code(() => core.propose(text('x'))), 'EDGE_RAFT_NO_LEADER');
  core.step({ type: MessageType.Heartbeat, from: 3, to: 2, term: 2, commit: 1, round: 0 });
  try {
    core.propose(text('x'));
    assert.unreachable();
  } catch (error) {
    assert.ok(isRaftError(error, 'EDGE_RAFT_NOT_LEADER'));
    assert.ok(error.retryable);
    assert.is(error.leaderHint, 3);
  }
  assert.is(code(() => core.readIndex(1)), 'no error', 'a follower forwards reads to its leader');
});

test('proposal limits: too large is refused outright, a backlog refuses until commits catch up', () => {
  // Proves proposalBytesMax and uncommittedBytesMax bound the leader's memory.
  const core = make(1, RaftCore.bootstrapState([1, 2, 3]), (c) => ({ ...c, proposalBytesMax: 100, uncommittedBytesMax: 250 }));
  core.campaign();
  for (const m of core.ready().messages) assert.is(m.type, MessageType.PreVote);
  core.step({ type: MessageType.PreVoteResponse, from: 2, to: 1, term: 2, granted: true });
  core.step({ type: MessageType.VoteResponse, from: 2, to: 1, term: 2, granted: true });
  assert.is(core.role, 'leader');
  assert.is(code(() => core.propose(new Uint8Array(101))), 'EDGE_RAFT_PROPOSAL_TOO_LARGE');
  core.propose(new Uint8Array(100));
  core.propose(new Uint8Array(100));
  assert.is(code(() => core.propose(new Uint8Array(100))), 'EDGE_RAFT_PROPOSALS_BACKLOGGED');
});

test('snapshots: taken between Readys at the applied index, recording the configuration there', () => {
  // Proves snapshot() compacts at the right place and refuses to run at the wrong time.
  const core = make(1, RaftCore.bootstrapState([1]), (c) => ({ ...c, snapshotIntervalEntries: 3, compactionTrailEntries: 0 }));
  core.campaign();
  core.advance(core.ready());
  assert.not.ok(core.shouldSnapshot());
  core.propose(text('a'));
  const ready = core.ready();
  assert.is(code(() => core.snapshot(text('state'))), 'EDGE_RAFT_SNAPSHOT_NOT_ALLOWED');
  core.advance(ready);
  assert.ok(core.shouldSnapshot());
  const snapshot = core.snapshot(text('state'));
  assert.equal(snapshot.meta, { index: 3, term: 2, conf: { voters: [1], learners: [], removed: [] } });
  assert.is(core.status().firstIndex, 4);
  assert.is(code(() => core.snapshot(text('again'))), 'EDGE_RAFT_SNAPSHOT_NOT_ALLOWED');
  const restarted = make(1, { hardState: { term: 2, vote: 1, commit: 3 }, snapshot, entries: [] });
  assert.equal(restarted.status().voters, [1]);
  assert.is(restarted.status().applied, 3);
});

test('the core imports nothing from node:* and reads no clock, timer or global randomness', () => {
  // Proves the purity rule that makes the simulator exact.
  const folder = fileURLToPath(new URL('../../runtime/raft/core/', import.meta.url));
  const files = readdirSync(folder).filter((name) => name.endsWith('.ts'));
  assert.ok(files.length > 10);
  for (const name of files) {
    const source = readFileSync(folder + name, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
    for (const forbidden of [/from 'node:/, /\bDate\b/, /Math\.random/, /setTimeout|setInterval|setImmediate/, /performance\.now/, /process\./]) {
      assert.not.match(source, forbidden, `${name} uses ${forbidden}`);
    }
    assert.ok(source.split('\n').length < 500, `${name} stays under 500 lines`);
  }
});

test.run();
