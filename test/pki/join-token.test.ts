import { X509Certificate } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../runtime/common/clock.js';
import { JoinTokenRegistry, secretHashHex } from '../../runtime/pki/join-token-registry.js';
import {
  JOIN_TOKEN_SECRET_CHARS_MIN,
  caMatchesToken,
  formatJoinToken,
  generateJoinTokenSecret,
  parseJoinToken,
  trustFromJoinToken,
} from '../../runtime/pki/join-token.js';
import { PLAUSIBLE_MS, makeCa, throwsWith } from './helpers.js';

const { ca } = await makeCa('cluster-a');
const { ca: otherCa } = await makeCa('cluster-b');
const clock = new ManualClock(PLAUSIBLE_MS);
const secret = 'abcdefghijklmnopqrstuvwxyz234567';

test('a generated token round-trips through format and parse', () => {
  // Proves the wire shape EDGE1-<64 hex>-<base32 secret>, fresh secrets each time, and tolerant parsing of pasted text.
  const generated = generateJoinTokenSecret();
  assert.match(generated, /^[a-z2-7]{32}$/);
  assert.is.not(generateJoinTokenSecret(), generated);
  const text = formatJoinToken({ caDigestHex: ca.digestHex, secret: generated });
  assert.match(text, /^EDGE1-[0-9a-f]{64}-[a-z2-7]{32}$/);
  assert.equal(parseJoinToken(text), { caDigestHex: ca.digestHex, secret: generated });
  assert.equal(parseJoinToken(`  ${text.replace(ca.digestHex, ca.digestHex.toUpperCase())}\n`), { caDigestHex: ca.digestHex, secret: generated });
});

test('malformed tokens are refused with a reason, without echoing the secret', () => {
  // Proves each listed refusal (prefix, digest length, digest charset, short secret) is typed and distinguishable.
  const digest = ca.digestHex;
  const cases: Array<[string, string]> = [
    [`SWMTKN-1-${digest}-${secret}`, 'prefix'],
    [`EDGE2-${digest}-${secret}`, 'prefix'],
    [`EDGE1-${digest.slice(1)}-${secret}`, 'digest-length'],
    [`EDGE1-${digest.slice(1)}g-${secret}`, 'digest-charset'],
    [`EDGE1-${digest}-${secret.slice(0, JOIN_TOKEN_SECRET_CHARS_MIN - 1)}`, 'secret-short'],
    [`EDGE1-${digest}-${secret.toUpperCase()}`, 'secret-charset'],
    [`EDGE1-${digest}-${secret}-extra`, 'shape'],
    [`EDGE1-${digest}`, 'shape'],
    [`EDGE1-${digest}-${'a'.repeat(300)}`, 'length'],
  ];
  for (const [text, reason] of cases) {
    const error = throwsWith(() => parseJoinToken(text), 'EDGE_PKI_TOKEN_MALFORMED', reason);
    assert.not.match(error.message, secret.slice(0, 12));
    assert.match(error.message, 'edgectl swarm join-token');
  }
});

test("caMatchesToken compares the token's pin with a CA certificate given as PEM or DER", () => {
  // Proves the joiner's pre-check: the right CA matches in both encodings, another CA does not.
  const token = formatJoinToken({ caDigestHex: ca.digestHex, secret });
  assert.ok(caMatchesToken(ca.certPem, token));
  assert.ok(caMatchesToken(new X509Certificate(ca.certPem).raw, parseJoinToken(token)));
  assert.not.ok(caMatchesToken(otherCa.certPem, token));
});

test('a joiner reaching a manager of another CA is refused before sending anything secret', () => {
  // Proves no trust on first use: the mismatch error names the address and both digests; a match yields a bundle of exactly that root.
  const token = formatJoinToken({ caDigestHex: ca.digestHex, secret });
  const error = throwsWith(() => trustFromJoinToken(otherCa.certPem, token, '10.0.0.2:4243'), 'EDGE_PKI_CA_MISMATCH');
  assert.match(error.message, `the manager at 10.0.0.2:4243 presents CA sha256:${otherCa.digestHex.slice(0, 12)}`);
  assert.match(error.message, `the token pins sha256:${ca.digestHex.slice(0, 12)}`);
  assert.not.match(error.message, secret);
  assert.equal(trustFromJoinToken(ca.certPem, token, '10.0.0.1:4243').digestsHex, [ca.digestHex]);
});

test('the registry maps each token to its role and keeps only hashes', () => {
  // Proves role selection by secret, and that neither secret appears in the replicated state.
  const { registry, tokens } = JoinTokenRegistry.create(ca.digestHex, clock);
  assert.is(registry.roleForToken(tokens.worker, [ca.digestHex]), 'worker');
  assert.is(registry.roleForToken(tokens.manager, [ca.digestHex]), 'manager');
  const state = JSON.stringify(registry.state());
  for (const token of [tokens.worker, tokens.manager]) {
    const { secret: tokenSecret } = parseJoinToken(token);
    assert.not.ok(state.includes(tokenSecret));
    assert.ok(state.includes(secretHashHex(tokenSecret)));
  }
  const restored = new JoinTokenRegistry(registry.state());
  assert.is(restored.roleForToken(tokens.manager, [ca.digestHex]), 'manager');
});

test('rotating the worker token invalidates only the old worker token', () => {
  // Proves --rotate: the old worker token stops working, the new one works, the manager token is untouched.
  const { registry, tokens } = JoinTokenRegistry.create(ca.digestHex, clock);
  clock.advance(1000);
  const rotated = registry.rotate('worker', ca.digestHex, clock);
  assert.is.not(rotated, tokens.worker);
  throwsWith(() => registry.roleForToken(tokens.worker, [ca.digestHex]), 'EDGE_PKI_TOKEN_INVALID');
  assert.is(registry.roleForToken(rotated, [ca.digestHex]), 'worker');
  assert.is(registry.roleForToken(tokens.manager, [ca.digestHex]), 'manager');
  assert.is(registry.state().worker.createdAtMs, PLAUSIBLE_MS + 1000);
  assert.is(registry.state().manager.createdAtMs, PLAUSIBLE_MS);
});

test('a token pinning another CA is refused before its secret is considered; two roots are accepted during rotation', () => {
  // Proves the manager-side pin check, and that it accepts either root while both are in force.
  const { registry, tokens } = JoinTokenRegistry.create(ca.digestHex, clock);
  const { secret: workerSecret } = parseJoinToken(tokens.worker);
  const otherPin = formatJoinToken({ caDigestHex: otherCa.digestHex, secret: workerSecret });
  throwsWith(() => registry.roleForToken(otherPin, [ca.digestHex]), 'EDGE_PKI_TOKEN_WRONG_CA');
  assert.is(registry.roleForToken(otherPin, [ca.digestHex, otherCa.digestHex]), 'worker');
  throwsWith(() => registry.roleForToken(formatJoinToken({ caDigestHex: ca.digestHex, secret }), [ca.digestHex]), 'EDGE_PKI_TOKEN_INVALID');
  throwsWith(() => registry.roleForToken('garbage', [ca.digestHex]), 'EDGE_PKI_TOKEN_MALFORMED', 'prefix');
});

test.run();
