/**
 * The responder's decisions, without a socket: which records describe an
 * advertised service, what to send when it starts or stops, and how to
 * answer a query. The advertiser owns the socket, the timers and the
 * once-a-second rate limit; everything here is a pure function of its input.
 */
import { addressFamily, hostNameFor, instanceFqdn, sameName, SERVICE_TYPE, SERVICE_TYPE_ENUMERATION } from './names.js';
import type { DnsQuestion, OutgoingPacket, OutgoingRecord, RecordType } from './records.js';
import { encodeTxt, type PeerTxt } from './txt.js';

export const MDNS_PORT = 5353;

/** RFC 6762 §6.7: answers to legacy (non-5353) queriers carry TTLs of at most 10 s. */
const LEGACY_TTL_SECONDS_MAX = 10;

/** The DNS header's AA bit; every mDNS response sets it (RFC 6762 §18.4). */
const AUTHORITATIVE_ANSWER = 1 << 10;

export interface AdvertisedService {
  /** Instance label, e.g. `node-1`. */
  instance: string;
  port: number;
  txt: PeerTxt;
  /** Usable unicast addresses, at least one. */
  addresses: string[];
  /** TTL of every record we publish, seconds. */
  ttlSeconds: number;
}

export interface QuestionView {
  name: string;
  type: string;
  /** The QU bit: the querier asks for a unicast reply (RFC 6762 §5.4). */
  unicastResponse: boolean;
}

export interface KnownAnswer {
  name: string;
  type: string;
  data: unknown;
  ttl: number;
}

export interface QueryView {
  id: number;
  questions: QuestionView[];
  knownAnswers: KnownAnswer[];
}

export interface QueryLimits {
  questionsPerQueryMax: number;
  knownAnswersPerQueryMax: number;
}

export interface Reply {
  answers: OutgoingRecord[];
  additionals: OutgoingRecord[];
  /** True when every answer is a shared record (PTR): RFC 6762 §6 asks for a 20–120 ms delay. */
  sharedOnly: boolean;
  /** Send to the querier's address and port instead of the group. */
  unicast: boolean;
  /** Legacy unicast reply: echo id and questions (RFC 6762 §6.7). */
  legacy?: { id: number; questions: DnsQuestion[] };
}

export function serviceRecords(service: AdvertisedService, ttl: number): { shared: OutgoingRecord[]; unique: OutgoingRecord[]; addresses: OutgoingRecord[] } {
  const name = instanceFqdn(service.instance);
  const target = hostNameFor(service.instance);
  const addresses: OutgoingRecord[] = service.addresses.map((address) => ({ name: target, type: addressFamily(address), class: 'IN', flush: true, ttl, data: address }));
  return {
    shared: [{ name: SERVICE_TYPE, type: 'PTR', class: 'IN', flush: false, ttl, data: name }],
    unique: [
      { name, type: 'SRV', class: 'IN', flush: true, ttl, data: { priority: 0, weight: 0, port: service.port, target } },
      { name, type: 'TXT', class: 'IN', flush: true, ttl, data: encodeTxt(service.txt) },
    ],
    addresses,
  };
}

/** An unsolicited announcement (RFC 6762 §8.3), or with `goodbye` the same records at TTL 0 (§10.1). */
export function announcement(service: AdvertisedService, options: { goodbye: boolean }): OutgoingPacket {
  const records = serviceRecords(service, options.goodbye ? 0 : service.ttlSeconds);
  return { type: 'response', flags: AUTHORITATIVE_ANSWER, answers: [...records.shared, ...records.unique, ...records.addresses], additionals: [] };
}

/** Reads a decoded query; undefined when it is not a well-formed standard query. */
export function readQuery(packet: unknown, limits: QueryLimits): QueryView | undefined {
  if (typeof packet !== 'object' || packet === null) return undefined;
  const { id, flags, questions, answers } = packet as { id?: unknown; flags?: unknown; questions?: unknown; answers?: unknown };
  if (typeof id !== 'number' || typeof flags !== 'number' || !Array.isArray(questions) || !Array.isArray(answers)) return undefined;
  if (((flags >> 11) & 0xf) !== 0) return undefined;
  if (questions.length > limits.questionsPerQueryMax || answers.length > limits.knownAnswersPerQueryMax) return undefined;
  const view: QueryView = { id, questions: [], knownAnswers: [] };
  for (const question of questions) {
    const q = question as { name?: unknown; type?: unknown; class?: unknown } | null;
    if (typeof q !== 'object' || q === null || typeof q.name !== 'string' || typeof q.type !== 'string') return undefined;
    const klass = questionClass(q.class);
    if (klass === undefined) continue;
    view.questions.push({ name: q.name, type: q.type, unicastResponse: klass.unicastResponse });
  }
  for (const answer of answers) {
    const a = answer as { name?: unknown; type?: unknown; ttl?: unknown; data?: unknown } | null;
    if (typeof a !== 'object' || a === null || typeof a.name !== 'string' || typeof a.type !== 'string' || typeof a.ttl !== 'number') return undefined;
    view.knownAnswers.push({ name: a.name, type: a.type, data: a.data, ttl: a.ttl });
  }
  return view;
}

