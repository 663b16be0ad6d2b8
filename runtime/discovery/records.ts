/**
 * DNS records as discovery sends them, and the reader that turns a decoded
 * response (whatever multicast-dns handed over, typed `unknown` on purpose)
 * into records we trust the shape of. The reader takes no socket: tests feed
 * it objects, the browser feeds it packets.
 *
 * A response that carries any malformed record about our service type is
 * dropped whole, with a stable reason: never trust a sender that got part of
 * its answer wrong. Records about other services or hosts are normal LAN
 * traffic and are skipped silently.
 */
import { instanceLabelOf, isUsableAddress, isValidLocalHostName, SERVICE_TYPE, sameName } from './names.js';
import { decodeTxt, type PeerTxt, type TxtRejection } from './txt.js';
import { isIPv4, isIPv6 } from 'node:net';

export type RecordType = 'PTR' | 'SRV' | 'TXT' | 'A' | 'AAAA' | 'ANY';

export interface DnsQuestion {
  name: string;
  type: RecordType;
}

interface RecordBase {
  name: string;
  /** Seconds; 0 is a goodbye (RFC 6762 §10.1). */
  ttl: number;
  class: 'IN';
  /** Cache-flush bit: set on records only this responder owns (RFC 6762 §10.2). */
  flush: boolean;
}

export type OutgoingRecord =
  | (RecordBase & { type: 'PTR'; data: string })
  | (RecordBase & { type: 'SRV'; data: { priority: number; weight: number; port: number; target: string } })
  | (RecordBase & { type: 'TXT'; data: string[] })
  | (RecordBase & { type: 'A' | 'AAAA'; data: string });

export interface OutgoingPacket {
  type: 'query' | 'response';
  id?: number;
  flags?: number;
  questions?: DnsQuestion[];
  answers?: OutgoingRecord[];
  additionals?: OutgoingRecord[];
}

/** A record about our service type, validated. Names are as received; hosts are lowercased. */
export type ObservedRecord =
  | { type: 'PTR'; instance: string; ttlSeconds: number; flush: boolean }
  | { type: 'SRV'; instance: string; port: number; host: string; ttlSeconds: number; flush: boolean }
  | { type: 'TXT'; instance: string; txt: PeerTxt; ttlSeconds: number; flush: boolean }
  | { type: 'A' | 'AAAA'; host: string; address: string; ttlSeconds: number; flush: boolean };

export type ResponseRejection =
  | 'packet-shape'
  | 'packet-opcode'
  | 'packet-rcode'
  | 'too-many-records'
  | 'record-shape'
  | 'record-class'
  | 'ptr-instance'
  | 'srv-name'
  | 'srv-port'
  | 'srv-target'
  | 'txt-name'
  | TxtRejection;

export interface ReaderLimits {
  /** Records (answers + additionals) read from one packet; more and the packet is dropped. */
  recordsPerPacketMax: number;
  /** Longer TTLs are shortened to this, so a sender cannot pin an entry for days. */
  recordTtlSecondsMax: number;
}

export type ResponseReading = { ok: true; records: ObservedRecord[] } | { ok: false; reason: ResponseRejection };

interface RawRecord {
  name: string;
  type: string;
  ttl: number;
  class: unknown;
  flush: boolean;
  data: unknown;
}

export function readResponse(packet: unknown, limits: ReaderLimits): ResponseReading {
  if (typeof packet !== 'object' || packet === null) return { ok: false, reason: 'packet-shape' };
  const { flags, answers, additionals } = packet as { flags?: unknown; answers?: unknown; additionals?: unknown };
  if (typeof flags !== 'number' || !Array.isArray(answers) || !Array.isArray(additionals)) return { ok: false, reason: 'packet-shape' };
  // RFC 6762 §18.3 and §18.11: other opcodes and non-zero response codes are ignored.
  if (((flags >> 11) & 0xf) !== 0) return { ok: false, reason: 'packet-opcode' };
  if ((flags & 0xf) !== 0) return { ok: false, reason: 'packet-rcode' };
  const raw: unknown[] = [...answers, ...additionals];
  if (raw.length > limits.recordsPerPacketMax) return { ok: false, reason: 'too-many-records' };
  const records: ObservedRecord[] = [];
  for (const candidate of raw) {
    if (!isRawRecord(candidate)) return { ok: false, reason: 'record-shape' };
    const read = readRecord(candidate, Math.min(candidate.ttl, limits.recordTtlSecondsMax));
    if (read === undefined) continue;
    if (typeof read === 'string') return { ok: false, reason: read };
    records.push(read);
  }
  return { ok: true, records };
}

