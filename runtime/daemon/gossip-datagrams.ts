// Probes as UDP datagrams. A SWIM probe is a ping and an ack, four packets
// per probe interval per node (two as prober, two as target), and an idle
// cluster sends nothing else often. Over a TLS WebSocket each of those
// packets costs ~100 B of TLS, TCP and IP headers plus a bare TCP ACK, about
// 8 KB/s per node at a 200 ms interval; as an authenticated datagram it costs
// ~65 B and no ACK. memberlist makes the same split (UDP probes, TCP state).
//
// Trust still comes from the certificates. Before a node sends datagrams to
// a peer it hands the peer a random key over their mutual-TLS link (the
// `gossip.datagramKey` call), and every datagram carries that key's id and a
// MAC under it. A key is known only to the two nodes, so a datagram is
// accepted only from the node that set up the key, and only on the node it
// was set up with: a ping cannot reach a node that took over an address.
// Everything except ping and ack, anything too big, and any message to a peer
// without a confirmed key still goes over the link.
//
// Layout (big-endian):
//   0      version (1)
//   1..4   key id (sender's, non-zero)
//   5..16  MAC: HMAC-SHA256(key, bytes 0..4 ‖ body), first 12 bytes
//   17     kind: 0 ping, 1 ack
//   18..21 seq
//   22..   CBOR array of piggybacked updates, absent when there are none
// A node that gets a datagram under a key id it does not know (it restarted
// and lost its keys) answers `version, 0 0 0 0, key id` unauthenticated; the
// sender then forgets that key and goes back to the link, which sets up a new
// one. A forged "unknown key" can only make a node use its link.
import type { Socket } from 'node:dgram';
import { nodeCrypto, nodeDgram } from '../common/builtin.js';
import type { AckMessage, GossipMessage, PingMessage, Update } from '../gossip/index.js';
import { decodeCbor, encodeCbor } from '../wire/codec.js';
import { parseHostPort } from './config.js';
import { scanCbor } from '../wire/scanner.js';
import { wireLimits } from '../wire/limits.js';

export const datagramVersion = 1;
const headerBytes = 17;
const macBytes = 12;
const bodyFixedBytes = 5;
const unknownKeyReplyBytes = 9;
/** Larger messages go over the link: stays under a 1280-byte IPv6 minimum MTU with headers. */
export const datagramBytesMax = 1200;
/** Bytes of Ethernet, IPv4 and UDP headers around each datagram (for byte accounting). */
export const datagramHeadersBytes = 14 + 20 + 8;
const keyBytes = 32;
/** "Unknown key" answers per second; a flood of junk must not turn into a flood of replies. */
const unknownKeyRepliesPerSecondMax = 20;
/**
 * Pings sent to a peer as datagrams in a row with no ack: UDP is
 * not getting through (a firewall that lets only 4270/tcp pass, a node that
 * cannot bind), or the peer is gone. Either way the link is the better path.
 */
export const unansweredPingsMax = 2;

const kindCodes = { ping: 0, ack: 1 } as const;
const updateLimits = wireLimits({ frameBytesMax: datagramBytesMax });

type ProbeMessage = PingMessage | AckMessage;

export function carriedByDatagram(message: GossipMessage): message is ProbeMessage {
  return message.type === 'ping' || message.type === 'ack';
}

function mac(key: Uint8Array, header: Uint8Array, body: Uint8Array): Buffer {
  const hmac = nodeCrypto().createHmac('sha256', key);
  hmac.update(header.subarray(0, 5));
  hmac.update(body);
  return hmac.digest().subarray(0, macBytes);
}

/** The datagram for a ping or ack under key `keyId`, or undefined when it would exceed datagramBytesMax. */
export function encodeProbeDatagram(message: ProbeMessage, keyId: number, key: Uint8Array): Uint8Array | undefined {
  const updates = message.updates.length > 0 ? encodeCbor(message.updates) : new Uint8Array(0);
  const total = headerBytes + bodyFixedBytes + updates.byteLength;
  if (total > datagramBytesMax) return undefined;
  const datagram = Buffer.alloc(total);
  datagram[0] = datagramVersion;
  datagram.writeUInt32BE(keyId, 1);
  datagram[headerBytes] = kindCodes[message.type];
  datagram.writeUInt32BE(message.seq >>> 0, headerBytes + 1);
  datagram.set(updates, headerBytes + bodyFixedBytes);
  const body = datagram.subarray(headerBytes);
  datagram.set(mac(key, datagram, body), 5);
  return datagram;
}

