// Quorum-loss recovery (etcd's and swarmkit's "force new cluster"): rewrite
// one member's durable Raft state so that it is the only voter of a cluster
// that keeps everything its log holds.
//
// The operation works on the disk, with no core running: the driver stops,
// this runs, and the driver starts again from what it wrote, so a restart
// after it is the same as the start right after it.
//
// What it writes is one snapshot at index last+1 in term T+1 (last: the last
// entry this node holds; T: the highest term it has seen), plus a hard state
// in T+1 that commits it. The snapshot stands for a virtual entry at last+1:
// "every entry before this is committed, and the configuration is now this
// node alone" (etcd appends conf-change entries at the same place). Its data
// is the state machine after every stored entry, then the caller's own
// recovery entry (so the application can record what happened in the same
// atomic step). Because the log holds no entry at last+1, the storage treats
// the snapshot as replacing the log, so nothing older can take effect again.
//
// Entries this node holds but never learned were committed are kept and
// applied: one of them may have been committed by the lost majority, and this
// node is the only copy left. The term moves past every term this node has
// seen, so any message from the old configuration is from an older term.
//
// Crash safety comes from the storage's snapshot path: the snapshot file is
// durable (temp, fsync, rename) before its marker and the hard state are
// logged in one fsync. A crash before the rename leaves the old state (run it
// again); after it, recovery installs the snapshot even if the marker was
// lost, and the core starts in the single-voter configuration.
import { EdgeError } from '../common/errors.js';
import { applyConfChange, confChangeProblem, copyConf, decodeConfChange, emptyConf, type CoreConfState } from './core/index.js';
import type { StateMachine } from './node.js';
import { EntryType, type DurableStorage, type NodeId, type RecoveredState } from './types.js';

export interface ForceNewClusterOptions {
  /** Opened and not yet recovered; this operation recovers, writes and leaves it open. */
  storage: DurableStorage;
  /** This node's Raft id: the only voter afterwards. */
  self: NodeId;
  /** An empty state machine; it holds the recovered state afterwards. */
  stateMachine: StateMachine;
  /**
   * Data of a normal entry applied last, at the snapshot's index: how the
   * application records the recovery in its own state (e.g. "these managers
   * are gone"). It is given the previous configuration to decide what to write.
   */
  recoveryEntry?: (previous: CoreConfState) => Uint8Array;
  /** Sees what applying the recovery entry returned; throwing aborts the operation before anything is written. */
  checkRecoveryResult?: (result: unknown) => void;
}

export interface ForcedCluster {
  /** What the disk now holds; start the driver with it. */
  recovered: RecoveredState;
  /** The configuration the log held before. */
  previous: CoreConfState;
  /** Members of the previous configuration that are no longer members. */
  removed: NodeId[];
  /** Highest index this node knew committed before; entries after it up to `keptThrough` were kept without that knowledge. */
  knownCommitted: number;
  keptThrough: number;
  /** The result of applying the recovery entry, if one was given. */
  recoveryResult: unknown;
}

/** Why a forced new cluster cannot be made from this node's state. */
export class ForceNewClusterError extends EdgeError {}

export async function forceNewCluster(options: ForceNewClusterOptions): Promise<ForcedCluster> {
  const { storage, self, stateMachine } = options;
  const stored = await storage.recover();
  if (stored.snapshot === null && stored.entries.length === 0) {
    throw new ForceNewClusterError('EDGE_RAFT_FORCE_NO_STATE', 'this node holds no Raft log or snapshot, so there is no cluster state to start from: run it on a manager that was a member of the cluster');
  }
  let conf: CoreConfState = emptyConf();
  let lastIndex = 0;
  let highestTerm = stored.hardState.term;
  if (stored.snapshot) {
    stateMachine.restore(stored.snapshot.data, stored.snapshot.meta.index);
    conf = copyConf(stored.snapshot.meta.conf);
    lastIndex = stored.snapshot.meta.index;
    highestTerm = Math.max(highestTerm, stored.snapshot.meta.term);
  }
  for (const entry of stored.entries) {
    if (entry.type === EntryType.ConfChange) {
      // The same rule the core applies: an inapplicable change is a no-op.
      const change = decodeConfChange(entry.data);
      if (change !== null && confChangeProblem(conf, change) === null) conf = applyConfChange(conf, change);
    }
    stateMachine.apply(entry);
    lastIndex = entry.index;
    highestTerm = Math.max(highestTerm, entry.term);
  }
  if (!conf.voters.includes(self) && !conf.learners.includes(self)) {
    throw new ForceNewClusterError(
      'EDGE_RAFT_FORCE_NOT_MEMBER',
      `raft id ${self} is not a member of the configuration in its own log (voters ${conf.voters.join(', ') || 'none'}): its state is not the cluster's; run it on a manager that was still a member`,
    );
  }
  const index = lastIndex + 1;
  const term = highestTerm + 1;
  const recoveryResult = options.recoveryEntry
    ? stateMachine.apply({ index, term, type: EntryType.Normal, data: options.recoveryEntry(conf) })
    : undefined;
  options.checkRecoveryResult?.(recoveryResult);
  const members = [...conf.voters, ...conf.learners];
  const removed = members.filter((id) => id !== self);
  const snapshot = {
    meta: { index, term, conf: { voters: [self], learners: [], removed: [...new Set([...conf.removed, ...removed])] } },
    data: stateMachine.snapshot(),
  };
  const hardState = { term, vote: 0, commit: index };
  // Buffered first so that the snapshot's flush logs it right after the marker, under the same fsync.
  storage.setHardState(hardState);
  await storage.saveSnapshot(snapshot);
  return {
    recovered: { hardState, snapshot, entries: [] },
    previous: conf,
    removed,
    knownCommitted: stored.hardState.commit,
    keptThrough: lastIndex,
    recoveryResult,
  };
}
