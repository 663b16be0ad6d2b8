// Proves the value checks accept what users type (Swarm habits included) and refuse the rest with the flag named.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isEdgeError } from '../../runtime/common/errors.js';
import { parseDuration, parseJoinToken, parseLabel, parseNodeAddress, parseNodeRef } from '../../runtime/cli/flag-values.js';

function refuses(action: () => unknown, code: string, text: string): void {
  try {
    action();
  } catch (error) {
    assert.ok(isEdgeError(error, code), `expected ${code}, got ${String(error)}`);
    assert.match((error as Error).message, text);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

const day = 86_400_000;
const bounds = { minMs: 3_600_000, maxMs: 3650 * day };

test('durations: days, hours, combinations and Go-style "2160h0m0s"', () => {
  assert.is(parseDuration('90d', '--cert-expiry', bounds), 90 * day);
  assert.is(parseDuration('2160h', '--cert-expiry', bounds), 90 * day);
  assert.is(parseDuration('1h30m', '--cert-expiry', bounds), 5_400_000);
  assert.is(parseDuration('2160h0m0s', '--cert-expiry', bounds), 90 * day);
});

test('durations: no unit, unknown unit, negative, too short, too long or absurdly long are refused', () => {
  for (const bad of ['90', '90y', '-1h', '1.5h', '', 'h', `${'9'.repeat(40)}d`]) refuses(() => parseDuration(bad, '--cert-expiry', bounds), 'EDGE_CLI_INVALID_VALUE', '--cert-expiry');
  refuses(() => parseDuration('59m', '--cert-expiry', bounds), 'EDGE_CLI_INVALID_VALUE', '1h to 3650d');
  refuses(() => parseDuration('3651d', '--cert-expiry', bounds), 'EDGE_CLI_INVALID_VALUE', 'outside the allowed range');
  refuses(() => parseDuration('99999999999999999d', '--cert-expiry', bounds), 'EDGE_CLI_INVALID_VALUE', 'outside');
});

test('addresses: IPv4 and IPv6, with or without a port; default port 4270', () => {
  assert.is(parseNodeAddress('10.0.0.5', 'MANAGER_ADDR'), '10.0.0.5:4270');
  assert.is(parseNodeAddress('10.0.0.5:5000', 'MANAGER_ADDR'), '10.0.0.5:5000');
  assert.is(parseNodeAddress('fd00::5', 'MANAGER_ADDR'), '[fd00::5]:4270');
  assert.is(parseNodeAddress('[fd00::5]', 'MANAGER_ADDR'), '[fd00::5]:4270');
  assert.is(parseNodeAddress('[fd00::5]:5000', 'MANAGER_ADDR'), '[fd00::5]:5000');
});

test('addresses: names, bad ports and bad IPs are refused naming the argument', () => {
  for (const bad of ['pi-kitchen', 'pi-kitchen:4270', '10.0.0.256', '10.0.0.5:', '10.0.0.5:0', '10.0.0.5:65536', '10.0.0.5:x', '[10.0.0.5]:4270', '[fd00::5]:', '']) {
    refuses(() => parseNodeAddress(bad, 'MANAGER_ADDR'), 'EDGE_CLI_INVALID_VALUE', 'MANAGER_ADDR');
  }
});

test('join tokens: the EDGE1-<64 hex>-<secret> shape passes (whitespace trimmed); others are refused without echoing the secret', () => {
  const good = `EDGE1-${'0f'.repeat(32)}-abcdefghijklmnopqrstuvwxyz`;
  assert.is(parseJoinToken(` ${good}\n`, '--token'), good);
  const secret = 'zzzzzzzzzzzzzzzzzzzzzz';
  for (const bad of [`SWMTKN-1-${'0f'.repeat(32)}-${secret}`, `EDGE1-${'0f'.repeat(32)}`, `EDGE1-${'0g'.repeat(32)}-${secret}`, `EDGE1-${'0f'.repeat(32)}-${secret}-x`, `EDGE1-${'0f'.repeat(32)}-${secret}!`, `EDGE1-${'0f'.repeat(32)}-short`, `EDGE1-${'0f'.repeat(32)}-${'a'.repeat(300)}`]) {
    try {
      parseJoinToken(bad, '--token');
      assert.unreachable(bad);
    } catch (error) {
      assert.ok(isEdgeError(error, 'EDGE_CLI_TOKEN_MALFORMED'), bad);
      assert.match((error as Error).message, '--token');
      assert.not.match((error as Error).message, secret);
    }
  }
});

test('labels: key=value, bare key, value with "="; bad keys and long values refused', () => {
  assert.equal(parseLabel('zone=garage', '--label-add'), ['zone', 'garage']);
  assert.equal(parseLabel('gpu', '--label-add'), ['gpu', '']);
  assert.equal(parseLabel('cmd=a=b', '--label-add'), ['cmd', 'a=b']);
  for (const bad of ['=x', 'has space=1', `${'k'.repeat(64)}=1`, `k=${'v'.repeat(256)}`]) refuses(() => parseLabel(bad, '--label-add'), 'EDGE_CLI_INVALID_VALUE', '--label-add');
});

test('node refs: empty or longer than a hostname can be are refused', () => {
  assert.is(parseNodeRef('pi-kitchen', 'NODE'), 'pi-kitchen');
  refuses(() => parseNodeRef('', 'NODE'), 'EDGE_CLI_INVALID_VALUE', 'NODE');
  refuses(() => parseNodeRef('x'.repeat(254), 'NODE'), 'EDGE_CLI_INVALID_VALUE', 'NODE');
});

test.run();