export type DatagramReading =
  | { kind: 'probe'; keyId: number; message: Omit<PingMessage, 'source' | 'target'> | Omit<AckMessage, 'source'> }
  /** The datagram is under a key this node does not have. */
  | { kind: 'keyNotKnown'; keyId: number }
  /** A peer's answer that it does not have our key `keyId`. */
  | { kind: 'unknownKeyReply'; keyId: number }
  | { kind: 'invalid'; reason: string };

/**
 * Verifies and decodes a datagram. `keyOf` gives the receiving side's key for
 * a key id, or undefined when it has none. Nothing in a datagram is trusted
 * before its MAC checks out.
 */
export function decodeDatagram(datagram: Uint8Array, keyOf: (keyId: number) => Uint8Array | undefined): DatagramReading {
  const bytes = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  if (bytes.byteLength < unknownKeyReplyBytes) return { kind: 'invalid', reason: `${bytes.byteLength} bytes is shorter than any datagram` };
  if (bytes[0] !== datagramVersion) return { kind: 'invalid', reason: `version ${bytes[0]} (this node speaks ${datagramVersion})` };
  const keyId = bytes.readUInt32BE(1);
  if (keyId === 0) {
    if (bytes.byteLength !== unknownKeyReplyBytes) return { kind: 'invalid', reason: 'an unknown-key reply of the wrong length' };
    return { kind: 'unknownKeyReply', keyId: bytes.readUInt32BE(5) };
  }
  if (bytes.byteLength < headerBytes + bodyFixedBytes) return { kind: 'invalid', reason: `${bytes.byteLength} bytes is shorter than a probe` };
  const key = keyOf(keyId);
  if (!key) return { kind: 'keyNotKnown', keyId };
  const body = bytes.subarray(headerBytes);
  if (!nodeCrypto().timingSafeEqual(mac(key, bytes, body), bytes.subarray(5, headerBytes))) return { kind: 'invalid', reason: `bad MAC under key ${keyId}` };
  const kind = body[0];
  const seq = body.readUInt32BE(1);
  let updates: Update[] = [];
  if (body.byteLength > bodyFixedBytes) {
    const encoded = body.subarray(bodyFixedBytes);
    try {
      scanCbor(encoded, updateLimits);
      updates = decodeCbor(encoded) as Update[];
    } catch (error) {
      return { kind: 'invalid', reason: `updates are not valid CBOR: ${(error as Error).message}` };
    }
    if (!Array.isArray(updates)) return { kind: 'invalid', reason: 'updates are not an array' };
  }
  if (kind === kindCodes.ping) return { kind: 'probe', keyId, message: { type: 'ping', seq, updates } };
  if (kind === kindCodes.ack) return { kind: 'probe', keyId, message: { type: 'ack', seq, updates } };
  return { kind: 'invalid', reason: `kind ${kind} is neither ping (0) nor ack (1)` };
}

export function unknownKeyReply(keyId: number): Uint8Array {
  const reply = Buffer.alloc(unknownKeyReplyBytes);
  reply[0] = datagramVersion;
  reply.writeUInt32BE(keyId, 5);
  return reply;
}

interface PeerState {
  address: string;
  host: string;
  port: number;
  unansweredPings: number;
}

interface SendKey {
  keyId: number;
  key: Uint8Array;
  /** The peer accepted it over the link; datagrams may use it. */
  confirmed: boolean;
  /** A `gossip.datagramKey` call is on its way. */
  offering: boolean;
}

export interface DatagramKeyOffer {
  keyId: number;
  key: Uint8Array;
}

/**
 * The keys of one node: the ones it sends under (one per peer, made here)
 * and the ones it receives under (made by each peer, handed over the link).
 */
export class DatagramKeys {
  private readonly sending = new Map<string, SendKey>();
  private readonly receiving = new Map<number, { peer: string; key: Uint8Array }>();
  private readonly receivingByPeer = new Map<string, number>();

