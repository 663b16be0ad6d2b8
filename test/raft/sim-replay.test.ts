// The simulator's own guarantees: a seed replays exactly, and the checks it
// runs do catch broken behaviour.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EntryType, type Entry } from '../../runtime/raft/types.js';
import { optionsForSeed, runSimulation } from './sim/cluster.js';
import { Invariants, type CoreView } from './sim/invariants.js';
import { SimDisk } from './sim/disk.js';
import { SeededRng } from '../../runtime/common/rng.js';
import { MessageType } from '../../runtime/raft/core/index.js';

test('the same seed produces the same run, trace line for line', () => {
  // Proves determinism: `npm run sim -- --seed N --trace` shows exactly what the failing run did.
  const first: string[] = [];
  const second: string[] = [];
  const a = runSimulation(optionsForSeed(12, { trace: (line) => first.push(line) }));
  const b = runSimulation(optionsForSeed(12, { trace: (line) => second.push(line) }));
  assert.ok(first.length > 1000);
  assert.equal(first, second);
  assert.equal(a, b);
  const other: string[] = [];
  runSimulation(optionsForSeed(14, { trace: (line) => other.push(line) }));
  assert.not.equal(other.slice(0, 200), first.slice(0, 200), 'a different seed runs differently');
});

const entry = (index: number, term: number, text = `e${index}`): Entry => ({ index, term, type: EntryType.Normal, data: new TextEncoder().encode(text) });

function fakeCore(fields: { role?: string; term: number; commit?: number; log?: Entry[]; firstIndex?: number }): CoreView {
  const log = fields.log ?? [];
  return {
    role: fields.role ?? 'follower',
    term: fields.term,
    commitIndex: fields.commit ?? 0,
    entryAt: (index) => log.find((e) => e.index === index),
    entryTerm: (index) => (index === 0 ? 0 : log.find((e) => e.index === index)?.term),
    status: () => ({ firstIndex: fields.firstIndex ?? 1 }),
  };
}

test('the invariant checker flags two leaders in one term', () => {
  // Proves election safety is checked.
  const invariants = new Invariants(() => 0);
  invariants.afterStep(1, fakeCore({ role: 'leader', term: 3 }));
  invariants.afterStep(2, fakeCore({ role: 'leader', term: 4 }));
  assert.equal(invariants.violations, []);
  invariants.afterStep(3, fakeCore({ role: 'leader', term: 4 }));
  assert.match(invariants.violations[0] ?? '', /election safety/);
});

test('the invariant checker flags logs that disagree on an (index, term) pair', () => {
  // Proves log matching is checked both on data and on the preceding term.
  const invariants = new Invariants(() => 0);
  invariants.onReady(1, fakeCore({ term: 2, log: [entry(1, 1)] }), { entries: [entry(2, 2, 'a')], snapshot: null });
  invariants.onReady(2, fakeCore({ term: 2, log: [entry(1, 1)] }), { entries: [entry(2, 2, 'a')], snapshot: null });
  assert.equal(invariants.violations, []);
  invariants.onReady(3, fakeCore({ term: 2, log: [entry(1, 1)] }), { entries: [entry(2, 2, 'b')], snapshot: null });
  assert.match(invariants.violations[0] ?? '', /log matching/);
  invariants.onReady(4, fakeCore({ term: 2, log: [entry(1, 2)] }), { entries: [entry(2, 2, 'a')], snapshot: null });
  assert.match(invariants.violations[1] ?? '', /after term 2, another node after term 1/);
});

test('the invariant checker flags a leader missing a committed entry, and replicas that apply different commands', () => {
  // Proves leader completeness and state machine safety are checked.
  const invariants = new Invariants(() => 0);
  invariants.afterStep(1, fakeCore({ term: 2, commit: 2, log: [entry(1, 1), entry(2, 2)] }));
  invariants.afterStep(2, fakeCore({ role: 'leader', term: 3, log: [entry(1, 1), entry(2, 1)] }));
  assert.match(invariants.violations[0] ?? '', /leader completeness/);
  invariants.onApply(1, entry(2, 2), '{}');
  invariants.onApply(3, entry(2, 2, 'other'), '{}');
  assert.match(invariants.violations[1] ?? '', /state machine safety/);
  invariants.onApply(4, entry(1, 1), 'x');
  invariants.onApply(5, entry(1, 1), 'y');
  assert.match(invariants.violations[2] ?? '', /state after 1/);
});

