// A stand-in for the multicast-dns socket: records what is sent, lets a test
// deliver packets and raise socket errors on demand. Used by the channel and
// advertiser tests; the lab tests use the real one.
import type { RemoteInfo } from 'node:dgram';
import type { NetworkInterfaceInfo } from 'node:os';
import type { InterfaceTable } from '../../runtime/discovery/interface-choice.js';
import type { Destination, MdnsSocket } from '../../runtime/discovery/mdns-socket.js';
import type { OutgoingPacket } from '../../runtime/discovery/records.js';
import { sleep } from './lab-events.js';

export function ipv4Interface(address: string): NetworkInterfaceInfo {
  return { address, netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: null };
}

export const loopbackOnly: InterfaceTable = {
  lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: null }],
};

export function errno(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${syscall} ${code}`), { code, syscall });
}

export interface SentPacket {
  packet: OutgoingPacket;
  destination: Destination | undefined;
  atMs: number;
}

export class FakeSocket implements MdnsSocket {
  readonly ready: Array<() => void> = [];
  readonly packet: Array<(packet: unknown, source: RemoteInfo) => void> = [];
  readonly warning: Array<(error: Error) => void> = [];
  readonly error: Array<(error: Error) => void> = [];
  readonly sent: SentPacket[] = [];
  destroyed = false;
  sendError: Error | null = null;

  /** Becomes ready on the next turn, after `startupWarning` if given (as multicast-dns does for a failed addMembership). */
  constructor(readonly interfaceAddress: string, startupWarning?: Error) {
    setImmediate(() => {
      if (startupWarning) this.warning.forEach((listener) => listener(startupWarning));
      this.ready.forEach((listener) => listener());
    });
  }

  onReady(listener: () => void): void {
    this.ready.push(listener);
  }
  onPacket(listener: (packet: unknown, source: RemoteInfo) => void): void {
    this.packet.push(listener);
  }
  onWarning(listener: (error: Error) => void): void {
    this.warning.push(listener);
  }
  onError(listener: (error: Error) => void): void {
    this.error.push(listener);
  }
  send(packet: OutgoingPacket, destination: Destination | undefined, callback: (error: Error | null) => void): void {
    if (this.destroyed) throw new Error('send after destroy');
    this.sent.push({ packet, destination, atMs: performance.now() });
    setImmediate(() => callback(this.sendError));
  }
  destroy(callback: () => void): void {
    this.destroyed = true;
    setImmediate(callback);
  }
  deliver(packet: unknown, address: string, port = 5353): void {
    this.packet.forEach((listener) => listener(packet, { address, port, family: 'IPv4', size: 10 }));
  }
}

export async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
