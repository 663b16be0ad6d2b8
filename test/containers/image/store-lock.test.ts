// The store's readers-writer lock: pulls run together, GC runs alone and is not starved.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StoreLock } from '../../../runtime/containers/image/store-lock.js';

function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

test('shared holders overlap; an exclusive holder waits for them and runs alone', async () => {
  // Proves GC (exclusive) never runs while a pull (shared) is in progress, and pulls do not block each other.
  const lock = new StoreLock();
  const log: string[] = [];
  const first = gate();
  const second = gate();
  const pullA = lock.shared(async () => {
    log.push('a start');
    await first.wait;
    log.push('a end');
  });
  const pullB = lock.shared(async () => {
    log.push('b start');
    await second.wait;
    log.push('b end');
  });
  const gc = lock.exclusive(async () => {
    log.push('gc');
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(log, ['a start', 'b start'], 'both pulls run; gc waits');
  first.open();
  await pullA;
  assert.not.ok(log.includes('gc'), 'gc still waits for the second pull');
  second.open();
  await Promise.all([pullB, gc]);
  assert.equal(log, ['a start', 'b start', 'a end', 'b end', 'gc']);
});

test('a waiting exclusive holder goes before shared holders that arrive after it', async () => {
  // Proves writer preference: a steady stream of pulls cannot starve garbage collection.
  const lock = new StoreLock();
  const log: string[] = [];
  const hold = gate();
  const pull = lock.shared(() => hold.wait);
  const gc = lock.exclusive(async () => {
    log.push('gc');
  });
  const later = lock.shared(async () => {
    log.push('later pull');
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(log, []);
  hold.open();
  await Promise.all([pull, gc, later]);
  assert.equal(log, ['gc', 'later pull']);
});

test('an exception releases the lock', async () => {
  // Proves a failed pull or GC cannot leave the store locked forever.
  const lock = new StoreLock();
  await lock.exclusive(async () => {
    throw new Error('boom');
  }).catch(() => undefined);
  await lock.shared(async () => {
    throw new Error('boom');
  }).catch(() => undefined);
  assert.is(await lock.exclusive(async () => 'ran'), 'ran');
});

test.run();
