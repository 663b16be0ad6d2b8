// The gossip configuration is the manual: every field says what it does, its
// unit, its default on a LAN and what moving it costs. Time is counted in
// ticks; the driver calls tick() every `tickMs` milliseconds and the core
// never reads a clock.
//
// How fast a dead node is found (all terms in ticks; see detectionTime()):
//
//   detection ≈ wait for a probe  (≈ ½ probe interval on average: every member
//                                  receives about one probe per interval, whatever n)
//             + the failed probe  (probeIntervalTicks: direct timeout, then
//                                  indirect probes through `indirectChecks` peers)
//             + suspicion         (suspicionMinTicks once `suspicionConfirmations`
//                                  other members have confirmed, up to
//                                  suspicionMaxTicks with no confirmation)
//             + dissemination     (≈ gossipIntervalTicks × (log_{fanout+1} n + ln n / fanout)
//                                  for the dead verdict to reach everyone)
//
// Why suspicion cannot be shorter: a node whose link blips for B ms is
// suspected at the earliest one probe interval after the blip starts, and can
// only refute once the blip is over. Its refutation must then reach the
// accusers (sent to them directly) and everyone else (gossip) before the
// earliest suspicion timer fires, so suspicionMin must exceed
// B - probeInterval + refutation delay. In simulation (50 nodes, 5% loss, 60
// one-second blips) the LAN defaults (probe 400 ms, suspicionMin 1100 ms) had
// no false death; a 300 ms probe needed more than 1200 ms of suspicion, and
// then found the dead no sooner. The metered preset (suspicionMin 5 s)
// survives 5 s blips.
//
// Bandwidth when nothing happens is probes (one ping and, on average, one ack
// per probe interval per node) plus push-pull (the whole member table, both
// ways, once per push-pull interval per node): shorter probe intervals buy
// faster detection with bytes per second. The daemon sends pings and acks as
// ~64-byte UDP datagrams (see daemon/gossip-datagrams.ts), so an idle node
// sees four of them per probe interval, in and out: at 400 ms, ~640 B/s plus
// push-pull, whatever the cluster size.
import { GossipError, GossipErrorCode } from './errors.js';

export interface GossipConfig {
  /**
   * Length of one tick in milliseconds. The core only counts ticks; this is
   * here so the formulas and error messages can speak in milliseconds, and so
   * the driver knows how often to call tick(). LAN 50 ms.
   */
  readonly tickMs: number;

  /**
   * Ticks between the starts of two probes by this node (one random member,
   * round-robin over a shuffled list). Also the deadline for the whole probe:
   * a target that has not answered directly or indirectly by the end of the
   * interval is suspected. Scaled by the local health multiplier (see
   * awarenessMax). LAN 8 (400 ms). Halving it halves the first two terms of
   * detection and doubles idle probe bytes (200 ms costs ~1.3 KB/s per node).
   */
  readonly probeIntervalTicks: number;
  /**
   * Ticks to wait for a direct ack before asking `indirectChecks` peers to
   * probe the target for us. Must be below probeIntervalTicks: the rest of
   * the interval is the indirect phase. Scaled by the local health
   * multiplier. LAN 3 (150 ms): a LAN round trip is ~1 ms, a busy Pi may
   * stall tens of ms; a slower node stretches this itself.
   */
  readonly probeTimeoutTicks: number;
  /**
   * Peers asked to probe a target that missed the direct ack (ping-req). More
   * peers make a false suspicion from one lossy path less likely, at k extra
   * message pairs per failed direct probe. LAN 3.
   */
  readonly indirectChecks: number;
  /**
   * Ticks a peer relaying a ping-req waits for the target before answering
   * the requester with a nack ("I am alive, the target did not answer"). A
   * missing nack tells the requester its own link is the likely problem.
   * Must leave the nack time to arrive within the indirect phase:
   * relayNackTicks < probeIntervalTicks - probeTimeoutTicks. LAN 2.
   */
  readonly relayNackTicks: number;
  /**
   * Lifeguard local health: the largest multiplier applied to this node's
   * probe interval and timeout. The score rises when this node's probes fail
   * without nacks or when it must refute a suspicion about itself, and falls
   * with each successful probe. A slow or overloaded node then probes less
   * and waits longer instead of accusing healthy peers. 1 turns it off. LAN 8.
   */
  readonly awarenessMax: number;

