/**
 * The Raft core's tunables. This file is the manual: each field says what it
 * means, its unit, its default for a LAN of Raspberry Pis, and what moving it
 * trades. Presets are small overrides of `baseConfig`.
 */
import type { NodeId } from '../types.js';
import { RaftError } from './errors.js';

export interface RaftConfig {
  /** This node's id: a positive safe integer, never reused in the cluster. */
  id: NodeId;

  /**
   * How long one tick is, in milliseconds. The core never reads a clock: it
   * only counts `tick()` calls. The driver calls `tick()` every `tickMs`.
   * Default 100 ms. Shorter ticks detect a dead leader sooner and cost more
   * heartbeats (a Pi Zero 2 W on Wi-Fi copes with 100 ms; 10 ms does not).
   */
  tickMs: number;

  /**
   * A follower that hears nothing from a leader for a random number of ticks
   * in [electionTimeoutTicksMin, electionTimeoutTicksMax] starts an election.
   * Defaults 5 and 10 (0.5 s to 1 s). The spread makes split votes rare: a
   * wider range means fewer split votes but a slower worst case. The minimum
   * is also the leader lease: a follower that heard from its leader less than
   * electionTimeoutTicksMin ago ignores vote requests (CheckQuorum), and a
   * leader that has not heard from a quorum for that long steps down. Must be
   * at least 2 × heartbeatIntervalTicks + 1 so one lost heartbeat is not an
   * election.
   */
  electionTimeoutTicksMin: number;
  /** Upper end of the randomized election timeout, see electionTimeoutTicksMin. Default 10. */
  electionTimeoutTicksMax: number;

  /**
   * The leader sends heartbeats every heartbeatIntervalTicks ticks. Default 1
   * (every 100 ms). Heartbeats carry the commit index and confirm leadership
   * for ReadIndex, so reads wait at most about one interval plus a round trip.
   */
  heartbeatIntervalTicks: number;

  /**
   * PreVote (Raft thesis §9.6): a would-be candidate first asks whether it
   * could win without bumping its term, so a node returning from a partition
   * cannot force a healthy leader out. Default true. Turn off only to
   * reproduce old behaviour in tests.
   */
  preVote: boolean;

  /**
   * CheckQuorum: a leader that has not heard from a quorum of voters within
   * electionTimeoutTicksMin steps down, and followers honour the leader lease
   * described above. Default true. Needed for ReadIndex to be safe against a
   * deposed leader that does not know it yet.
   */
  checkQuorum: boolean;

  /**
   * Largest Append message the leader builds, in bytes of entry data. Default
   * 256 KiB. Bigger batches mean fewer messages during catch-up but longer
   * head-of-line blocking for heartbeats on a slow link.
   */
  appendBytesMax: number;

  /**
   * Appends in flight to one follower before the leader waits for
   * acknowledgements (pipelining window, counted in messages). Default 64.
   */
  inflightMessagesMax: number;

  /**
   * Bytes of entry data in flight to one follower. Default 4 MiB. Bounds the
   * memory a slow follower makes the leader's transport buffer.
   */
  inflightBytesMax: number;

  /**
   * Largest single proposal, in bytes. Default 1 MiB. Larger proposals are
   * refused with EDGE_RAFT_PROPOSAL_TOO_LARGE: they would stall replication.
   */
  proposalBytesMax: number;

  /**
   * Bytes of proposals the leader has appended but not yet committed. Default
   * 16 MiB. When reached, proposals are refused with
   * EDGE_RAFT_PROPOSALS_BACKLOGGED until followers catch up: this bounds the
   * leader's memory when a quorum is slow or gone.
   */
  uncommittedBytesMax: number;

  /**
   * Bytes of committed entries handed out in one Ready for applying. Default
   * 4 MiB. Bounds the work of one apply step; the rest comes in the next Ready.
   */
  committedBytesPerReadyMax: number;

  /**
   * Reads waiting for leadership confirmation (ReadIndex) on the leader.
   * Default 4096. Beyond it readIndex() throws EDGE_RAFT_READ_QUEUE_FULL.
   */
  pendingReadsMax: number;

  /**
   * Size of one InstallSnapshot chunk, in bytes. Default 256 KiB. One chunk is
   * in flight per follower at a time, so this is also the memory a snapshot
   * transfer costs the transport.
   */
  snapshotChunkBytes: number;

  /**
   * Largest snapshot a follower accepts, in bytes. Default 512 MiB: the
   * follower assembles the chunks in memory before installing.
   */
  snapshotBytesMax: number;

  /**
   * An append window or snapshot chunk that gets no answer for this many
   * ticks is assumed lost: the leader probes again (appends) or resends the
   * chunk. Default 10 (1 s). Lower recovers from loss sooner but may resend
   * what a slow follower is still chewing on.
   */
  resendTimeoutTicks: number;

  /**
   * The store should take a snapshot when this many entries were applied since
   * the last one (`shouldSnapshot()` turns true). Default 10 000, as Swarm.
   * Fewer means more SD-card writes of the whole state; more means a longer
   * log to replay after a restart and more memory.
   */
  snapshotIntervalEntries: number;

  /**
   * Entries kept in memory behind a new snapshot, so a follower that is only a
   * little behind gets entries instead of the whole snapshot. Default 1 000.
   */
  compactionTrailEntries: number;

  /**
   * Learners (new members) are promoted to voters by the leader once their
   * log is within this many entries of the leader's. Default 100. The gap
   * bounds how long the cluster can stall when a new voter counts in quorums.
   */
  learnerCatchUpEntriesMax: number;

  /**
   * When true the leader proposes the promotion of a caught-up learner by
   * itself. Default true: a manager that joins should become a voter.
   */
  learnerAutoPromote: boolean;
}