function isRawRecord(value: unknown): value is RawRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.name === 'string' &&
    typeof record.type === 'string' &&
    typeof record.ttl === 'number' &&
    Number.isInteger(record.ttl) &&
    record.ttl >= 0 &&
    (record.flush === undefined || typeof record.flush === 'boolean')
  );
}

/** A record, a rejection reason, or undefined for a record that is not about us. */
function readRecord(record: RawRecord, ttlSeconds: number): ObservedRecord | ResponseRejection | undefined {
  const flush = record.flush === true;
  switch (record.type) {
    case 'PTR':
      if (!sameName(record.name, SERVICE_TYPE)) return undefined;
      return readPtr(record, ttlSeconds, flush);
    case 'SRV':
    case 'TXT':
      if (!record.name.toLowerCase().endsWith(`.${SERVICE_TYPE}`)) return undefined;
      return record.type === 'SRV' ? readSrv(record, ttlSeconds, flush) : readTxt(record, ttlSeconds, flush);
    case 'A':
    case 'AAAA':
      return readAddress(record, ttlSeconds, flush);
    default:
      return undefined;
  }
}

function readPtr(record: RawRecord, ttlSeconds: number, flush: boolean): ObservedRecord | ResponseRejection {
  if (record.class !== 'IN') return 'record-class';
  const instance = typeof record.data === 'string' ? instanceLabelOf(record.data) : undefined;
  if (instance === undefined) return 'ptr-instance';
  return { type: 'PTR', instance, ttlSeconds, flush };
}

function readSrv(record: RawRecord, ttlSeconds: number, flush: boolean): ObservedRecord | ResponseRejection {
  if (record.class !== 'IN') return 'record-class';
  const instance = instanceLabelOf(record.name);
  if (instance === undefined) return 'srv-name';
  const data = record.data as { port?: unknown; target?: unknown } | null;
  if (typeof data !== 'object' || data === null) return 'record-shape';
  const { port, target } = data;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return 'srv-port';
  if (typeof target !== 'string' || !isValidLocalHostName(target)) return 'srv-target';
  return { type: 'SRV', instance, port, host: target.toLowerCase(), ttlSeconds, flush };
}

function readTxt(record: RawRecord, ttlSeconds: number, flush: boolean): ObservedRecord | ResponseRejection {
  if (record.class !== 'IN') return 'record-class';
  const instance = instanceLabelOf(record.name);
  if (instance === undefined) return 'txt-name';
  const decoded = decodeTxt(record.data);
  if (!decoded.ok) return decoded.reason;
  return { type: 'TXT', instance, txt: decoded.txt, ttlSeconds, flush };
}

/**
 * Addresses of hosts we have not heard of are kept only if they look like
 * ours; an unusable address (loopback, IPv6 link-local) is common on a real
 * LAN from other stacks and is skipped rather than treated as an attack.
 */
function readAddress(record: RawRecord, ttlSeconds: number, flush: boolean): ObservedRecord | undefined {
  if (record.class !== 'IN' || !isValidLocalHostName(record.name)) return undefined;
  const address = record.data;
  if (typeof address !== 'string') return undefined;
  const familyOk = record.type === 'A' ? isIPv4(address) : isIPv6(address);
  if (!familyOk || !isUsableAddress(address)) return undefined;
  return { type: record.type as 'A' | 'AAAA', host: record.name.toLowerCase(), address, ttlSeconds, flush };
}
