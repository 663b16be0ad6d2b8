// What gossip nodes say to each other, as plain data: strings, safe integers,
// booleans, arrays, objects and Uint8Array. The wire module gives these a
// CBOR schema; checkMessage() below is the semantic check the core applies
// again on every message it is handed, so nothing a peer sends can grow the
// core's memory past the configured bounds.
//
// Every message except pushPull carries `updates`: the piggybacked membership
// news (SWIM's infection-style dissemination). A message with nothing else to
// say is a `gossip` message.
import type { GossipConfig } from './config.js';
import { GossipError, GossipErrorCode } from './errors.js';

/** A node id as written in its certificate: 1-64 characters of A-Z a-z 0-9 . _ - */
export type MemberId = string;
export type NodeRole = 'manager' | 'worker';
export type MemberStatus = 'alive' | 'suspect' | 'dead' | 'left';

export const memberIdCharsMax = 64;
const memberIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** "member is alive at this incarnation, reachable here, with this metadata". Also how metadata changes travel. */
export interface AliveUpdate {
  kind: 'alive';
  member: MemberId;
  incarnation: number;
  address: string;
  role: NodeRole;
  labels: Uint8Array;
}
/** "`from` could not reach member at this incarnation". Each distinct `from` is a confirmation. */
export interface SuspectUpdate {
  kind: 'suspect';
  member: MemberId;
  incarnation: number;
  from: MemberId;
}
/** "member's suspicion at this incarnation ran out on `from`". */
export interface DeadUpdate {
  kind: 'dead';
  member: MemberId;
  incarnation: number;
  from: MemberId;
}
/** "member left on purpose". Only the member itself sends it first. */
export interface LeftUpdate {
  kind: 'left';
  member: MemberId;
  incarnation: number;
}
export type Update = AliveUpdate | SuspectUpdate | DeadUpdate | LeftUpdate;

/** One row of a full-state exchange. */
export interface MemberState {
  member: MemberId;
  incarnation: number;
  status: MemberStatus;
  address: string;
  role: NodeRole;
  labels: Uint8Array;
}

/** "Are you alive?" `target` lets a node that took over an address refuse a ping meant for its predecessor. */
export interface PingMessage {
  type: 'ping';
  source: MemberId;
  seq: number;
  target: MemberId;
  updates: Update[];
}
/** Answer to a ping, or a relay's forwarded answer to a ping-req (same `seq` the requester chose). */
export interface AckMessage {
  type: 'ack';
  source: MemberId;
  seq: number;
  updates: Update[];
}
/** "Please probe `target` for me and forward its ack"; `seq` is the requester's. */
export interface PingReqMessage {
  type: 'pingReq';
  source: MemberId;
  seq: number;
  target: MemberId;
  targetAddress: string;
  updates: Update[];
}
/** A relay's "I am alive but the target did not answer in time" (Lifeguard), for the requester's `seq`. */
export interface NackMessage {
  type: 'nack';
  source: MemberId;
  seq: number;
  updates: Update[];
}
/** Updates alone: gossip rounds, refutations sent straight to an accuser. */
export interface GossipUpdatesMessage {
  type: 'gossip';
  source: MemberId;
  updates: Update[];
}
/** Full state (anti-entropy, join). A request (`reply: false`) is answered with the receiver's own state. */
export interface PushPullMessage {
  type: 'pushPull';
  source: MemberId;
  reply: boolean;
  members: MemberState[];
}
export type GossipMessage = PingMessage | AckMessage | PingReqMessage | NackMessage | GossipUpdatesMessage | PushPullMessage;
export type GossipMessageType = GossipMessage['type'];

export function isMemberId(value: unknown): value is MemberId {
  return typeof value === 'string' && value.length >= 1 && value.length <= memberIdCharsMax && memberIdPattern.test(value);
}

export function isRole(value: unknown): value is NodeRole {
  return value === 'manager' || value === 'worker';
}

/** The bounds checkMessage applies, taken from the config. */
export type MessageLimits = Pick<GossipConfig, 'updatesPerMessageMax' | 'membersMax' | 'labelsBytesMax' | 'addressBytesMax'>;

type Fields = Record<string, unknown>;

/**
 * Returns undefined when `value` is a well-formed GossipMessage within the
 * limits, else a GossipError naming the first offending field. Unknown extra
 * fields are ignored (a newer peer may add some); the core copies only the
 * fields it knows, so they are never retained.
 */
export function checkMessage(value: unknown, limits: MessageLimits): GossipError | undefined {
  try {
    checkMessageOrThrow(value, limits);
    return undefined;
  } catch (error) {
    if (error instanceof GossipError) return error;
    throw error;
  }
}

