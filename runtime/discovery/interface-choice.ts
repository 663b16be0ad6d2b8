/**
 * Which network interface mDNS runs on. Pure: it takes the table
 * os.networkInterfaces() returns (libuv lists only interfaces that are up and
 * running), so tests pass tables by hand.
 *
 * Rule: the interface holding `wantedAddress` if one is given (the advertise
 * address), else the first non-loopback interface with an IPv4 address,
 * preferring a routable address over a 169.254/16 link-local one. Pin the
 * address when a board has several interfaces (eth0 and wlan0, docker0).
 */
import type { NetworkInterfaceInfo } from 'node:os';
import { DiscoveryError } from './errors.js';
import { isUsableAddress } from './names.js';

export type InterfaceTable = NodeJS.Dict<NetworkInterfaceInfo[]>;

export interface ChosenInterface {
  name: string;
  /** The IPv4 address multicast is bound to. */
  address: string;
  netmask: string;
  /** Other usable addresses of the same interface (global IPv6), for AAAA records. */
  otherAddresses: string[];
}

export type InterfaceChoice = { ok: true; chosen: ChosenInterface } | { ok: false; error: DiscoveryError };

const ROUTE_FIX = 'if it is up but other hosts see nothing, add a multicast route: `ip route add 224.0.0.0/4 dev eth0`';

export function chooseInterface(table: InterfaceTable, wantedAddress?: string): InterfaceChoice {
  const candidates: Array<{ name: string; info: NetworkInterfaceInfo }> = [];
  for (const [name, infos] of Object.entries(table)) {
    for (const info of infos ?? []) if (info.family === 'IPv4' && !info.internal) candidates.push({ name, info });
  }
  const found =
    wantedAddress !== undefined
      ? candidates.find((candidate) => candidate.info.address === wantedAddress)
      : (candidates.find((candidate) => !candidate.info.address.startsWith('169.254.')) ?? candidates[0]);
  if (found) return { ok: true, chosen: describe(table, found.name, found.info) };
  if (wantedAddress !== undefined) {
    const have = candidates.map((candidate) => `${candidate.name} ${candidate.info.address}`).join(', ') || 'none';
    return {
      ok: false,
      error: new DiscoveryError(
        'EDGE_DISCOVERY_ADDRESS_UNAVAILABLE',
        `the advertise address ${wantedAddress} is not on any interface that is up (IPv4 interfaces up: ${have}); fix the advertise address, or wait for DHCP to assign it; retrying`,
        { retryable: true },
      ),
    };
  }
  return {
    ok: false,
    error: new DiscoveryError(
      'EDGE_DISCOVERY_NO_INTERFACE',
      `no network interface with an IPv4 address is up (only loopback), so mDNS cannot run; bring one up with an address (DHCP, or \`ip addr add 192.168.1.20/24 dev eth0 && ip link set eth0 up\`); ${ROUTE_FIX}; retrying`,
      { retryable: true },
    ),
  };
}

function describe(table: InterfaceTable, name: string, info: NetworkInterfaceInfo): ChosenInterface {
  const otherAddresses = (table[name] ?? [])
    .filter((other) => other.family === 'IPv6' && isUsableAddress(other.address))
    .map((other) => other.address);
  return { name, address: info.address, netmask: info.netmask, otherAddresses };
}

/** True when the chosen interface still holds its address (it may have gone down or been renumbered). */
export function stillPresent(table: InterfaceTable, chosen: ChosenInterface): boolean {
  return (table[chosen.name] ?? []).some((info) => info.family === 'IPv4' && info.address === chosen.address);
}

/**
 * RFC 6762 §11: a packet whose source is not on the interface's subnet did
 * not come from this link (our socket is bound to 0.0.0.0 and the kernel may
 * hand us a packet another interface received).
 */
export function isOnLink(source: string, chosen: ChosenInterface): boolean {
  const sourceBits = ipv4Bits(source);
  const ownBits = ipv4Bits(chosen.address);
  const maskBits = ipv4Bits(chosen.netmask);
  if (sourceBits === undefined || ownBits === undefined || maskBits === undefined) return false;
  return ((sourceBits ^ ownBits) & maskBits) === 0;
}

function ipv4Bits(address: string): number | undefined {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}
