// The safety properties of Raft, checked as the simulation runs:
//   election safety     at most one leader per term
//   log matching        an (index, term) pair names one entry and one prefix
//   leader completeness a leader holds every entry committed before its term
//   state machine safety every replica applies the same command at an index,
//                        and reaches the same state there
//   durability          what a node applied survives its crash
//   persist before send  a message never promises what the sender's disk
//                        does not hold yet (term, vote, acknowledged entries)
// Each check looks only at what just changed, so checking after every event
// stays cheap.
import type { Entry, NodeId, RecoveredState, Snapshot } from '../../../runtime/raft/types.js';
import { MessageType, type Message, type Ready } from '../../../runtime/raft/core/index.js';
import type { DurableView } from './disk.js';

/** What the checker reads from a core (RaftCore has all of it; tests pass fakes). */
export interface CoreView {
  readonly role: string;
  readonly term: number;
  readonly commitIndex: number;
  entryAt(index: number): Entry | undefined;
  entryTerm(index: number): number | undefined;
  status(): { firstIndex: number };
}

export class Invariants {
  readonly violations: string[] = [];
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** `${index}:${term}` → the entry's data and the term of the entry before it. */
  private readonly identity = new Map<string, { data: Uint8Array; prevTerm: number | undefined }>();
  private readonly committed = new Map<number, { term: number; data: Uint8Array }>();
  private readonly stateAt = new Map<number, string>();
  private readonly commitSeen = new Map<NodeId, number>();
  private readonly roleSeen = new Map<NodeId, string>();
  /** Checks run, for the summary. */
  checks = 0;
  maxCommitted = 0;
  snapshotsInstalled = 0;

  constructor(private readonly now: () => number) {}

  private fail(message: string): void {
    this.violations.push(`t=${this.now()}ms ${message}`);
  }

  /** After any event on a node: roles, terms and commit. */
  afterStep(id: NodeId, core: CoreView): void {
    this.checks += 1;
    const role = core.role;
    const term = core.term;
    const roleKey = `${role}@${term}`;
    if (role === 'leader') {
      const known = this.leaderOfTerm.get(term);
      if (known !== undefined && known !== id) this.fail(`election safety: nodes ${known} and ${id} both lead term ${term}`);
      this.leaderOfTerm.set(term, id);
      if (this.roleSeen.get(id) !== roleKey) this.checkLeaderCompleteness(id, core);
    }
    this.roleSeen.set(id, roleKey);
    const commit = core.commitIndex;
    const seen = this.commitSeen.get(id) ?? 0;
    if (commit > seen) {
      for (let index = seen + 1; index <= commit; index += 1) {
        const entry = core.entryAt(index);
        if (entry !== undefined) this.registerCommitted(id, entry);
      }
      this.commitSeen.set(id, commit);
    }
  }

  private registerCommitted(id: NodeId, entry: Entry): void {
    const known = this.committed.get(entry.index);
    if (known === undefined) {
      this.committed.set(entry.index, { term: entry.term, data: entry.data });
      if (entry.index > this.maxCommitted) this.maxCommitted = entry.index;
    } else if (known.term !== entry.term || !sameBytes(known.data, entry.data)) {
      this.fail(`state machine safety: node ${id} committed ${entry.index}@${entry.term} but ${entry.index}@${known.term} was committed before`);
    }
  }

  private checkLeaderCompleteness(id: NodeId, core: CoreView): void {
    const firstIndex = core.status().firstIndex;
    for (const [index, { term }] of this.committed) {
      const ours = core.entryTerm(index);
      // Below the node's first index the entry is inside its snapshot.
      if (ours === undefined && index < firstIndex) continue;
      if (ours !== term) {
        this.fail(`leader completeness: node ${id} leads term ${core.term} without committed entry ${index}@${term} (has ${ours ?? 'nothing'})`);
        return;
      }
    }
  }

  /** A Ready's entries are about to be stored: check log matching. */
  onReady(id: NodeId, core: CoreView, ready: Pick<Ready, 'entries' | 'snapshot'>): void {
    let prevTerm = ready.entries.length > 0 ? core.entryTerm(ready.entries[0]!.index - 1) : undefined;
    for (const entry of ready.entries) {
      if (prevTerm !== undefined && entry.term < prevTerm) this.fail(`log order: node ${id} entry ${entry.index}@${entry.term} follows term ${prevTerm}`);
      const key = `${entry.index}:${entry.term}`;
      const known = this.identity.get(key);
      if (known === undefined) {
        this.identity.set(key, { data: entry.data, prevTerm });
      } else {
        if (!sameBytes(known.data, entry.data)) this.fail(`log matching: node ${id} holds a different entry at ${key}`);
        if (known.prevTerm !== undefined && prevTerm !== undefined && known.prevTerm !== prevTerm) {
          this.fail(`log matching: node ${id} has ${key} after term ${prevTerm}, another node after term ${known.prevTerm}`);
        }
      }
      prevTerm = entry.term;
    }
    if (ready.snapshot !== null) this.checkSnapshot(id, ready.snapshot);
  }