function checkMessageOrThrow(value: unknown, limits: MessageLimits): void {
  const message = object(value, 'message');
  const type = message.type;
  memberId(message.source, 'source');
  switch (type) {
    case 'ping':
      sequence(message.seq, 'seq');
      memberId(message.target, 'target');
      break;
    case 'pingReq':
      sequence(message.seq, 'seq');
      memberId(message.target, 'target');
      address(message.targetAddress, 'targetAddress', limits);
      break;
    case 'ack':
    case 'nack':
      sequence(message.seq, 'seq');
      break;
    case 'gossip':
      break;
    case 'pushPull':
      if (typeof message.reply !== 'boolean') fail('reply', 'must be true or false');
      checkMemberStates(message.members, limits);
      return;
    default:
      fail('type', `must be one of ping, ack, pingReq, nack, gossip, pushPull; got ${describe(type)}`);
  }
  checkUpdates(message.updates, limits);
}

function checkUpdates(value: unknown, limits: MessageLimits): void {
  if (!Array.isArray(value)) fail('updates', 'must be an array');
  if (value.length > limits.updatesPerMessageMax) fail('updates', `holds ${value.length} updates, more than updatesPerMessageMax (${limits.updatesPerMessageMax})`);
  value.forEach((item, index) => {
    const field = `updates[${index}]`;
    const update = object(item, field);
    memberId(update.member, `${field}.member`);
    incarnation(update.incarnation, `${field}.incarnation`);
    switch (update.kind) {
      case 'alive':
        address(update.address, `${field}.address`, limits);
        role(update.role, `${field}.role`);
        labels(update.labels, `${field}.labels`, limits);
        break;
      case 'suspect':
      case 'dead':
        memberId(update.from, `${field}.from`);
        break;
      case 'left':
        break;
      default:
        fail(`${field}.kind`, `must be alive, suspect, dead or left; got ${describe(update.kind)}`);
    }
  });
}

function checkMemberStates(value: unknown, limits: MessageLimits): void {
  if (!Array.isArray(value)) fail('members', 'must be an array');
  if (value.length > limits.membersMax) fail('members', `holds ${value.length} members, more than membersMax (${limits.membersMax})`);
  value.forEach((item, index) => {
    const field = `members[${index}]`;
    const state = object(item, field);
    memberId(state.member, `${field}.member`);
    incarnation(state.incarnation, `${field}.incarnation`);
    const status = state.status;
    if (status !== 'alive' && status !== 'suspect' && status !== 'dead' && status !== 'left') {
      fail(`${field}.status`, `must be alive, suspect, dead or left; got ${describe(status)}`);
    }
    address(state.address, `${field}.address`, limits);
    role(state.role, `${field}.role`);
    labels(state.labels, `${field}.labels`, limits);
  });
}

function fail(field: string, problem: string): never {
  throw new GossipError(GossipErrorCode.MessageInvalid, `gossip message field ${field} ${problem}; the message was dropped`, field);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 32));
  return value === null ? 'null' : typeof value;
}

function object(value: unknown, field: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) fail(field, 'must be a map');
  return value as Fields;
}

function memberId(value: unknown, field: string): void {
  if (!isMemberId(value)) fail(field, `must be a node id (1-${memberIdCharsMax} characters of A-Z a-z 0-9 . _ -); got ${describe(value)}`);
}

function sequence(value: unknown, field: string): void {
  if (!Number.isSafeInteger(value) || (value as number) < 0) fail(field, 'must be a whole number >= 0');
}

function incarnation(value: unknown, field: string): void {
  if (!Number.isSafeInteger(value) || (value as number) < 0) fail(field, 'must be a whole number >= 0');
}

function address(value: unknown, field: string, limits: MessageLimits): void {
  if (typeof value !== 'string' || value.length === 0) fail(field, 'must be a non-empty "host:port" string');
  if (utf8Bytes(value) > limits.addressBytesMax) fail(field, `is longer than addressBytesMax (${limits.addressBytesMax} bytes)`);
}

function role(value: unknown, field: string): void {
  if (!isRole(value)) fail(field, `must be "manager" or "worker"; got ${describe(value)}`);
}

function labels(value: unknown, field: string, limits: MessageLimits): void {
  if (!(value instanceof Uint8Array)) fail(field, 'must be a byte string');
  if (value.byteLength > limits.labelsBytesMax) fail(field, `holds ${value.byteLength} bytes, more than labelsBytesMax (${limits.labelsBytesMax})`);
}

/** UTF-8 length of a JS string, without TextEncoder (keeps the core free of host APIs). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        index += 1;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Received updates may be queued for re-broadcast: keep only the known fields,
 * so extra fields a peer added are neither retained nor passed on. (Labels
 * are copied where the membership stores them.)
 */
export function copyUpdate(update: Update): Update {
  const { member, incarnation } = update;
  switch (update.kind) {
    case 'alive':
      return { kind: 'alive', member, incarnation, address: update.address, role: update.role, labels: update.labels };
    case 'suspect':
      return { kind: 'suspect', member, incarnation, from: update.from };
    case 'dead':
      return { kind: 'dead', member, incarnation, from: update.from };
    case 'left':
      return { kind: 'left', member, incarnation };
  }
}
