import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BroadcastQueue } from '../../runtime/gossip/broadcasts.js';
import { encodedBytes } from '../../runtime/gossip/encoded-size.js';
import type { Update } from '../../runtime/gossip/messages.js';

const suspect = (member: string, incarnation = 0): Update => ({ kind: 'suspect', member, incarnation, from: 'pi-0' });
const wide = { retransmitLimit: 100, bytesMax: 10_000, countMax: 100 };

test('a newer update about a member replaces the queued one', () => {
  // Proves the queue holds one update per member (superseded news is not sent).
  const queue = new BroadcastQueue(10);
  queue.enqueue(suspect('pi-1'));
  queue.enqueue({ kind: 'alive', member: 'pi-1', incarnation: 1, address: 'a:1', role: 'worker', labels: new Uint8Array(0) });
  assert.is(queue.size, 1);
  const taken = queue.take(wide);
  assert.is(taken.length, 1);
  assert.is(taken[0]!.kind, 'alive');
});

test('each update is sent retransmitLimit times, then dropped', () => {
  // Proves bounded retransmission: the epidemic dies out.
  const queue = new BroadcastQueue(10);
  queue.enqueue(suspect('pi-1'));
  const options = { ...wide, retransmitLimit: 3 };
  for (let round = 0; round < 3; round += 1) assert.is(queue.take(options).length, 1, `round ${round}`);
  assert.is(queue.size, 0);
  assert.equal(queue.take(options), []);
});

test('least-sent updates go first', () => {
  // Proves fresh news overtakes news already sent many times.
  const queue = new BroadcastQueue(10);
  queue.enqueue(suspect('pi-old'));
  queue.take(wide);
  queue.take(wide);
  queue.enqueue(suspect('pi-new'));
  const taken = queue.take({ ...wide, countMax: 1 });
  assert.is(taken[0]!.member, 'pi-new');
  assert.is(queue.transmitsOf('pi-new'), 1);
  assert.is(queue.transmitsOf('pi-old'), 2);
});

test('byte and count budgets are respected, reserved bytes included', () => {
  // Proves one message's piggyback never exceeds piggybackBytesMax or updatesPerMessageMax.
  const queue = new BroadcastQueue(100);
  for (let index = 0; index < 50; index += 1) queue.enqueue(suspect(`pi-${index}`));
  const one = encodedBytes(suspect('pi-10'));
  const taken = queue.take({ retransmitLimit: 10, bytesMax: one * 5 + 2, countMax: 100 }, one);
  assert.ok(taken.length <= 4, `${taken.length} updates`);
  assert.ok(taken.reduce((sum, update) => sum + encodedBytes(update), one) <= one * 5 + 2);
  assert.is(queue.take({ retransmitLimit: 10, bytesMax: 100_000, countMax: 7 }).length, 7);
});

test('a full queue drops the most-sent update to make room', () => {
  // Proves the capacity bound holds and sacrifices the news most nodes already have.
  const queue = new BroadcastQueue(2);
  queue.enqueue(suspect('pi-1'));
  queue.take({ ...wide, countMax: 1 });
  queue.enqueue(suspect('pi-2'));
  queue.enqueue(suspect('pi-3'));
  assert.is(queue.size, 2);
  assert.is(queue.dropped, 1);
  assert.is(queue.queued('pi-1'), undefined);
  assert.ok(queue.queued('pi-2') !== undefined && queue.queued('pi-3') !== undefined);
});

test.run();
