// Proves quorum-loss recovery at the driver level (runtime/raft/force-new-cluster.ts):
// a member of a 3-voter cluster rewrites its own disk into a one-voter cluster
// that keeps every entry it held (committed or not), moves its term forward,
// survives a restart, and elects itself and commits alone. A crash at any
// fsync or rename of the rewrite leaves either the old state or the new one,
// and running it again finishes the job. Refusals leave the disk untouched.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EdgeError } from '../../runtime/common/errors.js';
import { SeededRng } from '../../runtime/common/rng.js';
import { ConfChangeKind, encodeConfChange, lanDefaults } from '../../runtime/raft/core/index.js';
import { forceNewCluster } from '../../runtime/raft/force-new-cluster.js';
import { RaftNode, type StateMachine } from '../../runtime/raft/node.js';
import { MemoryFileSystem, openFileStorage } from '../../runtime/raft/storage/index.js';
import { EntryType, type Entry, type RecoveredState } from '../../runtime/raft/types.js';
import { rejectsWithCode } from '../raft-storage/support.js';

const dir = '/data/raft';
const text = new TextEncoder();
const words = new TextDecoder();

/** Remembers the data of every normal entry applied, with its index. */
class ListMachine implements StateMachine {
  applied: string[] = [];
  apply(entry: Entry): unknown {
    if (entry.type === EntryType.Normal && entry.data.byteLength > 0) this.applied.push(`${entry.index}:${words.decode(entry.data)}`);
    return { ok: true };
  }
  snapshot(): Uint8Array {
    return text.encode(JSON.stringify(this.applied));
  }
  restore(data: Uint8Array): void {
    this.applied = JSON.parse(words.decode(data)) as string[];
  }
}

function normal(index: number, term: number, data: string): Entry {
  return { index, term, type: EntryType.Normal, data: text.encode(data) };
}

/**
 * The disk of member 1 of a 3-voter cluster that lost members 2 and 3: entries
 * 2–4 known committed, 5–6 appended in term 3 but never known committed (6
 * adds a learner, a membership change that was in flight).
 */
async function oldMemberDisk(): Promise<MemoryFileSystem> {
  const fileSystem = new MemoryFileSystem();
  const storage = await openFileStorage({ dir, fileSystem });
  await storage.recover();
  await RaftNode.bootstrap(storage, [1, 2, 3]);
  storage.append([normal(2, 2, 'init'), normal(3, 2, 'label zone=a'), normal(4, 3, 'service web'), normal(5, 3, 'scale web 3')]);
  storage.append([{ index: 6, term: 3, type: EntryType.ConfChange, data: encodeConfChange({ kind: ConfChangeKind.AddLearner, node: 4 }) }]);
  storage.setHardState({ term: 3, vote: 2, commit: 4 });
  await storage.sync();
  await storage.close();
  return fileSystem.crash();
}

async function recoverFrom(fileSystem: MemoryFileSystem): Promise<RecoveredState> {
  const storage = await openFileStorage({ dir, fileSystem });
  const state = await storage.recover();
  await storage.close();
  return state;
}

const allEntries = ['2:init', '3:label zone=a', '4:service web', '5:scale web 3'];

test('the rewritten disk is a one-voter cluster at a later term that keeps every stored entry and the recovery entry', async () => {
  const fileSystem = await oldMemberDisk();
  const storage = await openFileStorage({ dir, fileSystem });
  const machine = new ListMachine();
  const forced = await forceNewCluster({ storage, self: 1, stateMachine: machine, recoveryEntry: (previous) => text.encode(`recovered from ${previous.voters.join(',')}+${previous.learners.join(',')}`) });
  await storage.close();
  assert.equal(forced.previous.voters, [1, 2, 3]);
  assert.equal(forced.previous.learners, [4], 'the uncommitted learner addition was part of the log it kept');
  assert.equal(forced.removed, [2, 3, 4]);
  assert.is(forced.knownCommitted, 4);
  assert.is(forced.keptThrough, 6);
  assert.equal(machine.applied, [...allEntries, '7:recovered from 1,2,3+4']);

  const after = await recoverFrom(fileSystem.crash());
  assert.equal(after.snapshot?.meta.index, 7, 'the snapshot stands for an entry after the last stored one');
  assert.equal(after.snapshot?.meta.term, 4, 'the term moves past every term the node had seen');
  assert.equal(after.snapshot?.meta.conf.voters, [1]);
  assert.equal(after.snapshot?.meta.conf.learners, []);
  assert.equal(after.entries, [], 'no stored entry can take effect again after the snapshot');
  assert.equal(after.hardState, { term: 4, vote: 0, commit: 7 });
  const restored = new ListMachine();
  restored.restore(after.snapshot!.data);
  assert.equal(restored.applied, machine.applied, 'the state machine comes back from the snapshot with every entry');
});