  private checkSnapshot(id: NodeId, snapshot: Snapshot): void {
    const known = this.committed.get(snapshot.meta.index);
    if (known !== undefined && known.term !== snapshot.meta.term) {
      this.fail(`snapshot: node ${id} got snapshot ${snapshot.meta.index}@${snapshot.meta.term} but ${snapshot.meta.index}@${known.term} was committed`);
    }
  }

  /** A node applied `entry`; `fingerprint` is its whole state afterwards. */
  onApply(id: NodeId, entry: Entry, fingerprint: string): void {
    const known = this.committed.get(entry.index);
    if (known === undefined) this.fail(`apply: node ${id} applied ${entry.index}@${entry.term} that nobody saw committed`);
    else if (known.term !== entry.term || !sameBytes(known.data, entry.data)) {
      this.fail(`state machine safety: node ${id} applied ${entry.index}@${entry.term}, the committed entry there is ${entry.index}@${known.term}`);
    }
    this.checkState(id, entry.index, fingerprint);
  }

  /** A node restored its state machine from a snapshot. */
  onSnapshotApplied(id: NodeId, snapshot: Snapshot, fingerprint: string): void {
    this.snapshotsInstalled += 1;
    this.checkSnapshot(id, snapshot);
    this.checkState(id, snapshot.meta.index, fingerprint);
  }

  private checkState(id: NodeId, index: number, fingerprint: string): void {
    const known = this.stateAt.get(index);
    if (known === undefined) this.stateAt.set(index, fingerprint);
    else if (known !== fingerprint) this.fail(`state machine safety: node ${id} state after ${index} is ${fingerprint}, others had ${known}`);
  }

  /**
   * A message leaves node `id`; `durable` is what its disk holds for sure.
   * Checks the Ready contract: what a message implies was persisted first.
   */
  onSend(id: NodeId, message: Message, durable: DurableView): void {
    const futureTerm = message.type === MessageType.PreVote || (message.type === MessageType.PreVoteResponse && message.granted);
    if (!futureTerm && durable.hardState.term < message.term) {
      this.fail(`persist before send: node ${id} sent a term-${message.term} message with term ${durable.hardState.term} on disk`);
      return;
    }
    if (message.type === MessageType.VoteResponse && message.granted && durable.hardState.term === message.term && durable.hardState.vote !== message.to) {
      this.fail(`persist before send: node ${id} granted its term-${message.term} vote to ${message.to} but its disk says ${durable.hardState.vote}`);
    }
    // An acknowledgement in the node's current durable term promises the entries are on disk. (After a
    // newer leader truncated them the old-term ack is harmless: that leader's election accounted for it.)
    if (message.type === MessageType.AppendResponse && !message.reject && durable.hardState.term === message.term) {
      const covered = message.index <= durable.snapshotIndex || message.index <= durable.lastIndex;
      if (!covered) this.fail(`persist before send: node ${id} acknowledged entry ${message.index} with its disk ending at ${durable.lastIndex}`);
    }
  }

  /** A node restarts from its disk; before the crash it had applied through `appliedBefore`. */
  onRecover(id: NodeId, recovered: RecoveredState, appliedBefore: number): void {
    const snapshotIndex = recovered.snapshot?.meta.index ?? 0;
    const lastIndex = snapshotIndex + recovered.entries.length;
    if (lastIndex < appliedBefore) {
      this.fail(`durability: node ${id} applied through ${appliedBefore} but its disk ends at ${lastIndex} after the crash`);
    }
    for (const entry of recovered.entries) {
      if (entry.index > appliedBefore) break;
      const known = this.committed.get(entry.index);
      if (known !== undefined && known.term !== entry.term) {
        this.fail(`durability: node ${id} recovered ${entry.index}@${entry.term} where committed ${entry.index}@${known.term} had been applied`);
      }
    }
    this.commitSeen.set(id, Math.min(this.commitSeen.get(id) ?? 0, recovered.hardState.commit));
    this.roleSeen.delete(id);
  }

  committedTermAt(index: number): number | undefined {
    return this.committed.get(index)?.term;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}
