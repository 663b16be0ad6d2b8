import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRng, type Rng } from '../../runtime/common/rng.js';
import { identityFromCertificate } from '../../runtime/pki/peer-identity.js';
import { renewalAtMs } from '../../runtime/pki/renewal.js';
import { DAY_MS, issueNode, makeCa } from './helpers.js';

const window = { notBeforeMs: 1_000_000, notAfterMs: 1_000_000 + 90 * DAY_MS };
const lifeMs = 90 * DAY_MS;

function fixedRng(value: number): Rng {
  return { next: () => value, int: (bound) => Math.floor(value * bound) };
}

test('the extremes of the random draw land on 50 % and just under 80 % of the life', () => {
  // Proves the mapping from the Rng's [0, 1) onto [50 %, 80 %) of [notBefore, notAfter].
  assert.is(renewalAtMs(window, fixedRng(0)), window.notBeforeMs + lifeMs * 0.5);
  const top = renewalAtMs(window, fixedRng(0.999_999_999));
  assert.ok(top < window.notBeforeMs + lifeMs * 0.8);
  assert.ok(top > window.notBeforeMs + lifeMs * 0.799_99);
  assert.is(renewalAtMs(window, fixedRng(0.5)), window.notBeforeMs + lifeMs * 0.65);
});

test('10 000 seeded draws stay within bounds and spread across the whole range', () => {
  // Proves the distribution: all inside [50 %, 80 %), both ends reached within 0.5 %, mean near 65 %, each decile used.
  const rng = new SeededRng(2026);
  const fractions: number[] = [];
  for (let i = 0; i < 10_000; i++) fractions.push((renewalAtMs(window, rng) - window.notBeforeMs) / lifeMs);
  assert.ok(fractions.every((fraction) => fraction >= 0.5 && fraction < 0.8));
  assert.ok(Math.min(...fractions) < 0.505);
  assert.ok(Math.max(...fractions) > 0.795);
  const mean = fractions.reduce((sum, fraction) => sum + fraction, 0) / fractions.length;
  assert.ok(Math.abs(mean - 0.65) < 0.005, `mean ${mean}`);
  const deciles = new Array(10).fill(0) as number[];
  for (const fraction of fractions) deciles[Math.min(9, Math.floor(((fraction - 0.5) / 0.3) * 10))]! += 1;
  assert.ok(deciles.every((count) => count > 800 && count < 1200), `deciles ${deciles.join(',')}`);
});

test('the same seed gives the same renewal times (pure function of certificate and Rng)', () => {
  // Proves determinism for the simulator: no hidden clock or global randomness.
  const first = [1, 2, 3].map(() => renewalAtMs(window, new SeededRng(7)));
  assert.equal(first, [first[0], first[0], first[0]]);
  assert.is.not(renewalAtMs(window, new SeededRng(8)), first[0]);
});

test('works on a real certificate: a 90-day node certificate renews between day 45 and day 72', async () => {
  // Proves renewalAtMs reads validity from PEM the same way as from a window.
  const { ca } = await makeCa();
  const { certPem } = await issueNode(ca);
  const identity = identityFromCertificate(certPem);
  const at = renewalAtMs(certPem, new SeededRng(1));
  assert.is(at, renewalAtMs(identity, new SeededRng(1)));
  const life = identity.notAfterMs - identity.notBeforeMs;
  assert.ok(at >= identity.notBeforeMs + life * 0.5 && at < identity.notBeforeMs + life * 0.8);
  assert.ok(at - identity.notBeforeMs >= 45 * DAY_MS && at - identity.notBeforeMs < 72.1 * DAY_MS);
});

test.run();