test('the invariant checker flags a node whose disk lost what it had applied', () => {
  // Proves durability after a crash is checked.
  const invariants = new Invariants(() => 0);
  invariants.afterStep(1, fakeCore({ term: 2, commit: 3, log: [entry(1, 1), entry(2, 2), entry(3, 2)] }));
  invariants.onRecover(1, { hardState: { term: 2, vote: 0, commit: 3 }, snapshot: null, entries: [entry(1, 1), entry(2, 2), entry(3, 2)] }, 3);
  assert.equal(invariants.violations, []);
  invariants.onRecover(1, { hardState: { term: 2, vote: 0, commit: 1 }, snapshot: null, entries: [entry(1, 1)] }, 3);
  assert.match(invariants.violations[0] ?? '', /durability/);
});

test('the invariant checker flags a message that promises what the disk does not hold', () => {
  // Proves persist-before-send is checked: term, granted vote and acknowledged entries must be durable first.
  const invariants = new Invariants(() => 0);
  const durable = (term: number, vote: number, lastIndex: number) => ({ hardState: { term, vote, commit: 0 }, snapshotIndex: 0, lastIndex, termAt: () => term });
  const granted = { type: MessageType.VoteResponse, from: 2, to: 1, term: 3, granted: true } as const;
  invariants.onSend(2, granted, durable(3, 1, 0));
  invariants.onSend(2, { type: MessageType.PreVote, from: 2, to: 1, term: 9, lastLogIndex: 0, lastLogTerm: 0, transfer: false }, durable(3, 1, 0));
  assert.equal(invariants.violations, [], 'a pre-vote asks about a future term, nothing to persist');
  invariants.onSend(2, granted, durable(2, 0, 0));
  assert.match(invariants.violations[0] ?? '', /term-3 message with term 2 on disk/);
  invariants.onSend(2, granted, durable(3, 0, 0));
  assert.match(invariants.violations[1] ?? '', /granted its term-3 vote to 1 but its disk says 0/);
  const ack = { type: MessageType.AppendResponse, from: 2, to: 1, term: 3, reject: false, index: 7, hintIndex: 0, hintTerm: 0 } as const;
  invariants.onSend(2, ack, durable(3, 1, 7));
  assert.is(invariants.violations.length, 2);
  invariants.onSend(2, ack, durable(3, 1, 6));
  assert.match(invariants.violations[2] ?? '', /acknowledged entry 7 with its disk ending at 6/);
});

test('the simulated disk loses unsynced writes on a crash and keeps synced ones', () => {
  // Proves the fault model the simulator relies on: a sync point, a random surviving prefix, snapshot truncation rules.
  const empty = { hardState: { term: 0, vote: 0, commit: 0 }, snapshot: null, entries: [] };
  let kept = 0;
  let lost = 0;
  for (let seed = 1; seed <= 40; seed += 1) {
    const disk = new SimDisk(empty);
    disk.append([entry(1, 1)]);
    disk.sync();
    disk.append([entry(2, 1)]);
    disk.setHardState({ term: 1, vote: 2, commit: 1 });
    disk.crash(new SeededRng(seed));
    const recovered = disk.recover();
    assert.ok(recovered.entries.length >= 1, 'the synced entry survives');
    if (recovered.entries.length === 2) kept += 1;
    else lost += 1;
    if (recovered.hardState.vote === 2) assert.is(recovered.entries.length, 2, 'writes survive in order: a later one never without an earlier one');
  }
  assert.ok(kept > 0 && lost > 0, 'both outcomes occur');
  const disk = new SimDisk(empty);
  disk.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
  disk.sync();
  disk.saveSnapshot({ meta: { index: 2, term: 1, conf: { voters: [1], learners: [] } }, data: new Uint8Array(0) });
  assert.equal(disk.recover().entries.map((e) => e.index), [3], 'a local snapshot keeps the entries after it');
  disk.bufferSnapshot({ meta: { index: 3, term: 2, conf: { voters: [1], learners: [] } }, data: new Uint8Array(0) });
  disk.append([entry(4, 2)]);
  disk.sync();
  assert.equal(disk.recover().entries.map((e) => `${e.index}@${e.term}`), ['4@2'], 'a leader snapshot that conflicts drops the old tail');
});

test.run();
