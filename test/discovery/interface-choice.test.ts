import type { NetworkInterfaceInfo } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseInterface, isOnLink, stillPresent, type InterfaceTable } from '../../runtime/discovery/interface-choice.js';

function v4(address: string, internal = false, netmask = '255.255.255.0'): NetworkInterfaceInfo {
  return { address, netmask, family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr: null };
}
function v6(address: string): NetworkInterfaceInfo {
  return { address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal: false, cidr: null, scopeid: 0 };
}
const lo = { lo: [v4('127.0.0.1', true, '255.0.0.0')] };

test('the first non-loopback IPv4 interface is chosen, with its global IPv6 addresses', () => {
  // Proves the default choice skips loopback and picks up AAAA candidates but not link-local ones.
  const table: InterfaceTable = { ...lo, eth0: [v4('192.168.1.20'), v6('fe80::1'), v6('2001:db8::20')], wlan0: [v4('192.168.2.20')] };
  assert.equal(chooseInterface(table), { ok: true, chosen: { name: 'eth0', address: '192.168.1.20', netmask: '255.255.255.0', otherAddresses: ['2001:db8::20'] } });
});

test('a routable address is preferred over a 169.254 link-local one', () => {
  // Proves a board with a zeroconf fallback address on one port still uses its DHCP-configured one.
  const table: InterfaceTable = { ...lo, eth0: [v4('169.254.7.7', false, '255.255.0.0')], wlan0: [v4('10.1.1.9')] };
  const choice = chooseInterface(table);
  assert.ok(choice.ok && choice.chosen.name === 'wlan0');
  const onlyLinkLocal = chooseInterface({ ...lo, eth0: [v4('169.254.7.7', false, '255.255.0.0')] });
  assert.ok(onlyLinkLocal.ok && onlyLinkLocal.chosen.address === '169.254.7.7', 'still usable when it is all there is');
});

test('the interface holding the advertise address wins', () => {
  // Proves --advertise-addr pins mDNS to that interface on a board with several.
  const table: InterfaceTable = { ...lo, eth0: [v4('192.168.1.20')], wlan0: [v4('192.168.2.20')] };
  const choice = chooseInterface(table, '192.168.2.20');
  assert.ok(choice.ok && choice.chosen.name === 'wlan0');
});

test('only loopback: EDGE_DISCOVERY_NO_INTERFACE with the fix', () => {
  // Proves the condition a board in early boot sees is named with what to do about it.
  const choice = chooseInterface(lo);
  assert.not.ok(choice.ok);
  if (choice.ok) return;
  assert.is(choice.error.code, 'EDGE_DISCOVERY_NO_INTERFACE');
  assert.ok(choice.error.retryable);
  assert.match(choice.error.message, 'ip route add 224.0.0.0/4 dev eth0');
  assert.match(choice.error.message, 'ip link set eth0 up');
});

test('an advertise address on no interface: EDGE_DISCOVERY_ADDRESS_UNAVAILABLE listing what is there', () => {
  // Proves a typo in the advertise address, or DHCP not done yet, is explained rather than silently ignored.
  const choice = chooseInterface({ ...lo, eth0: [v4('192.168.1.20')] }, '192.168.1.99');
  assert.ok(!choice.ok && choice.error.code === 'EDGE_DISCOVERY_ADDRESS_UNAVAILABLE');
  assert.match(!choice.ok ? choice.error.message : '', 'eth0 192.168.1.20');
});

test('stillPresent and isOnLink', () => {
  // Proves the channel notices a renumbered interface and drops packets from other subnets.
  const chosen = { name: 'eth0', address: '10.254.42.11', netmask: '255.255.255.0', otherAddresses: [] };
  assert.ok(stillPresent({ eth0: [v4('10.254.42.11')] }, chosen));
  assert.not.ok(stillPresent({ eth0: [v4('10.254.42.99')] }, chosen));
  assert.not.ok(stillPresent({}, chosen));
  assert.ok(isOnLink('10.254.42.200', chosen));
  assert.ok(isOnLink('10.254.42.11', chosen), 'our own looped-back packets');
  assert.not.ok(isOnLink('10.254.43.1', chosen));
  assert.not.ok(isOnLink('192.168.1.1', chosen));
  assert.not.ok(isOnLink('::1', chosen));
  assert.ok(isOnLink('172.16.200.1', { ...chosen, address: '172.16.0.1', netmask: '255.255.0.0' }));
});

test.run();