  /**
   * Ticks a suspicion lasts once `suspicionConfirmations` independent members
   * have confirmed it (Lifeguard: the timeout shrinks from max to min as
   * log(confirmations + 1) / log(expected + 1)). The floor of detection time
   * and the ceiling on a link blip that does not end in a false death.
   * LAN 22 (1100 ms).
   */
  readonly suspicionMinTicks: number;
  /**
   * Ticks a suspicion lasts with no confirmation at all: one accuser alone,
   * maybe the one with the bad link, gets the most time to be proved wrong.
   * LAN 80 (4 s).
   */
  readonly suspicionMaxTicks: number;
  /**
   * Independent confirmations (suspect messages from distinct members) that
   * bring a suspicion down to suspicionMinTicks. Capped at members - 2 in
   * small clusters. Higher is safer against a few bad links and slower when
   * few members probe the dead node. LAN 2 (as memberlist's LAN preset).
   */
  readonly suspicionConfirmations: number;

  /**
   * Ticks between gossip rounds. A round sends queued updates to
   * `gossipFanout` random members and happens only when something is queued,
   * so it costs nothing when the cluster is quiet. LAN 1 (50 ms).
   */
  readonly gossipIntervalTicks: number;
  /** Members each gossip round sends to. Dissemination takes about log_{fanout+1}(n) rounds. LAN 4. */
  readonly gossipFanout: number;
  /**
   * λ in the retransmit limit λ·ceil(log10(n + 1)): how many messages carry
   * each update from each node before it is dropped from the queue. Higher
   * reaches everyone more surely under loss, at more bytes per change. LAN 4.
   */
  readonly retransmitMult: number;
  /**
   * Ticks during which a member declared dead still receives gossip, so a
   * live node wrongly declared dead learns it and refutes. LAN 200 (10 s).
   */
  readonly gossipToDeadTicks: number;

  /**
   * Ticks between full-state exchanges with one random member (anti-entropy:
   * repairs whatever gossip lost). Stretched by ceil(log2(n / pushPullScaleMembers)) + 1
   * above pushPullScaleMembers members, because the state grows with n.
   * LAN 1200 (60 s): at 50 members a state is ~4.5 KB, so ~150 B/s per node.
   */
  readonly pushPullIntervalTicks: number;
  /** Member count above which the push-pull interval stretches. LAN 32. */
  readonly pushPullScaleMembers: number;
  /**
   * Fewest ticks between two extra push-pulls this node starts on its own:
   * after it finds it was cut off (a probe failed with every relay silent,
   * or it had to refute a suspicion: it may have missed a refutation or a
   * death meanwhile), and when a member it does not know talks to it (it
   * joined after the news of that member died out). Repairs in a second what
   * the periodic push-pull repairs in a minute. LAN 20 (1 s).
   */
  readonly syncPushPullTicksMin: number;
  /** Push-pull requests answered per tick; more are dropped (a joiner retries). Bounds the bytes a join storm costs. LAN 8. */
  readonly pushPullRepliesPerTickMax: number;
  /** Ticks between join attempts to the seeds while this node knows no other member. LAN 40 (2 s). */
  readonly joinRetryTicks: number;
  /**
   * Ticks between attempts to reach one member believed dead (not left), so
   * two sides of a healed partition find each other again. 0 turns it off.
   * LAN 200 (10 s).
   */
  readonly reconnectIntervalTicks: number;
  /**
   * Ticks a dead or left member is remembered before its record is dropped.
   * While remembered, stale "alive" news at the old incarnation cannot revive
   * it, and a restarted node learns the incarnation it must beat. LAN 1200 (60 s).
   */
  readonly deadRetentionTicks: number;
  /** Ticks leave() keeps announcing before isLeaveDone() turns true anyway. LAN 20 (1 s). */
  readonly leaveTicksMax: number;

  /** Members remembered, dead and left included. A full table refuses new members. LAN 1024. */
  readonly membersMax: number;
  /** Seed addresses join() accepts. LAN 16. */
  readonly seedsMax: number;
  /** Ping-reqs this node relays at once; more are dropped. LAN 32. */
  readonly relaysMax: number;
  /** Updates carried by one message. LAN 32. */
  readonly updatesPerMessageMax: number;
  /** Encoded bytes of the updates carried by one message (CBOR estimate). LAN 1024. */
  readonly piggybackBytesMax: number;
  /** Bytes of a member's labels blob. LAN 256. */
  readonly labelsBytesMax: number;
  /** UTF-8 bytes of a member's address ("host:port"). LAN 128. */
  readonly addressBytesMax: number;
  /** Direct corrections (our alive sent straight to a member still accusing us) per tick. LAN 4. */
  readonly correctionsPerTickMax: number;
  /** Messages waiting in ready() before more are dropped (and counted): the driver should drain each tick. LAN 4096. */
  readonly outboxMessagesMax: number;
  /** Membership events waiting in ready(); on overflow the oldest go and `eventsDropped` tells the driver to resync from members(). LAN 4096. */
  readonly eventsMax: number;
}

