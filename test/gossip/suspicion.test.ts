import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Awareness } from '../../runtime/gossip/awareness.js';
import { Suspicion } from '../../runtime/gossip/suspicion.js';

const options = { incarnation: 4, startTick: 100, accuser: 'pi-1', expected: 3, minTicks: 20, maxTicks: 80 };

test('a lone accusation runs for the maximum, full confirmation for the minimum', () => {
  // Proves the two ends of the Lifeguard formula.
  const suspicion = new Suspicion(options);
  assert.is(suspicion.timeoutTicks, 80);
  assert.not.ok(suspicion.expired(179));
  assert.ok(suspicion.expired(180));
  for (const from of ['pi-2', 'pi-3', 'pi-4']) assert.ok(suspicion.confirm(from));
  assert.is(suspicion.timeoutTicks, 20);
  assert.ok(suspicion.expired(120));
  assert.not.ok(suspicion.expired(119));
});

test('the timeout follows max - (max - min) * log(c + 1) / log(k + 1) and only shrinks', () => {
  // Proves intermediate confirmations give the logarithmic values, strictly decreasing.
  const suspicion = new Suspicion(options);
  const seen = [suspicion.timeoutTicks];
  for (const from of ['pi-2', 'pi-3']) {
    suspicion.confirm(from);
    seen.push(suspicion.timeoutTicks);
  }
  assert.equal(seen, [80, Math.floor(80 - 60 * (Math.log(2) / Math.log(4))), Math.floor(80 - 60 * (Math.log(3) / Math.log(4)))]);
  assert.ok(seen[0]! > seen[1]! && seen[1]! > seen[2]!);
});

test('the accuser, repeated confirmers and confirmations past the expected count change nothing', () => {
  // Proves only independent confirmations count (one node cannot hurry a death alone).
  const suspicion = new Suspicion(options);
  assert.not.ok(suspicion.confirm('pi-1'));
  assert.ok(suspicion.confirm('pi-2'));
  assert.not.ok(suspicion.confirm('pi-2'));
  assert.is(suspicion.confirmations, 1);
  assert.ok(suspicion.confirm('pi-3'));
  assert.ok(suspicion.confirm('pi-4'));
  assert.not.ok(suspicion.confirm('pi-5'));
  assert.is(suspicion.confirmations, 3);
});

test('with no confirmations expected (tiny cluster) the minimum applies at once', () => {
  // Proves a 2-node cluster is not stuck at the maximum waiting for confirmers that do not exist.
  assert.is(new Suspicion({ ...options, expected: 0 }).timeoutTicks, 20);
});

test('local health clamps to [0, max - 1] and stretches timeouts by score + 1', () => {
  // Proves the Lifeguard multiplier's range and effect.
  const awareness = new Awareness(8);
  assert.is(awareness.scale(4), 4);
  awareness.apply(3);
  assert.is(awareness.health, 3);
  assert.is(awareness.scale(4), 16);
  awareness.apply(100);
  assert.is(awareness.health, 7);
  assert.is(awareness.scale(2), 16);
  awareness.apply(-100);
  assert.is(awareness.health, 0);
  const off = new Awareness(1);
  off.apply(5);
  assert.is(off.scale(4), 4);
});

test.run();