/** Defaults for a LAN of Raspberry Pis. Every preset starts from these. */
export function baseConfig(id: NodeId): RaftConfig {
  return {
    id,
    tickMs: 100,
    electionTimeoutTicksMin: 5,
    electionTimeoutTicksMax: 10,
    heartbeatIntervalTicks: 1,
    preVote: true,
    checkQuorum: true,
    appendBytesMax: 256 * 1024,
    inflightMessagesMax: 64,
    inflightBytesMax: 4 * 1024 * 1024,
    proposalBytesMax: 1024 * 1024,
    uncommittedBytesMax: 16 * 1024 * 1024,
    committedBytesPerReadyMax: 4 * 1024 * 1024,
    pendingReadsMax: 4096,
    snapshotChunkBytes: 256 * 1024,
    snapshotBytesMax: 512 * 1024 * 1024,
    resendTimeoutTicks: 10,
    snapshotIntervalEntries: 10_000,
    compactionTrailEntries: 1_000,
    learnerCatchUpEntriesMax: 100,
    learnerAutoPromote: true,
  };
}

/** Wired Ethernet LAN: the base values. */
export function lanDefaults(id: NodeId): RaftConfig {
  return baseConfig(id);
}

/**
 * Boards on Wi-Fi or a congested link: slower election timeouts so a burst of
 * lost frames is not an election, smaller batches so heartbeats are not stuck
 * behind a large append.
 */
export function wirelessDefaults(id: NodeId): RaftConfig {
  return { ...baseConfig(id), electionTimeoutTicksMin: 10, electionTimeoutTicksMax: 20, appendBytesMax: 64 * 1024 };
}

/**
 * The simulator: tiny limits so batching, flow control, compaction and
 * chunked snapshots all happen within a few seconds of simulated time.
 */
export function simulationDefaults(id: NodeId): RaftConfig {
  return {
    ...baseConfig(id),
    appendBytesMax: 512,
    inflightMessagesMax: 4,
    inflightBytesMax: 2048,
    proposalBytesMax: 1024,
    uncommittedBytesMax: 16 * 1024,
    committedBytesPerReadyMax: 1024,
    pendingReadsMax: 64,
    snapshotChunkBytes: 128,
    resendTimeoutTicks: 5,
    snapshotIntervalEntries: 40,
    compactionTrailEntries: 5,
    learnerCatchUpEntriesMax: 10,
  };
}

const positiveIntegerFields = [
  'tickMs',
  'electionTimeoutTicksMin',
  'electionTimeoutTicksMax',
  'heartbeatIntervalTicks',
  'appendBytesMax',
  'inflightMessagesMax',
  'inflightBytesMax',
  'proposalBytesMax',
  'uncommittedBytesMax',
  'committedBytesPerReadyMax',
  'pendingReadsMax',
  'snapshotChunkBytes',
  'snapshotBytesMax',
  'resendTimeoutTicks',
  'snapshotIntervalEntries',
] as const satisfies readonly (keyof RaftConfig)[];

/** Every problem with `config`, each naming the field and the fix; empty when valid. */
export function configProblems(config: RaftConfig): string[] {
  const problems: string[] = [];
  if (!Number.isSafeInteger(config.id) || config.id <= 0) {
    problems.push(`id must be a positive integer node id, got ${config.id}: use the id issued when the node joined`);
  }
  for (const field of positiveIntegerFields) {
    const value = config[field];
    if (!Number.isSafeInteger(value) || value <= 0) problems.push(`${field} must be a positive integer, got ${value}`);
  }
  for (const field of ['compactionTrailEntries', 'learnerCatchUpEntriesMax'] as const) {
    const value = config[field];
    if (!Number.isSafeInteger(value) || value < 0) problems.push(`${field} must be a whole number of at least 0, got ${value}`);
  }
  if (config.electionTimeoutTicksMax < config.electionTimeoutTicksMin) {
    problems.push(
      `electionTimeoutTicksMax (${config.electionTimeoutTicksMax}) is below electionTimeoutTicksMin (${config.electionTimeoutTicksMin}): raise the maximum to at least the minimum`,
    );
  }
  if (config.electionTimeoutTicksMin < 2 * config.heartbeatIntervalTicks + 1) {
    problems.push(
      `electionTimeoutTicksMin (${config.electionTimeoutTicksMin}) must be at least 2 × heartbeatIntervalTicks + 1 (${2 * config.heartbeatIntervalTicks + 1}), or one lost heartbeat starts an election: raise it or lower heartbeatIntervalTicks`,
    );
  }
  if (config.inflightBytesMax < config.appendBytesMax) {
    problems.push(`inflightBytesMax (${config.inflightBytesMax}) is below appendBytesMax (${config.appendBytesMax}): one full append would never fit; raise inflightBytesMax`);
  }
  if (config.uncommittedBytesMax < config.proposalBytesMax) {
    problems.push(`uncommittedBytesMax (${config.uncommittedBytesMax}) is below proposalBytesMax (${config.proposalBytesMax}): a largest proposal could never be accepted; raise uncommittedBytesMax`);
  }
  if (config.snapshotBytesMax < config.snapshotChunkBytes) {
    problems.push(`snapshotBytesMax (${config.snapshotBytesMax}) is below snapshotChunkBytes (${config.snapshotChunkBytes}): raise snapshotBytesMax`);
  }
  return problems;
}

/** Throws EDGE_RAFT_CONFIG_INVALID listing every problem; returns the config when valid. */
export function validateConfig(config: RaftConfig): RaftConfig {
  const problems = configProblems(config);
  if (problems.length > 0) {
    throw new RaftError('EDGE_RAFT_CONFIG_INVALID', `invalid Raft config: ${problems.join('; ')}`);
  }
  return config;
}
