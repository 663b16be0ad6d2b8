// Raft between managers: one event topic whose body is a Raft message. Only
// manager certificates may send it (the transport's policy). The schema bounds
// every field; raftMessageOf() then checks that the fields the message's type
// needs are present, so the core never sees a half-formed message.
import { defineTopic, definePart } from '../definitions.js';
import { array, bool, bytes, object, optional, uint, type Infer } from '../schema.js';

/** Largest entry payload carried in one append; the store's commands are far smaller. */
export const raftEntryBytesMax = 1024 * 1024;
/** Entries in one append (the core batches below this). */
export const raftEntriesMax = 4096;
const raftIds = array(uint(), { maxItems: 64 });

const entry = object({ index: uint(), term: uint(), type: uint({ max: 1 }), data: bytes({ maxBytes: raftEntryBytesMax }) });

export const raftMessageBody = object({
  type: uint({ max: 13 }),
  from: uint(),
  to: uint(),
  term: uint(),
  lastLogIndex: optional(uint()),
  lastLogTerm: optional(uint()),
  transfer: optional(bool()),
  granted: optional(bool()),
  prevLogIndex: optional(uint()),
  prevLogTerm: optional(uint()),
  entries: optional(array(entry, { maxItems: raftEntriesMax })),
  commit: optional(uint()),
  reject: optional(bool()),
  index: optional(uint()),
  hintIndex: optional(uint()),
  hintTerm: optional(uint()),
  round: optional(uint()),
  meta: optional(object({ index: uint(), term: uint(), conf: object({ voters: raftIds, learners: raftIds }) })),
  totalBytes: optional(uint()),
  offset: optional(uint()),
  data: optional(bytes({ maxBytes: 2 * 1024 * 1024 })),
  snapshotIndex: optional(uint()),
  nextOffset: optional(uint()),
  requestId: optional(uint()),
});
export type RaftMessageBody = Infer<typeof raftMessageBody>;

export const raftMessageTopic = defineTopic({ topic: 'raft.message', body: raftMessageBody });

export const raft = definePart({ owner: 'raft', topics: [raftMessageTopic] });
