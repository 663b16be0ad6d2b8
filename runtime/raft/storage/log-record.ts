// What the records inside a log segment mean, and their bodies. Pure.
//
//   type  record           body (integers little-endian; u64 = a safe integer)
//   1     segment start    u32 formatVersion, u64 sequence (must match the file name)
//   2     entry            u64 index, u64 term, u8 entryType, data (rest of the body)
//   3     hard state       u64 term, u64 vote, u64 commit
//   4     snapshot marker  u64 index, u64 term, u8 keepsLog (1: entries after index stay;
//                          0: the log was replaced by the snapshot, every earlier entry is void)
//
// Replay rule: an entry record whose index is at or below the last replayed
// index replaces the suffix from that index (a follower overwriting a
// conflicting tail), exactly as append() does in memory.
import { EntryType, type Entry, type HardState } from '../types.js';
import { draftRecord, readU64, recordHeaderBytes, sealRecord, writeU64 } from './record.js';

export const logFormatVersion = 1;

export const RecordType = { SegmentStart: 1, Entry: 2, HardState: 3, SnapshotMarker: 4 } as const;

export type LogRecord =
  | { kind: 'segment-start'; formatVersion: number; sequence: number }
  | { kind: 'entry'; entry: Entry }
  | { kind: 'hard-state'; hardState: HardState }
  | { kind: 'snapshot-marker'; index: number; term: number; keepsLog: boolean };

const segmentStartBodyBytes = 12;
const entryFixedBodyBytes = 17;
const hardStateBodyBytes = 24;
const snapshotMarkerBodyBytes = 17;

/** Bytes of the records every segment opens with: its start record and the hard state. */
export const segmentStartBytes = 2 * (recordHeaderBytes + 1) + segmentStartBodyBytes + hardStateBodyBytes;

/** Framing and fields an entry record adds to the entry's data: 26 bytes. */
export const entryRecordOverheadBytes = recordHeaderBytes + 1 + entryFixedBodyBytes;

export function encodeSegmentStart(sequence: number): Uint8Array {
  const draft = draftRecord(RecordType.SegmentStart, segmentStartBodyBytes);
  draft.view.setUint32(draft.bodyOffset, logFormatVersion, true);
  writeU64(draft.view, draft.bodyOffset + 4, sequence);
  return sealRecord(draft);
}

export function encodeEntry(entry: Entry): Uint8Array {
  const draft = draftRecord(RecordType.Entry, entryFixedBodyBytes + entry.data.byteLength);
  const at = draft.bodyOffset;
  writeU64(draft.view, at, entry.index);
  writeU64(draft.view, at + 8, entry.term);
  draft.view.setUint8(at + 16, entry.type);
  draft.bytes.set(entry.data, at + entryFixedBodyBytes);
  return sealRecord(draft);
}

export function encodeHardState(hardState: HardState): Uint8Array {
  const draft = draftRecord(RecordType.HardState, hardStateBodyBytes);
  writeU64(draft.view, draft.bodyOffset, hardState.term);
  writeU64(draft.view, draft.bodyOffset + 8, hardState.vote);
  writeU64(draft.view, draft.bodyOffset + 16, hardState.commit);
  return sealRecord(draft);
}

export function encodeSnapshotMarker(index: number, term: number, keepsLog: boolean): Uint8Array {
  const draft = draftRecord(RecordType.SnapshotMarker, snapshotMarkerBodyBytes);
  writeU64(draft.view, draft.bodyOffset, index);
  writeU64(draft.view, draft.bodyOffset + 8, term);
  draft.view.setUint8(draft.bodyOffset + 16, keepsLog ? 1 : 0);
  return sealRecord(draft);
}

/** Whether a type byte and payload size (type byte included) could frame one of our records. */
export function plausibleRecord(type: number, payloadBytes: number): boolean {
  switch (type) {
    case RecordType.SegmentStart:
      return payloadBytes === 1 + segmentStartBodyBytes;
    case RecordType.Entry:
      return payloadBytes >= 1 + entryFixedBodyBytes;
    case RecordType.HardState:
      return payloadBytes === 1 + hardStateBodyBytes;
    case RecordType.SnapshotMarker:
      return payloadBytes === 1 + snapshotMarkerBodyBytes;
    default:
      return false;
  }
}

function exactBytes(body: Uint8Array, bytes: number, what: string): string | null {
  return body.byteLength === bytes ? null : `a ${what} record has a ${body.byteLength}-byte body, expected ${bytes}`;
}

function readU64s(view: DataView, count: number): number[] | null {
  const values: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const value = readU64(view, i * 8);
    if (Number.isNaN(value)) return null;
    values.push(value);
  }
  return values;
}

/**
 * Decodes a record that passed its CRC. Returns a reason string when the
 * bytes are well framed but make no sense: corruption no torn write explains.
 */
export function decodeLogRecord(type: number, body: Uint8Array): LogRecord | string {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  switch (type) {
    case RecordType.SegmentStart: {
      const sizeProblem = exactBytes(body, segmentStartBodyBytes, 'segment start');
      if (sizeProblem) return sizeProblem;
      const sequence = readU64(view, 4);
      if (Number.isNaN(sequence)) return 'a segment start record has an out-of-range sequence';
      return { kind: 'segment-start', formatVersion: view.getUint32(0, true), sequence };
    }
    case RecordType.Entry: {
      if (body.byteLength < entryFixedBodyBytes) return `an entry record has a ${body.byteLength}-byte body`;
      const [index, term] = readU64s(view, 2) ?? [];
      const entryType = view.getUint8(16);
      if (index === undefined || term === undefined || index < 1 || term < 1) return 'an entry record has an invalid index or term';
      if (entryType !== EntryType.Normal && entryType !== EntryType.ConfChange) return `an entry record has unknown entry type ${entryType}`;
      // A copy, so returned entries do not pin the whole segment buffer in memory.
      const data = body.slice(entryFixedBodyBytes);
      return { kind: 'entry', entry: { index, term, type: entryType, data } };
    }
    case RecordType.HardState: {
      const [term, vote, commit] = (exactBytes(body, hardStateBodyBytes, 'hard state') === null && readU64s(view, 3)) || [];
      if (term === undefined || vote === undefined || commit === undefined) return 'a hard state record is malformed';
      return { kind: 'hard-state', hardState: { term, vote, commit } };
    }
    case RecordType.SnapshotMarker: {
      const [index, term] = (exactBytes(body, snapshotMarkerBodyBytes, 'snapshot marker') === null && readU64s(view, 2)) || [];
      const keepsLog = view.byteLength > 16 ? view.getUint8(16) : -1;
      if (index === undefined || term === undefined || index < 1 || (keepsLog !== 0 && keepsLog !== 1)) return 'a snapshot marker record is malformed';
      return { kind: 'snapshot-marker', index, term, keepsLog: keepsLog === 1 };
    }
    default:
      return `unknown record type ${type}`;
  }
}