  /** The key to send to `peer` under, if the peer has confirmed it. */
  sendKey(peer: string): { keyId: number; key: Uint8Array } | undefined {
    const entry = this.sending.get(peer);
    return entry?.confirmed ? entry : undefined;
  }

  /** A key to offer `peer`, or undefined when one is confirmed or already being offered. */
  offerFor(peer: string): DatagramKeyOffer | undefined {
    let entry = this.sending.get(peer);
    if (entry?.confirmed || entry?.offering) return undefined;
    if (!entry) {
      const crypto = nodeCrypto();
      entry = { keyId: crypto.randomBytes(4).readUInt32BE(0) || 1, key: new Uint8Array(crypto.randomBytes(keyBytes)), confirmed: false, offering: false };
      this.sending.set(peer, entry);
    }
    entry.offering = true;
    return { keyId: entry.keyId, key: entry.key };
  }

  /** The offer's outcome: accepted keys are used from now on; a refused one is replaced next time. */
  offerSettled(peer: string, keyId: number, accepted: boolean): void {
    const entry = this.sending.get(peer);
    if (!entry || entry.keyId !== keyId) return;
    entry.offering = false;
    if (accepted) entry.confirmed = true;
    else this.sending.delete(peer);
  }

  /** The peer a send key of ours belongs to. */
  peerOfSendKey(keyId: number): string | undefined {
    for (const [peer, entry] of this.sending) if (entry.keyId === keyId) return peer;
    return undefined;
  }

  /** Takes a peer's key (the link has authenticated the peer). Refuses an id another peer already uses. */
  accept(peer: string, offer: DatagramKeyOffer): boolean {
    if (offer.keyId === 0 || offer.key.byteLength !== keyBytes) return false;
    const holder = this.receiving.get(offer.keyId);
    if (holder && holder.peer !== peer) return false;
    const previous = this.receivingByPeer.get(peer);
    if (previous !== undefined && previous !== offer.keyId) this.receiving.delete(previous);
    this.receiving.set(offer.keyId, { peer, key: offer.key });
    this.receivingByPeer.set(peer, offer.keyId);
    return true;
  }

  receiveKey(keyId: number): { peer: string; key: Uint8Array } | undefined {
    return this.receiving.get(keyId);
  }

  /** A removed node: nothing more from it or to it by datagram. */
  forgetPeer(peer: string): void {
    this.sending.delete(peer);
    const keyId = this.receivingByPeer.get(peer);
    if (keyId !== undefined) this.receiving.delete(keyId);
    this.receivingByPeer.delete(peer);
  }
}

export interface ProbeDatagramsOptions {
  /** Where the node's TLS listener is bound; datagrams use the same host and port. */
  host: string;
  port: number;
  log: (line: string) => void;
  /** Pings to `peer` went unanswered by datagram; the caller should not offer it a key again soon. */
  onUnreachable?: (peer: string) => void;
  /** A verified probe from `peer` (source and target filled in by the caller). */
  onProbe: (peer: string, message: Omit<PingMessage, 'source' | 'target'> | Omit<AckMessage, 'source'>) => void;
}

/** The UDP socket and the keys: sends probes when it can, hands verified ones to the gossip driver. */
export class ProbeDatagrams {
  readonly keys = new DatagramKeys();
  /** Counts for `edgectl node inspect`-style diagnostics and tests. */
  readonly counts = { sent: 0, received: 0, dropped: 0, fellBackToLink: 0 };
  private socket: Socket | undefined;
  private closed = false;
  /** Per peer: where its datagrams go (an "unknown key" answer must come from there) and datagram pings not acked since. */
  private readonly peers = new Map<string, PeerState>();
  private repliesThisSecond = 0;
  private replySecond = 0;

  constructor(private readonly options: ProbeDatagramsOptions) {}

