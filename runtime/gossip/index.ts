// Public surface of the gossip core. The daemon driver needs GossipNode, the
// config presets and the message types; the wire module needs the message
// types and checkMessage.
export {
  lanDefaults,
  meteredLinkDefaults,
  simulationDefaults,
  validateConfig,
  detectionTime,
  retransmitLimit,
  pushPullIntervalTicks,
  disseminationRounds,
  type GossipConfig,
  type DetectionTime,
} from './config.js';
export { GossipError, GossipErrorCode } from './errors.js';
export type { MembershipEvent, MembershipEventKind } from './events.js';
export { encodedBytes } from './encoded-size.js';
export {
  checkMessage,
  isMemberId,
  memberIdCharsMax,
  type AckMessage,
  type AliveUpdate,
  type DeadUpdate,
  type GossipMessage,
  type GossipMessageType,
  type GossipUpdatesMessage,
  type LeftUpdate,
  type MemberId,
  type MemberState,
  type MemberStatus,
  type MessageLimits,
  type NackMessage,
  type NodeRole,
  type PingMessage,
  type PingReqMessage,
  type PushPullMessage,
  type SuspectUpdate,
  type Update,
} from './messages.js';
export { GossipNode, type GossipCounters, type GossipNodeOptions, type GossipReady, type Outbound } from './node.js';
