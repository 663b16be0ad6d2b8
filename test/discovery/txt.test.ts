import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { caPrefixMatches, caPrefixOf, decodeTxt, encodeTxt, txtProblem, type PeerTxt } from '../../runtime/discovery/txt.js';

const txt: PeerTxt = { cluster: 'home-lab', ca: '9f86d081884c7d65', role: 'manager', node: 'pi-4.kitchen' };
const bytes = (...strings: string[]): Uint8Array[] => strings.map((s) => new TextEncoder().encode(s));

test('our TXT strings decode back to the same value', () => {
  // Proves encode and decode agree, through the byte form dns-packet hands over.
  const decoded = decodeTxt(bytes(...encodeTxt(txt)));
  assert.equal(decoded, { ok: true, txt });
});

test('keys are case-insensitive, the first occurrence wins and unknown keys are skipped', () => {
  // Proves RFC 6763 §6.4 handling, so another stack's record or a later version's extra key still reads.
  const decoded = decodeTxt(bytes('V=1', 'Cluster=a', 'cluster=b', 'ca=0123456789abcdef', 'role=worker', 'node=n1', 'future=x', 'flag'));
  assert.equal(decoded, { ok: true, txt: { cluster: 'a', ca: '0123456789abcdef', role: 'worker', node: 'n1' } });
});

test('each kind of bad TXT is refused with its own reason', () => {
  // Proves every field read from the network is checked before it can reach the daemon.
  const good = ['v=1', 'cluster=c', 'ca=0123456789abcdef', 'role=manager', 'node=n'];
  const replace = (key: string, value: string): string[] => good.map((entry) => (entry.startsWith(`${key}=`) ? `${key}=${value}` : entry));
  const cases: Array<[unknown, string]> = [
    [bytes(...replace('v', '2')), 'txt-version'],
    [bytes(...good.slice(1)), 'txt-missing-key'],
    [bytes(...good.filter((entry) => !entry.startsWith('node='))), 'txt-missing-key'],
    [bytes(...replace('ca', '0123')), 'txt-ca'],
    [bytes(...replace('ca', '0123456789ABCDEF')), 'txt-ca'],
    [bytes(...replace('role', 'admin')), 'txt-role'],
    [bytes(...replace('cluster', '-x')), 'txt-cluster'],
    [bytes(...replace('node', 'a b')), 'txt-node'],
    [bytes(...replace('node', 'x'.repeat(65))), 'txt-node'],
    [[...bytes(...good), Uint8Array.from([0x6e, 0x3d, 0xff])], 'txt-charset'],
    [bytes(...good, 'x=\u0001'), 'txt-charset'],
    [bytes(...good, '=novalue'), 'txt-shape'],
    [[...bytes(...good), 42], 'txt-shape'],
    [bytes(...good, ...Array.from({ length: 12 }, (_, i) => `k${i}=v`)), 'txt-too-large'],
    [bytes(...good, `pad=${'p'.repeat(300)}`), 'txt-too-large'],
  ];
  for (const [data, reason] of cases) assert.equal(decodeTxt(data), { ok: false, reason }, `${reason} for ${JSON.stringify(data)}`);
});

test('txtProblem names the first bad field of a value we would publish', () => {
  // Proves an advertiser cannot be built with a TXT that browsers would refuse.
  assert.is(txtProblem(txt), undefined);
  assert.is(txtProblem({ ...txt, ca: 'zz'.repeat(8) }), 'txt-ca');
  assert.is(txtProblem({ ...txt, role: 'boss' as PeerTxt['role'] }), 'txt-role');
});

test('CA prefixes match on their common length and never below 16 hex characters', () => {
  // Proves findManagers can be given the full token digest or a prefix, and a short prefix matches nothing.
  const digest = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
  assert.is(caPrefixOf(digest), '9f86d081884c7d65');
  assert.ok(caPrefixMatches('9f86d081884c7d65', digest));
  assert.ok(caPrefixMatches(digest, '9f86d081884c7d65'));
  assert.ok(caPrefixMatches('9F86D081884C7D65', digest), 'case does not matter');
  assert.not.ok(caPrefixMatches('9f86d081884c7d66', digest));
  assert.not.ok(caPrefixMatches('9f86', digest), 'a 4-character prefix would match a sixteenth of all clusters');
  assert.not.ok(caPrefixMatches('9f86d081884c7d65', 'not hex at all!!'));
});

test.run();
