/**
 * The one place that touches multicast-dns: a socket on UDP 5353 that joins
 * 224.0.0.251 on one interface. Binding to 0.0.0.0 with the membership and
 * outgoing multicast interface set to the interface's IPv4 address is what
 * makes it work across a Linux bridge, and without any multicast route: the
 * kernel needs no route lookup when the outgoing interface is explicit.
 *
 * Behind the small MdnsSocket interface so channel tests can stand in a fake.
 */
import type { RemoteInfo } from 'node:dgram';
import makeMulticastDns from 'multicast-dns';
import type { OutgoingPacket } from './records.js';

export interface Destination {
  address: string;
  port: number;
}

export interface MdnsSocket {
  /** Bound and memberships attempted (failures arrive as 'warning' before this). */
  onReady(listener: () => void): void;
  /** A decoded packet; `packet` is whatever dns-packet produced and is validated by the reader. */
  onPacket(listener: (packet: unknown, source: RemoteInfo) => void): void;
  /** Socket trouble (addMembership, bind, ...) and packets dns-packet could not decode. */
  onWarning(listener: (error: Error) => void): void;
  /** Fatal for this socket: bind failed (EADDRINUSE, EACCES). */
  onError(listener: (error: Error) => void): void;
  /** Sends to the mDNS group, or to `destination`. */
  send(packet: OutgoingPacket, destination: Destination | undefined, callback: (error: Error | null) => void): void;
  destroy(callback: () => void): void;
}

export type SocketFactory = (interfaceAddress: string) => MdnsSocket;

/** multicast-dns's `send` exists but is missing from its type declarations. */
interface MulticastDnsWithSend {
  send(packet: unknown, destination: Destination | undefined, callback: (error: Error | null) => void): void;
}

export const multicastDnsSocket: SocketFactory = (interfaceAddress) => {
  const mdns = makeMulticastDns({ interface: interfaceAddress, bind: '0.0.0.0', reuseAddr: true, loopback: true });
  return {
    onReady: (listener) => void mdns.on('ready', listener),
    onPacket: (listener) => void mdns.on('packet', listener),
    onWarning: (listener) => void mdns.on('warning', listener),
    onError: (listener) => void mdns.on('error', listener),
    send: (packet, destination, callback) => (mdns as unknown as MulticastDnsWithSend).send(packet, destination, callback),
    destroy: (callback) => mdns.destroy(callback),
  };
};
