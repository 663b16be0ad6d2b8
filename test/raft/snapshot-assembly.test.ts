// Follower-side pieces: chunked snapshot assembly and the ReadIndex queue.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SnapshotAssembly } from '../../runtime/raft/core/snapshot-assembly.js';
import { ReadIndexQueue } from '../../runtime/raft/core/readindex.js';
import { MessageType, type SnapshotChunkRequest } from '../../runtime/raft/core/index.js';

const meta = { index: 9, term: 2, conf: { voters: [1, 2, 3], learners: [] } };
const chunk = (offset: number, bytes: number[], totalBytes = 6, term = 2): SnapshotChunkRequest => ({
  type: MessageType.SnapshotChunk,
  from: 1,
  to: 2,
  term,
  meta,
  totalBytes,
  offset,
  data: new Uint8Array(bytes),
});

test('chunks in order assemble the snapshot; anything else asks for the offset we need', () => {
  // Proves duplicated, skipped or foreign chunks never corrupt the assembled snapshot.
  const assembly = new SnapshotAssembly(100);
  assert.equal(assembly.accept(chunk(0, [1, 2])), { kind: 'incomplete', nextOffset: 2 });
  assert.equal(assembly.accept(chunk(0 + 4, [5, 6])), { kind: 'incomplete', nextOffset: 2 }, 'a gap: resend from 2');
  assert.equal(assembly.accept(chunk(2, [3, 4], 6, 3)), { kind: 'incomplete', nextOffset: 0 }, 'another leader term: start over');
  assert.equal(assembly.accept(chunk(2, [3, 4])), { kind: 'incomplete', nextOffset: 4 });
  const done = assembly.accept(chunk(4, [5, 6]));
  assert.is(done.kind, 'complete');
  if (done.kind === 'complete') assert.equal([...done.snapshot.data], [1, 2, 3, 4, 5, 6]);
  assert.equal(assembly.accept(chunk(2, [3, 4])), { kind: 'incomplete', nextOffset: 0 }, 'after completion a late chunk restarts');
});

test('a snapshot over snapshotBytesMax or a chunk outside its bounds is refused', () => {
  // Proves the assembly buffer is bounded.
  const assembly = new SnapshotAssembly(5);
  assert.is(assembly.accept(chunk(0, [1, 2])).kind, 'refused');
  assert.is(new SnapshotAssembly(100).accept(chunk(5, [1, 2])).kind, 'refused');
});

test('a read is confirmed only by a majority echoing a round at or after its own', () => {
  // Proves ReadIndex confirmation: echoes of older rounds do not count.
  const reads = new ReadIndexQueue(10);
  reads.recordEcho(2, 0);
  reads.add(7, 1, 12);
  assert.ok(reads.needsRound());
  assert.equal(reads.takeConfirmed([1, 2, 3], 1), [], 'no heartbeat has carried the round yet');
  const round = reads.nextRound();
  assert.not.ok(reads.needsRound());
  reads.recordEcho(2, round - 1);
  assert.equal(reads.takeConfirmed([1, 2, 3], 1), [], 'an echo of an older round');
  reads.recordEcho(3, round);
  assert.equal(reads.takeConfirmed([1, 2, 3], 1), [{ requestId: 7, origin: 1, index: 12, round }]);
  for (let i = 0; i < 10; i += 1) reads.add(i, 1, 1);
  assert.ok(reads.full());
  reads.reset();
  assert.is(reads.size(), 0);
});

test.run();