/** The base every preset overrides: the LAN numbers. */
const base: GossipConfig = Object.freeze({
  tickMs: 50,
  probeIntervalTicks: 8,
  probeTimeoutTicks: 3,
  indirectChecks: 3,
  relayNackTicks: 2,
  awarenessMax: 8,
  suspicionMinTicks: 22,
  suspicionMaxTicks: 80,
  suspicionConfirmations: 2,
  gossipIntervalTicks: 1,
  gossipFanout: 4,
  retransmitMult: 4,
  gossipToDeadTicks: 200,
  pushPullIntervalTicks: 1200,
  pushPullScaleMembers: 32,
  syncPushPullTicksMin: 20,
  pushPullRepliesPerTickMax: 8,
  joinRetryTicks: 40,
  reconnectIntervalTicks: 200,
  deadRetentionTicks: 1200,
  leaveTicksMax: 20,
  membersMax: 1024,
  seedsMax: 16,
  relaysMax: 32,
  updatesPerMessageMax: 32,
  piggybackBytesMax: 1024,
  labelsBytesMax: 256,
  addressBytesMax: 128,
  correctionsPerTickMax: 4,
  outboxMessagesMax: 4096,
  eventsMax: 4096,
});

function preset(overrides: Partial<GossipConfig>): GossipConfig {
  const config = Object.freeze({ ...base, ...overrides });
  validateConfig(config);
  return config;
}

/**
 * A wired or good Wi-Fi LAN: a dead node is found by everyone in well under
 * 2 s, and a link that drops for 1 s is not declared dead.
 */
export function lanDefaults(overrides: Partial<GossipConfig> = {}): GossipConfig {
  return preset(overrides);
}

/**
 * Metered or slow links (LTE, long-range radio): about a fifth of the idle
 * gossip bytes of the LAN preset, paid for with detection in ~8 s instead of
 * ~1.8 s (bench/suites/gossip.bench.ts measures both). In exchange it
 * survives link blips of ~5 s instead of ~1 s.
 */
export function meteredLinkDefaults(overrides: Partial<GossipConfig> = {}): GossipConfig {
  return preset({
    tickMs: 100,
    probeIntervalTicks: 20,
    probeTimeoutTicks: 8,
    relayNackTicks: 5,
    suspicionMinTicks: 50,
    suspicionMaxTicks: 150,
    gossipIntervalTicks: 2,
    gossipFanout: 3,
    gossipToDeadTicks: 300,
    pushPullIntervalTicks: 1800,
    joinRetryTicks: 50,
    reconnectIntervalTicks: 300,
    deadRetentionTicks: 1800,
    ...overrides,
  });
}

/**
 * LAN timing (so simulations check the numbers that ship) with the slow
 * background work sped up, so rejoin and partition healing show within a
 * short simulated run.
 */
export function simulationDefaults(overrides: Partial<GossipConfig> = {}): GossipConfig {
  return preset({
    pushPullIntervalTicks: 100,
    joinRetryTicks: 10,
    reconnectIntervalTicks: 40,
    gossipToDeadTicks: 100,
    deadRetentionTicks: 400,
    ...overrides,
  });
}

/** Throws EDGE_GOSSIP_CONFIG_INVALID naming the field and how to fix it. */
export function validateConfig(config: GossipConfig): void {
  checkRanges(config);
  checkCombinations(config);
}

function checkRanges(config: GossipConfig): void {
  const wholeAtLeast = (field: keyof GossipConfig, low: number, high = 1_000_000_000): void => {
    const value = config[field];
    if (!Number.isSafeInteger(value) || value < low || value > high) {
      throw new GossipError(
        GossipErrorCode.ConfigInvalid,
        `gossip config ${field} must be a whole number from ${low} to ${high}, got ${String(value)}`,
        field,
      );
    }
  };
  wholeAtLeast('tickMs', 1, 60_000);
  wholeAtLeast('probeIntervalTicks', 2);
  wholeAtLeast('probeTimeoutTicks', 1);
  wholeAtLeast('indirectChecks', 0, 16);
  wholeAtLeast('relayNackTicks', 1);
  wholeAtLeast('awarenessMax', 1, 64);
  wholeAtLeast('suspicionMinTicks', 1);
  wholeAtLeast('suspicionMaxTicks', 1);
  wholeAtLeast('suspicionConfirmations', 0, 64);
  wholeAtLeast('gossipIntervalTicks', 1);
  wholeAtLeast('gossipFanout', 1, 64);
  wholeAtLeast('retransmitMult', 1, 64);
  wholeAtLeast('gossipToDeadTicks', 0);
  wholeAtLeast('pushPullIntervalTicks', 1);
  wholeAtLeast('pushPullScaleMembers', 1);
  wholeAtLeast('syncPushPullTicksMin', 1);
  wholeAtLeast('pushPullRepliesPerTickMax', 1);
  wholeAtLeast('joinRetryTicks', 1);
  wholeAtLeast('reconnectIntervalTicks', 0);
  wholeAtLeast('deadRetentionTicks', 1);
  wholeAtLeast('leaveTicksMax', 1);
  wholeAtLeast('membersMax', 2, 1_000_000);
  wholeAtLeast('seedsMax', 1, 1024);
  wholeAtLeast('relaysMax', 0, 65_536);
  wholeAtLeast('updatesPerMessageMax', 1, 4096);
  wholeAtLeast('piggybackBytesMax', 256, 16 * 1024 * 1024);
  wholeAtLeast('labelsBytesMax', 0, 64 * 1024);
  wholeAtLeast('addressBytesMax', 8, 1024);
  wholeAtLeast('correctionsPerTickMax', 0, 1024);
  wholeAtLeast('outboxMessagesMax', 16);
  wholeAtLeast('eventsMax', 16);
}