/**
 * dns-packet 5 reads the QU bit as part of the class and names the result
 * `UNKNOWN_32769` (IN + QU); undo that here. Classes other than IN and ANY
 * are not ours and yield undefined.
 */
function questionClass(value: unknown): { unicastResponse: boolean } | undefined {
  if (value === undefined || value === 'IN' || value === 'ANY') return { unicastResponse: false };
  const match = typeof value === 'string' ? /^UNKNOWN_(\d+)$/.exec(value) : null;
  const number = match ? Number(match[1]) : Number.NaN;
  const base = number & 0x7fff;
  if (!Number.isInteger(number) || (base !== 1 && base !== 255)) return undefined;
  return { unicastResponse: (number & 0x8000) !== 0 };
}

/** What to answer to `query` from `sourcePort`, or undefined when it asks nothing of ours. */
export function answerQuery(service: AdvertisedService, query: QueryView, sourcePort: number): Reply | undefined {
  const legacy = sourcePort !== MDNS_PORT;
  const ttl = legacy ? Math.min(service.ttlSeconds, LEGACY_TTL_SECONDS_MAX) : service.ttlSeconds;
  const records = serviceRecords(service, ttl);
  const [ptr] = records.shared;
  const [srv, txt] = records.unique;
  const enumeration: OutgoingRecord = { name: SERVICE_TYPE_ENUMERATION, type: 'PTR', class: 'IN', flush: false, ttl, data: SERVICE_TYPE };
  const answers = new RecordSet();
  const additionals = new RecordSet();
  const asked: DnsQuestion[] = [];
  for (const question of query.questions) {
    const wants = (type: RecordType): boolean => question.type === type || question.type === 'ANY';
    const before = answers.size();
    if (sameName(question.name, SERVICE_TYPE) && wants('PTR')) {
      answers.add(ptr);
      additionals.add(srv, txt, ...records.addresses);
    } else if (sameName(question.name, SERVICE_TYPE_ENUMERATION) && wants('PTR')) {
      answers.add(enumeration);
    } else if (sameName(question.name, instanceFqdn(service.instance))) {
      if (wants('SRV')) answers.add(srv);
      if (wants('TXT')) answers.add(txt);
      additionals.add(...records.addresses);
    } else if (sameName(question.name, hostNameFor(service.instance))) {
      for (const record of records.addresses) (wants(record.type as RecordType) ? answers : additionals).add(record);
    }
    if (answers.size() > before) asked.push({ name: question.name, type: question.type as RecordType });
  }
  const kept = answers.list().filter((record) => !suppressedByKnownAnswer(record, query.knownAnswers));
  if (kept.length === 0) return undefined;
  const unicast = legacy || query.questions.every((question) => question.unicastResponse);
  const reply: Reply = {
    answers: kept,
    additionals: additionals.list().filter((record) => !kept.includes(record)),
    sharedOnly: kept.every((record) => !record.flush),
    unicast,
  };
  if (legacy) {
    // Legacy resolvers do not know the cache-flush bit and would misread the class.
    reply.answers = reply.answers.map((record) => ({ ...record, flush: false }));
    reply.additionals = reply.additionals.map((record) => ({ ...record, flush: false }));
    reply.legacy = { id: query.id, questions: asked };
  }
  return reply;
}

/** RFC 6762 §7.1: a record the querier already holds with at least half its TTL left is not sent. */
function suppressedByKnownAnswer(record: OutgoingRecord, known: readonly KnownAnswer[]): boolean {
  const data = record.data;
  if (typeof data !== 'string') return false;
  return known.some(
    (answer) =>
      answer.type === record.type &&
      sameName(answer.name, record.name) &&
      typeof answer.data === 'string' &&
      sameName(answer.data, data) &&
      answer.ttl >= record.ttl / 2,
  );
}

export function replyPacket(reply: Reply): OutgoingPacket {
  return {
    type: 'response',
    id: reply.legacy?.id ?? 0,
    flags: AUTHORITATIVE_ANSWER,
    questions: reply.legacy?.questions ?? [],
    answers: reply.answers,
    additionals: reply.additionals,
  };
}

class RecordSet {
  private readonly records: OutgoingRecord[] = [];
  add(...records: Array<OutgoingRecord | undefined>): void {
    for (const record of records) if (record && !this.records.includes(record)) this.records.push(record);
  }
  size(): number {
    return this.records.length;
  }
  list(): OutgoingRecord[] {
    return [...this.records];
  }
}