test('a driver started from the rewritten disk elects itself alone and commits, and does so again after a restart', async () => {
  let fileSystem = await oldMemberDisk();
  const storage = await openFileStorage({ dir, fileSystem });
  await forceNewCluster({ storage, self: 1, stateMachine: new ListMachine() });
  await storage.close();
  for (const round of [1, 2]) {
    fileSystem = fileSystem.crash();
    const reopened = await openFileStorage({ dir, fileSystem });
    const recovered = await reopened.recover();
    const machine = new ListMachine();
    const node = new RaftNode({ config: lanDefaults(1), storage: reopened, recovered, stateMachine: machine, send: () => assert.unreachable('a lone voter sends nothing'), rng: new SeededRng(round), tickMs: 5, log: () => {} });
    node.start();
    try {
      const started = Date.now();
      while (!node.isLeader) {
        assert.ok(Date.now() - started < 5000, `round ${round}: no leadership within 5 s`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.ok(node.core.term > 4, `round ${round}: leads in a term after the recovery's (${node.core.term})`);
      assert.equal(node.status().voters, [1]);
      await node.propose(text.encode(`write ${round}`));
      assert.ok(machine.applied.includes('5:scale web 3'), 'the entries kept are still there');
      assert.ok(machine.applied.some((line) => line.endsWith(`:write ${round}`)), `round ${round}: the new write applied`);
    } finally {
      await node.stop();
      await reopened.close();
    }
  }
});

test('a crash at any fsync or rename of the rewrite leaves the old state or the new one, and a second run completes it', async () => {
  const base = await oldMemberDisk();
  let outcomes = { old: 0, new: 0 };
  for (let failAt = 1; ; failAt += 1) {
    const fileSystem = base.crash();
    let syncs = 0;
    const fail = () => (++syncs === failAt ? new Error('power cut') : undefined);
    fileSystem.faults.sync = fail;
    fileSystem.faults.syncDirectory = fail;
    const storage = await openFileStorage({ dir, fileSystem });
    let finished = true;
    try {
      await forceNewCluster({ storage, self: 1, stateMachine: new ListMachine() });
    } catch (error) {
      assert.match((error as Error).message, 'power cut');
      finished = false;
    }
    const afterCrash = fileSystem.crash();
    const state = await recoverFrom(afterCrash);
    const voters = state.snapshot?.meta.conf.voters ?? [];
    if (voters.length === 1) {
      outcomes.new += 1;
      assert.equal(state.snapshot?.meta.index, 7, `failAt ${failAt}`);
    } else {
      outcomes.old += 1;
      assert.equal(state.entries.map((entry) => entry.index), [1, 2, 3, 4, 5, 6], `failAt ${failAt}: the old log is whole`);
    }
    const again = await openFileStorage({ dir, fileSystem: afterCrash });
    const machine = new ListMachine();
    const second = await forceNewCluster({ storage: again, self: 1, stateMachine: machine });
    await again.close();
    assert.ok(machine.applied.join() === allEntries.join(), `failAt ${failAt}: every entry survives (${machine.applied.join()})`);
    assert.equal(second.recovered.snapshot?.meta.conf.voters, [1]);
    if (finished) break;
  }
  assert.ok(outcomes.old > 0 && outcomes.new > 0, `crashes landed on both sides of the switch (${JSON.stringify(outcomes)})`);
});

test('refusals: no state to recover, a node outside its own configuration, a recovery the application refuses; the disk is left as it was', async () => {
  const empty = new MemoryFileSystem();
  const emptyStorage = await openFileStorage({ dir, fileSystem: empty });
  await rejectsWithCode(forceNewCluster({ storage: emptyStorage, self: 1, stateMachine: new ListMachine() }), 'EDGE_RAFT_FORCE_NO_STATE');

  const fileSystem = await oldMemberDisk();
  const outsider = await openFileStorage({ dir, fileSystem });
  const notMember = await rejectsWithCode(forceNewCluster({ storage: outsider, self: 9, stateMachine: new ListMachine() }), 'EDGE_RAFT_FORCE_NOT_MEMBER');
  assert.match(notMember.message, 'voters 1, 2, 3');
  await outsider.close();

  const refusing = await openFileStorage({ dir, fileSystem });
  const refusal = new EdgeError('EDGE_TEST_REFUSED', 'not a manager in the store');
  const refuse = () => {
    throw refusal;
  };
  await rejectsWithCode(forceNewCluster({ storage: refusing, self: 1, stateMachine: new ListMachine(), recoveryEntry: () => text.encode('x'), checkRecoveryResult: refuse }), 'EDGE_TEST_REFUSED');
  await refusing.close();
  const state = await recoverFrom(fileSystem.crash());
  assert.is(state.snapshot, null);
  assert.equal(state.entries.map((entry) => entry.index), [1, 2, 3, 4, 5, 6]);
  assert.equal(state.hardState, { term: 3, vote: 2, commit: 4 });
});

test.run();
