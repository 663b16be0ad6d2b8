// The data Raft persists and exchanges, shared by the pure core (core/) and
// the durable storage (storage/). Nothing here does I/O.
//
// Invariants every user may rely on:
// - indexes and terms are non-negative safe integers; index 0 / term 0 mean "none".
// - a node id is a positive safe integer and is never reused in a cluster.

export type NodeId = number;

/** The state that must reach the disk before any message that depends on it is sent. */
export interface HardState {
  term: number;
  /** The candidate voted for in `term`, 0 for none. */
  vote: NodeId;
  /** Highest index known committed (persisting it is an optimisation, not a safety need). */
  commit: number;
}

export const EntryType = {
  /** An application command (or an empty no-op a new leader appends). */
  Normal: 0,
  /** A membership change; its data is decoded by the core. */
  ConfChange: 1,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  index: number;
  term: number;
  type: EntryType;
  data: Uint8Array;
}

/** Who votes and who only follows, as of a snapshot or an applied conf change. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMeta {
  /** Last log index the snapshot covers. */
  index: number;
  /** Term of the entry at `index`. */
  term: number;
  conf: ConfState;
}

export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

/** What the disk held when the node started. */
export interface RecoveredState {
  hardState: HardState;
  snapshot: Snapshot | null;
  /** Entries after the snapshot, contiguous, in index order. */
  entries: Entry[];
}

/**
 * Durable storage as the driver uses it. Writes are buffered and made durable
 * together by `sync()` (group commit: many proposals, one fsync). The driver
 * calls `sync()` and awaits it before sending the messages of the same Ready.
 */
export interface DurableStorage {
  /** Reads everything back after a start or a crash; truncates a torn tail. */
  recover(): Promise<RecoveredState>;
  /**
   * Buffers entries for the log. If the first entry's index is at or below the
   * last stored index, the stored suffix from that index on is replaced
   * (a follower overwriting a conflicting tail).
   */
  append(entries: readonly Entry[]): void;
  /** Buffers a new hard state. */
  setHardState(hardState: HardState): void;
  /** Makes everything buffered durable with as few fsyncs as possible. */
  sync(): Promise<void>;
  /** Writes a snapshot (temp file, fsync, rename) and drops log entries it covers. */
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  /** Counters for the benchmarks: bytes handed to the OS and fsync calls. */
  readonly stats: { bytesWritten: number; fsyncs: number };
  close(): Promise<void>;
}