  /** Binds the socket. A node that cannot bind (port taken, no IPv4) keeps gossiping over its links. */
  async open(): Promise<boolean> {
    const socket = nodeDgram().createSocket({ type: 'udp4' });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(this.options.port, this.options.host, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      socket.close();
      this.options.log(`gossip: no UDP socket on ${this.options.host}:${this.options.port} (${(error as Error).message}); probes go over the links`);
      return false;
    }
    if (this.closed) {
      // Stopped while binding: do not keep the port.
      socket.close();
      return false;
    }
    socket.on('error', (error) => this.options.log(`gossip: UDP socket: ${error.message}`));
    socket.on('message', (datagram, remote) => this.receive(datagram, remote.address, remote.port));
    this.socket = socket;
    return true;
  }

  /** Whether the socket is bound (a node that could not bind must not take keys: it would never hear their datagrams). */
  get isOpen(): boolean {
    return this.socket !== undefined;
  }

  /**
   * Sends `message` to `peer` at `address` ("host:port") as a datagram; false
   * when it must go over the link instead. Pings that keep going unanswered by
   * datagram drop the key and tell `onUnreachable`.
   */
  trySend(peer: string, address: string, message: GossipMessage): boolean {
    if (!this.socket || !carriedByDatagram(message)) return false;
    const key = this.keys.sendKey(peer);
    if (!key) return false;
    const datagram = encodeProbeDatagram(message, key.keyId, key.key);
    const state = this.peerState(peer, address);
    if (!datagram || !state) {
      this.counts.fellBackToLink++;
      return false;
    }
    if (message.type === 'ping' && ++state.unansweredPings > unansweredPingsMax) {
      this.options.log(`gossip: ${unansweredPingsMax} pings to ${peer} at ${address} over UDP got no ack; probing it over the link (is ${address} open to UDP?)`);
      this.forgetPeer(peer);
      this.options.onUnreachable?.(peer);
      return false;
    }
    this.socket.send(datagram, state.port, state.host);
    this.counts.sent++;
    return true;
  }

  /** Where `peer`'s datagrams go, parsed once per address; undefined for an address that is not IP:PORT. */
  private peerState(peer: string, address: string): PeerState | undefined {
    const known = this.peers.get(peer);
    if (known?.address === address) return known;
    let endpoint: { host: string; port: number };
    try {
      endpoint = parseHostPort(address, 'member address');
    } catch {
      return undefined;
    }
    const state = { address, ...endpoint, unansweredPings: 0 };
    this.peers.set(peer, state);
    return state;
  }

  /** An ack from `peer`, by datagram or over a link: our datagram pings reach it. */
  ackedBy(peer: string): void {
    const state = this.peers.get(peer);
    if (state) state.unansweredPings = 0;
  }

  /** Nothing more to or from `peer` by datagram until a new key is set up over a link. */
  forgetPeer(peer: string): void {
    this.keys.forgetPeer(peer);
    this.peers.delete(peer);
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
    this.socket = undefined;
  }

  private receive(datagram: Buffer, host: string, port: number): void {
    const reading = decodeDatagram(datagram, (keyId) => this.keys.receiveKey(keyId)?.key);
    if (reading.kind === 'invalid') {
      this.counts.dropped++;
      return;
    }
    if (reading.kind === 'unknownKeyReply') {
      // Unauthenticated, so taken only from the address this node sends that peer's datagrams to.
      const peer = this.keys.peerOfSendKey(reading.keyId);
      const state = peer === undefined ? undefined : this.peers.get(peer);
      if (peer === undefined || !state || state.host !== host || state.port !== port) {
        this.counts.dropped++;
        return;
      }
      this.forgetPeer(peer);
      this.options.log(`gossip: ${peer} no longer knows this node's datagram key (restarted?); probing it over the link`);
      return;
    }
    if (reading.kind === 'keyNotKnown') {
      this.counts.dropped++;
      this.replyUnknownKey(reading.keyId, host, port);
      return;
    }
    const sender = this.keys.receiveKey(reading.keyId)!;
    this.counts.received++;
    this.options.onProbe(sender.peer, reading.message);
  }

  private replyUnknownKey(keyId: number, host: string, port: number): void {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.replySecond) {
      this.replySecond = second;
      this.repliesThisSecond = 0;
    }
    if (++this.repliesThisSecond > unknownKeyRepliesPerSecondMax) return;
    this.socket?.send(unknownKeyReply(keyId), port, host);
  }
}