function checkCombinations(config: GossipConfig): void {
  const inconsistent = (field: keyof GossipConfig, message: string): never => {
    throw new GossipError(GossipErrorCode.ConfigInvalid, `gossip config ${field}: ${message}`, field);
  };
  if (config.probeTimeoutTicks >= config.probeIntervalTicks) {
    inconsistent(
      'probeTimeoutTicks',
      `must be below probeIntervalTicks (${config.probeIntervalTicks}) to leave time for indirect probes; lower it or raise probeIntervalTicks`,
    );
  }
  if (config.indirectChecks > 0 && config.relayNackTicks >= config.probeIntervalTicks - config.probeTimeoutTicks) {
    inconsistent(
      'relayNackTicks',
      `must be below probeIntervalTicks - probeTimeoutTicks (${config.probeIntervalTicks - config.probeTimeoutTicks}) so nacks arrive before the probe ends; lower it or widen the indirect phase`,
    );
  }
  if (config.suspicionMaxTicks < config.suspicionMinTicks) {
    inconsistent('suspicionMaxTicks', `must be at least suspicionMinTicks (${config.suspicionMinTicks}); raise it`);
  }
  if (config.suspicionMinTicks < config.probeIntervalTicks) {
    inconsistent(
      'suspicionMinTicks',
      `must be at least one probe interval (${config.probeIntervalTicks} ticks) or a suspected node has no chance to hear of it and refute; raise it`,
    );
  }
  if (config.deadRetentionTicks < config.gossipToDeadTicks) {
    inconsistent('deadRetentionTicks', `must be at least gossipToDeadTicks (${config.gossipToDeadTicks}): a forgotten member cannot be gossiped to; raise it`);
  }
}

/** Retransmit limit for one update at cluster size n: λ·ceil(log10(n + 1)). */
export function retransmitLimit(config: GossipConfig, members: number): number {
  return config.retransmitMult * Math.max(1, Math.ceil(Math.log10(members + 1)));
}

/** Push-pull interval in ticks at cluster size n (stretched above pushPullScaleMembers). */
export function pushPullIntervalTicks(config: GossipConfig, members: number): number {
  if (members <= config.pushPullScaleMembers) return config.pushPullIntervalTicks;
  const stretch = Math.ceil(Math.log2(members / config.pushPullScaleMembers)) + 1;
  return config.pushPullIntervalTicks * stretch;
}

/** Gossip rounds for an update to reach all n members with the configured fanout (push gossip estimate). */
export function disseminationRounds(config: GossipConfig, members: number): number {
  const n = Math.max(2, members);
  return Math.ceil(Math.log(n) / Math.log(config.gossipFanout + 1) + Math.log(n) / config.gossipFanout);
}

export interface DetectionTime {
  /**
   * Expected: half an interval until a probe (each member is probed about
   * once per interval, at a random moment), one failed probe, suspicionMin,
   * dissemination. Rounded up to whole ticks.
   */
  typicalTicks: number;
  /**
   * Generous bound: three intervals until a probe (each interval brings each
   * member about one probe, so missing three has probability ~5%, and the
   * others' confirmations then still fit), the failed probe, suspicionMax
   * (no confirmation at all), and twice the dissemination rounds.
   */
  boundTicks: number;
  typicalMs: number;
  boundMs: number;
}

/** The detection-time formula of the header comment, for a cluster of n members. */
export function detectionTime(config: GossipConfig, members: number): DetectionTime {
  const disseminationTicks = disseminationRounds(config, members) * config.gossipIntervalTicks;
  const typicalTicks = Math.ceil(1.5 * config.probeIntervalTicks) + config.suspicionMinTicks + disseminationTicks;
  const boundTicks = 4 * config.probeIntervalTicks + config.suspicionMaxTicks + 2 * disseminationTicks;
  return { typicalTicks, boundTicks, typicalMs: typicalTicks * config.tickMs, boundMs: boundTicks * config.tickMs };
}
