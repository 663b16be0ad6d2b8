/**
 * Ready: everything the core wants done, in the order it must be done.
 *
 *   1. Persist: `snapshot` (save it; see below), then `entries` (append,
 *      replacing any stored suffix from the first entry's index on), then
 *      `hardState`. If `mustSync`, make all of it durable (fsync) before
 *      going on.
 *   2. Send `messages`. They may promise what step 1 wrote (a vote, an
 *      acknowledged entry), which is why sending comes after the sync.
 *   3. Apply: restore the state machine from `snapshot` if there is one, then
 *      apply `committedEntries` in order (ConfChange entries included: the
 *      core already acted on them; the store may record them). Serve each
 *      `readStates` read once everything through its index is applied.
 *   4. Call `advance(ready)`.
 *
 * The caller may keep calling step()/tick()/propose() while doing 1–3; what
 * those produce waits for the next Ready. It must not call ready() again
 * before advance().
 *
 * A snapshot in a Ready comes from the leader and replaces the whole log: the
 * storage drops every entry it covers and, when its entry at the snapshot's
 * index is missing or of another term, every entry after it too.
 */
import type { Entry, HardState, NodeId, Snapshot } from '../types.js';
import type { Message } from './messages.js';
import type { Role } from './raft.js';
import type { ReadState } from './readindex.js';

export interface SoftState {
  leader: NodeId;
  role: Role;
}

export interface Ready {
  /** Who leads and what we are, when that changed since the last Ready; not persisted. */
  softState: SoftState | null;
  /** Null when unchanged since the last Ready. */
  hardState: HardState | null;
  snapshot: Snapshot | null;
  entries: Entry[];
  /** True when step 1 wrote something that must be durable before step 2 (entries, snapshot, term or vote). */
  mustSync: boolean;
  messages: Message[];
  committedEntries: Entry[];
  readStates: ReadState[];
}

export function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
