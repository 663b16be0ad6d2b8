// Which address this node gives to others.
import { networkInterfaces } from 'node:os';
import { EdgeError } from '../common/errors.js';
import { parseHostPort } from './config.js';

/** The first non-loopback IPv4 address of an interface that is up. */
export function firstExternalIpv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return undefined;
}

/** host:port for others: --advertise-addr (IP or IP:PORT) or the listen address, else the first external IPv4. */
export function resolveAdvertiseAddr(advertise: string, listenAddr: string): string {
  const listen = parseHostPort(listenAddr, 'listen-addr', { anyPort: true });
  if (advertise) {
    if (/:\d+$/.test(advertise) && !/^[0-9a-fA-F:]+$/.test(advertise)) return `${parseHostPort(advertise, 'advertise-addr').host}:${parseHostPort(advertise, 'advertise-addr').port}`;
    if (!/^[0-9.]+$|^[0-9a-fA-F:]+$/.test(advertise)) throw new EdgeError('EDGE_CONFIG_INVALID', `advertise-addr "${advertise}" is not an IP address`);
    return advertise.includes(':') ? `[${advertise}]:${listen.port}` : `${advertise}:${listen.port}`;
  }
  if (listen.host !== '0.0.0.0' && listen.host !== '::') return `${listen.host}:${listen.port}`;
  const detected = firstExternalIpv4();
  if (!detected) throw new EdgeError('EDGE_DAEMON_NO_ADDRESS', 'this node has no external IPv4 address to advertise: pass --advertise-addr');
  return `${detected}:${listen.port}`;
}
