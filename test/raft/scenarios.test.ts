// Scenario tests ported (as scenarios, not code) from etcd raft's interaction
// tests: each drives a small cluster by hand and checks what every node says.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isRaftError, MessageType, RaftCore, simulationDefaults } from '../../runtime/raft/core/index.js';
import { SeededRng } from '../../runtime/common/rng.js';
import { EntryType } from '../../runtime/raft/types.js';
import { Scenario, isType } from './scenario.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function throwsCode(action: () => unknown, code: string): void {
  try {
    action();
  } catch (error) {
    assert.ok(isRaftError(error), `expected a RaftError, got ${String(error)}`);
    assert.is(error.code, code);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

test('an elected leader commits its no-op and every node agrees on term and commit', () => {
  // Proves the basic election path: PreVote, Vote, no-op append, commit propagation.
  const s = new Scenario([1, 2, 3]);
  s.elect(1);
  s.run(1);
  assert.is(s.summary(), '1:leader@2 commit=2 2:follower@2 commit=2 3:follower@2 commit=2');
});

test('election transcript: PreVote, Vote, the no-op append, commit', () => {
  // Proves the exact message exchange of an election, etcd-transcript style: any change in the protocol shows up here.
  const s = new Scenario([1, 2, 3]);
  s.elect(1);
  assert.fixture(
    s.transcript.join('\n'),
    [
      '1→2 t2 PreVote last=1@1',
      '1→3 t2 PreVote last=1@1',
      '2→1 t2 PreVoteResponse granted',
      '3→1 t2 PreVoteResponse granted',
      '1→2 t2 Vote last=1@1',
      '1→3 t2 Vote last=1@1',
      '2→1 t2 VoteResponse granted',
      '3→1 t2 VoteResponse granted',
      '1→2 t2 Append prev=1@1 [2@2] commit=1',
      '1→3 t2 Append prev=1@1 [2@2] commit=1',
      '2→1 t2 AppendResponse ok 2',
      '3→1 t2 AppendResponse ok 2',
      // The commit index travels in an empty append, to node 3 as soon as it answered.
      '1→2 t2 Append prev=2@2 [] commit=2',
      '1→3 t2 Append prev=2@2 [] commit=2',
      '2→1 t2 AppendResponse ok 2',
      '3→1 t2 AppendResponse ok 2',
    ].join('\n'),
  );
  assert.is(s.summary(), '1:leader@2 commit=2 2:follower@2 commit=2 3:follower@2 commit=2');
});

test('PreVote + CheckQuorum: a node back from a partition does not depose a healthy leader', () => {
  // Proves the partitioned node neither raises its term while cut off nor wins votes while the leader is healthy.
  const s = new Scenario([1, 2, 3]);
  s.elect(1);
  s.isolate(3);
  for (let i = 0; i < 30; i += 1) {
    s.tickAll();
    s.stabilize();
  }
  assert.is(s.core(3).role, 'pre-candidate', 'the isolated node timed out and keeps asking');
  assert.is(s.core(3).term, 2, 'PreVote kept the isolated node at the cluster term');
  s.heal();
  s.core(3).campaign();
  s.stabilize();
  assert.equal(s.leaders(), [1]);
  assert.is(s.core(1).term, 2, 'the healthy leader kept its term');
  s.run(2);
  assert.is(s.core(3).leader, 1, 'the returning node follows the leader again');
  assert.is(s.summary(), '1:leader@2 commit=2 2:follower@2 commit=2 3:follower@2 commit=2');
});

test('PreVote + CheckQuorum: once the leader is really gone, the others elect a new one', () => {
  // Proves the lease only protects a live leader: after it falls silent, pre-votes succeed.
  const s = new Scenario([1, 2, 3]);
  s.elect(1);
  s.isolate(1);
  for (let i = 0; i < 30 && !s.leaders().some((id) => id !== 1); i += 1) {
    s.tickAll();
    s.stabilize();
  }
  const newLeaders = s.leaders().filter((id) => id !== 1);
  assert.is(newLeaders.length, 1);
  assert.is(s.core(newLeaders[0]!).term, 3);
});

test('leader isolation: the cut-off leader steps down and its unreplicated entry is discarded', () => {
  // Proves CheckQuorum makes a leader without a quorum resign, and that its uncommitted tail is overwritten.
  const s = new Scenario([1, 2, 3]);
  s.elect(1);
  s.isolate(1);
  const lost = s.propose(1, 'lost');
  for (let i = 0; i < 30 && s.core(1).role === 'leader'; i += 1) s.tick(1);
  assert.is(s.core(1).role, 'follower', 'the isolated leader stepped down');
  for (let i = 0; i < 30 && s.leaders().length === 0; i += 1) {
    s.tick(2);
    s.tick(3);
    s.stabilize();
  }
  const [leader] = s.leaders();
  assert.ok(leader === 2 || leader === 3);
  s.dropInFlight();
  s.heal();
  s.propose(leader!, 'kept');
  s.run(3);
  for (const id of [1, 2, 3]) {
    assert.equal(s.node(id).applied, ['kept'], `node ${id} applied only the new leader's entry`);
    assert.is.not(s.core(id).entryTerm(lost.index), lost.term);
  }
});

test('commit rule: entries of an earlier term are not committed by counting replicas', () => {
  // Proves Raft §5.4.2: a new leader that sees its predecessor's entry on a majority still waits for its own no-op.
  const s = new Scenario([1, 2, 3], (c) => ({ ...c, appendBytesMax: 1, checkQuorum: false, preVote: false }));
  s.elect(1);
  s.run(1);
  s.cutLink(2, 1);
  s.cutLink(1, 3);
  // Two bytes, so with appendBytesMax 1 it travels alone, without the next leader's no-op.
  s.propose(1, 'xx');
  s.stabilize();
  assert.is(s.core(2).entryTerm(3), 2, 'x reached node 2');
  assert.is(s.core(1).commitIndex, 2, 'leader 1 never heard back, so x is uncommitted');
  s.isolate(1);
  s.core(2).campaign();
  s.drain(s.node(2));
  s.deliver(isType(MessageType.Vote));
  s.deliver(isType(MessageType.VoteResponse));
  assert.is(s.core(2).role, 'leader');
  assert.is(s.core(2).term, 3);
  let sawOldEntryOnMajority = false;
  while (s.inFlight.length > 0) {
    s.deliver((m) => m === s.inFlight[0]);
    const progress = s.core(2).status().progress.find((p) => p.id === 3);
    if (progress !== undefined && progress.match === 3) {
      sawOldEntryOnMajority = true;
      assert.is(s.core(2).commitIndex, 2, 'x (term 2) sits on nodes 2 and 3 but must not be committed by counting');
    }
  }
  assert.ok(sawOldEntryOnMajority, 'the scenario reached the state under test');
  assert.is(s.core(2).commitIndex, 4, 'once the term-3 no-op is on a majority, both commit');
});

test('a follower commits only what the append it received vouches for', () => {
  // Proves a stale tail beyond the leader's entries is never committed by a large leader commit index.
  const recovered = RaftCore.bootstrapState([1, 2, 3]);
  recovered.hardState = { term: 2, vote: 0, commit: 1 };
  recovered.entries.push({ index: 2, term: 2, type: EntryType.Normal, data: text('a') }, { index: 3, term: 2, type: EntryType.Normal, data: text('stale') });
  const core = new RaftCore({ config: simulationDefaults(2), recovered, rng: new SeededRng(1) });
  core.step({ type: MessageType.Append, from: 1, to: 2, term: 3, prevLogIndex: 1, prevLogTerm: 1, entries: [{ index: 2, term: 2, type: EntryType.Normal, data: text('a') }], commit: 3 });
  assert.is(core.commitIndex, 2);
  const ready = core.ready();
  assert.equal(ready.committedEntries.map((e) => e.index), [1, 2], 'the bootstrap entry and a, not the stale tail');
});

test('one pending conf change: a new leader waits for its no-op, then changes go one at a time', () => {
  // Proves the fix to the 2015 single-server bug and the one-at-a-time rule.
  const s = new Scenario([1, 2, 3]);
  s.core(1).campaign();
  s.drain(s.node(1));
  for (let i = 0; i < 4 && s.core(1).role !== 'leader'; i += 1) {
    s.deliver((m) => m.type <= MessageType.VoteResponse);
  }
  assert.is(s.core(1).role, 'leader');
  throwsCode(() => s.core(1).addMember(4), 'EDGE_RAFT_CONF_CHANGE_PENDING');
  s.stabilize();
  s.core(1).addMember(4);
  throwsCode(() => s.core(1).addMember(5), 'EDGE_RAFT_CONF_CHANGE_PENDING');
  s.drain(s.node(1));
  s.stabilize();
  assert.equal(s.core(1).status().learners, [4]);
  s.core(1).addMember(5);
  s.drain(s.node(1));
  s.stabilize();
  assert.equal(s.core(2).status().learners, [4, 5]);
});

test('replacing the leader: a learner joins and is promoted, the leader hands over before its removal, its id is never reused', () => {
  // Proves learner catch-up and auto-promotion, transfer-before-removal, and that removed ids stay retired.
  const s = new Scenario([1, 2, 3]);
  s.elect(1);
  s.propose(1, 'a');
  s.stabilize();
  s.core(1).addMember(4);
  s.drain(s.node(1));
  s.addNode(4);
  s.run(3);
  assert.equal(s.core(1).status().voters.sort(), [1, 2, 3, 4], 'the caught-up learner was promoted');
  assert.equal(s.node(4).applied, ['a']);
  let target = 0;
  try {
    s.core(1).removeMember(1);
  } catch (error) {
    assert.ok(isRaftError(error, 'EDGE_RAFT_LEADER_REMOVAL_TRANSFERRING'));
    target = error.leaderHint;
  }
  assert.ok(target !== 0 && target !== 1);
  s.drain(s.node(1));
  s.stabilize();
  assert.equal(s.leaders(), [target], 'leadership moved without waiting for an election timeout');
  s.run(1);
  s.core(target).removeMember(1);
  s.drain(s.node(target));
  s.stabilize();
  s.isolate(1);
  const status = s.core(target).status();
  assert.not.ok(status.voters.includes(1));
  throwsCode(() => s.core(target).addMember(1), 'EDGE_RAFT_CONF_CHANGE_INVALID');
  s.propose(target, 'b');
  s.run(2);
  for (const id of [2, 3, 4]) assert.equal(s.node(id).applied, ['a', 'b'], `node ${id} goes on without node 1`);
});

test('a learner replicates but never campaigns, and does not count toward the quorum', () => {
  // Proves non-voting members stay passive until promoted.
  const s = new Scenario([1, 2, 3], (c) => ({ ...c, learnerAutoPromote: false }));
  s.elect(1);
  s.core(1).addMember(4);
  s.drain(s.node(1));
  s.addNode(4);
  s.run(2);
  s.propose(1, 'a');
  s.run(1);
  assert.equal(s.node(4).applied, ['a'], 'the learner receives the log');
  assert.equal(s.core(4).status().learners, [4]);
  s.isolate(1);
  for (let i = 0; i < 40; i += 1) s.tick(4);
  assert.is(s.core(4).role, 'follower', 'a learner never stands for election');
  assert.is(s.core(4).term, 2);
  s.heal();
  s.isolate(2);
  s.isolate(3);
  const b = s.propose(1, 'b');
  s.stabilize();
  assert.is(s.core(4).entryTerm(b.index), b.term, 'the learner holds b');
  assert.ok(s.core(1).commitIndex < b.index, 'but leader and learner are no majority: b is not committed');
});

test('snapshot to a lagging follower: the leader compacts, then streams the snapshot in chunks', () => {
  // Proves compaction plus chunked InstallSnapshot bring a far-behind follower to the same state.
  const s = new Scenario([1, 2, 3]);
  s.elect(1);
  s.isolate(3);
  for (let i = 0; i < 30; i += 1) {
    s.propose(1, `v${i}`);
    s.stabilize();
  }
  s.run(1);
  const snapshot = s.snapshot(1);
  assert.ok(s.core(1).status().firstIndex > s.core(3).status().lastIndex + 1, 'the entries node 3 needs are compacted');
  s.heal();
  s.run(8);
  const chunks = s.transcript.filter((line) => line.includes('SnapshotChunk ') && line.includes('→3'));
  assert.ok(chunks.length > 1, `the snapshot went in several chunks (${chunks.length})`);
  assert.is(s.node(3).snapshotsInstalled, 1);
  assert.ok(s.node(3).appliedIndex >= snapshot.meta.index);
  assert.equal(s.node(3).applied, s.node(1).applied);
  assert.is(s.node(3).applied.length, 30);
});

test('leadership transfer: the target is caught up first, then takes over without an election timeout', () => {
  // Proves TimeoutNow is sent only once the target's log matches, proposals pause meanwhile, and the old leader follows.
  const s = new Scenario([1, 2, 3]);
  s.elect(1);
  s.isolate(3);
  s.propose(1, 'a');
  s.stabilize();
  s.heal();
  s.core(1).transferLeadership(3);
  throwsCode(() => s.core(1).propose(text('during')), 'EDGE_RAFT_TRANSFER_IN_PROGRESS');
  s.drain(s.node(1));
  s.stabilize();
  assert.equal(s.leaders(), [3]);
  assert.is(s.core(3).term, 3);
  const timeoutNowAt = s.transcript.findIndex((line) => line.includes('TimeoutNow'));
  const catchUpAt = s.transcript.findIndex((line) => line.startsWith('3→1') && line.includes('AppendResponse ok 3'));
  assert.ok(catchUpAt >= 0 && catchUpAt < timeoutNowAt, 'node 3 acknowledged entry 3 before TimeoutNow');
  throwsCode(() => s.core(1).transferLeadership(1), 'EDGE_RAFT_NOT_LEADER');
});

test('ReadIndex: a read is answered only after a heartbeat round confirms leadership, and on followers too', () => {
  // Proves reads wait for a quorum round, that followers forward them, and that a cut-off leader never answers.
  const s = new Scenario([1, 2, 3]);
  s.elect(1);
  s.propose(1, 'a');
  s.stabilize();
  s.core(1).readIndex(7);
  s.drain(s.node(1));
  assert.equal(s.node(1).readStates, [], 'not before the heartbeat round is acknowledged');
  s.stabilize();
  assert.equal(s.node(1).readStates, [{ requestId: 7, index: s.core(1).commitIndex }]);
  s.core(2).readIndex(8);
  s.drain(s.node(2));
  s.stabilize();
  assert.equal(s.node(2).readStates, [{ requestId: 8, index: 3 }]);
  s.isolate(1);
  s.core(1).readIndex(9);
  for (let i = 0; i < 3; i += 1) {
    s.tick(1);
    s.stabilize();
  }
  assert.is(s.node(1).readStates.length, 1, 'a leader that cannot reach a quorum serves no read');
});

test('ReadIndex on a new leader waits until an entry of its term is committed', () => {
  // Proves a fresh leader does not answer reads from a commit index that may lag its predecessors'.
  const s = new Scenario([1, 2, 3]);
  s.core(1).campaign();
  s.drain(s.node(1));
  for (let i = 0; i < 4 && s.core(1).role !== 'leader'; i += 1) s.deliver((m) => m.type <= MessageType.VoteResponse);
  assert.is(s.core(1).role, 'leader');
  s.core(1).readIndex(1);
  s.drain(s.node(1));
  s.deliver((m) => m.type === MessageType.Heartbeat || m.type === MessageType.HeartbeatResponse);
  assert.equal(s.node(1).readStates, []);
  s.stabilize();
  s.run(1);
  assert.equal(s.node(1).readStates, [{ requestId: 1, index: 2 }]);
});

test('restart: a node rebuilt from what it persisted rejoins with its log and term', () => {
  // Proves the core is constructible from a RecoveredState and needs no other memory.
  const s = new Scenario([1, 2, 3]);
  s.elect(1);
  s.propose(1, 'a');
  s.stabilize();
  s.run(1);
  s.restart(2);
  assert.is(s.core(2).term, 2);
  assert.is(s.core(2).role, 'follower');
  s.propose(1, 'b');
  s.run(2);
  assert.equal(s.node(2).applied, ['a', 'b']);
});

test.run();
