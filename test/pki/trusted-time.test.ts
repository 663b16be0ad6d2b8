import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../runtime/common/clock.js';
import { identityFromCertificate } from '../../runtime/pki/peer-identity.js';
import { verifyPeerChain } from '../../runtime/pki/peer-verifier.js';
import { CLOCK_FLOOR_MS, CLOCK_SKEW_MS_MAX } from '../../runtime/pki/policy.js';
import { TrustBundle } from '../../runtime/pki/trust-bundle.js';
import { TrustedTime } from '../../runtime/pki/trusted-time.js';
import { DAY_MS, PLAUSIBLE_MS, craftLeaf, issueNode, makeCa, throwsWith, timeAt } from './helpers.js';

const { ca } = await makeCa('cluster-a');
const trust = TrustBundle.of([ca.certificate]);
const node = await issueNode(ca, { nodeId: 'node-5' });
const window = identityFromCertificate(node.certPem);

test('a board booted at 1970 accepts a valid certificate instead of calling it not-yet-valid', () => {
  // Proves the dead-lock is broken: at epoch 0 the chain verifies, the source is the floor, and one clear line is logged once.
  const { time, lines } = timeAt(0);
  assert.is(time.isLocalClockPlausible(), false);
  assert.equal(time.reading(), { ms: CLOCK_FLOOR_MS, source: 'floor' });
  const identity = verifyPeerChain([node.certPem], { trust, time, peerTlsRole: 'client' });
  assert.is(identity.nodeId, 'node-5');
  verifyPeerChain([node.certPem], { trust, time, peerTlsRole: 'server' });
  assert.equal(lines, [
    `local clock is 1970-01-01T00:00:00.000Z, before ${new Date(CLOCK_FLOOR_MS).toISOString()}: waiting for time sync; certificates checked against cluster time`,
  ]);
});

test('at 1970 a certificate that expired before the floor is still refused', async () => {
  // Proves the floor is used as a lower bound on real time: expiry earlier than it is certain.
  const old = await craftLeaf(ca, { notBeforeMs: CLOCK_FLOOR_MS - 40 * DAY_MS, notAfterMs: CLOCK_FLOOR_MS - 10 * DAY_MS });
  const { time } = timeAt(0);
  throwsWith(() => verifyPeerChain([old], { trust, time, peerTlsRole: 'client' }), 'EDGE_PKI_CERT_EXPIRED', 'floor');
});

test('at a plausible date, validity is checked against the local clock on both ends', () => {
  // Proves the normal path: local source, not-yet-valid and expired both refused outside the skew allowance, accepted inside.
  const { time, lines } = timeAt(PLAUSIBLE_MS);
  assert.is(time.isLocalClockPlausible(), true);
  assert.is(time.reading().source, 'local');
  time.checkValidity(window, 'cert');
  throwsWith(() => timeAt(window.notBeforeMs - CLOCK_SKEW_MS_MAX - 1).time.checkValidity(window, 'cert'), 'EDGE_PKI_CERT_NOT_YET_VALID', 'local');
  timeAt(window.notBeforeMs - CLOCK_SKEW_MS_MAX + 1).time.checkValidity(window, 'cert');
  throwsWith(() => timeAt(window.notAfterMs + CLOCK_SKEW_MS_MAX + 1).time.checkValidity(window, 'cert'), 'EDGE_PKI_CERT_EXPIRED', 'local');
  timeAt(window.notAfterMs + CLOCK_SKEW_MS_MAX - 1).time.checkValidity(window, 'cert');
  assert.equal(lines, []);
});

test('cluster time learned from a manager is used for both checks and follows the monotonic clock', () => {
  // Proves (b): at 1970 with cluster time, expiry and notBefore are enforced against it; a later wall-clock step does not move it.
  const { time, clock } = timeAt(0);
  time.learnClusterTime(PLAUSIBLE_MS, 200);
  assert.equal(time.reading(), { ms: PLAUSIBLE_MS + 100, source: 'cluster' });
  time.checkValidity(window, 'cert');
  clock.advance(120 * DAY_MS);
  assert.is(time.reading().ms, PLAUSIBLE_MS + 100 + 120 * DAY_MS);
  throwsWith(() => time.checkValidity(window, 'cert'), 'EDGE_PKI_CERT_EXPIRED', 'cluster');
  clock.setWall(PLAUSIBLE_MS);
  assert.is(time.reading().ms, PLAUSIBLE_MS + 100 + 120 * DAY_MS);

  const early = timeAt(0).time;
  early.learnClusterTime(window.notBeforeMs - DAY_MS);
  throwsWith(() => early.checkValidity(window, 'cert'), 'EDGE_PKI_CERT_NOT_YET_VALID', 'cluster');
});

test('a manager cannot teach a time before the floor', () => {
  // Proves learnClusterTime ignores a manager whose own clock is unset (or a bogus value).
  const { time } = timeAt(0);
  time.learnClusterTime(1_000);
  time.learnClusterTime(Number.NaN);
  assert.is(time.reading().source, 'floor');
});

test("the floor rises to the trusted root's notBefore", () => {
  // Proves a clock that passes the build floor but reads before the CA existed is treated as unset, not as "certificate not yet valid".
  const beforeCa = window.notBeforeMs - 60 * DAY_MS;
  assert.ok(beforeCa > CLOCK_FLOOR_MS);
  const lines: string[] = [];
  const time = new TrustedTime({ clock: new ManualClock(beforeCa), log: (line) => lines.push(line) });
  throwsWith(() => time.checkValidity(window, 'cert'), 'EDGE_PKI_CERT_NOT_YET_VALID', 'local');
  time.raiseFloor(Date.parse(ca.certificate.validFrom));
  assert.is(time.isLocalClockPlausible(), false);
  time.checkValidity(window, 'cert');
  assert.is(lines.length, 1);
  time.raiseFloor(0);
  assert.is(time.isLocalClockPlausible(), false);
});

test('the warning is logged again after the clock was fixed and lost again', () => {
  // Proves the log line is once per implausible period, not once per process or per check.
  const { time, clock, lines } = timeAt(0);
  time.checkValidity(window, 'cert');
  time.checkValidity(window, 'cert');
  clock.setWall(PLAUSIBLE_MS);
  time.checkValidity(window, 'cert');
  clock.setWall(0);
  time.checkValidity(window, 'cert');
  assert.is(lines.length, 2);
});

test.run();
