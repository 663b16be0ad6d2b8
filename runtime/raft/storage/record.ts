// The frame around every record in a log segment, and the reader that tells a
// whole record from a damaged one. Pure: bytes in, results out.
//
//   offset  size  field
//   0       4     payloadBytes, u32 little-endian: the type byte plus the body
//   4       4     crc32 (IEEE, zlib's) of bytes 0..3 then of the payload
//   8       1     record type
//   9       n     body (payloadBytes - 1 bytes)
//
// The CRC covers the length field too, so a flipped length is caught rather
// than sending the reader to a random offset.
import { lazyBuiltin } from '../../common/builtin.js';

const zlib = lazyBuiltin<typeof import('node:zlib')>('node:zlib');
const crc32: typeof import('node:zlib').crc32 = (data, value) => zlib().crc32(data, value);

export const recordHeaderBytes = 8;

/** A record's bytes with a DataView over them; fill the body, then seal(). */
export interface RecordDraft {
  bytes: Uint8Array;
  view: DataView;
  /** Where the body starts within `bytes`. */
  bodyOffset: number;
}

export function draftRecord(type: number, bodyBytes: number): RecordDraft {
  const bytes = new Uint8Array(recordHeaderBytes + 1 + bodyBytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(0, 1 + bodyBytes, true);
  bytes[recordHeaderBytes] = type;
  return { bytes, view, bodyOffset: recordHeaderBytes + 1 };
}

export function sealRecord(draft: RecordDraft): Uint8Array {
  const { bytes, view } = draft;
  view.setUint32(4, recordChecksum(bytes, 0, bytes.byteLength - recordHeaderBytes), true);
  return bytes;
}

function recordChecksum(bytes: Uint8Array, offset: number, payloadBytes: number): number {
  const lengthField = bytes.subarray(offset, offset + 4);
  const payload = bytes.subarray(offset + recordHeaderBytes, offset + recordHeaderBytes + payloadBytes);
  return crc32(payload, crc32(lengthField));
}

export function writeU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value >>> 0, true);
  view.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true);
}

/** NaN when the stored value is beyond Number.MAX_SAFE_INTEGER (it was never written by us). */
export function readU64(view: DataView, offset: number): number {
  const high = view.getUint32(offset + 4, true);
  if (high > 0x1f_ffff) return Number.NaN;
  return high * 0x1_0000_0000 + view.getUint32(offset, true);
}

export type RecordRead =
  | { kind: 'record'; type: number; body: Uint8Array; endOffset: number }
  | { kind: 'end' }
  | {
      kind: 'invalid';
      reason: string;
      /**
       * The damage is what a crash leaves (a torn tail) if every byte from
       * here to the end of the file is zero; null when no crash can produce
       * it (a length no writer of ours would have started to write).
       */
      tornIfZeroFrom: number | null;
    };

function allZero(bytes: Uint8Array, fromOffset: number): boolean {
  for (let i = fromOffset; i < bytes.byteLength; i += 1) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * Reads the record at `offset`. A crash tears the last write into a prefix of
 * what was written, possibly followed by zeros (the file grew but the data
 * did not land). Such a prefix either ends inside the record, or, written in
 * little-endian order, has a length field at most the true length.
 */
export function readRecord(bytes: Uint8Array, offset: number, recordBytesMax: number): RecordRead {
  const fileEnd = bytes.byteLength;
  if (offset === fileEnd) return { kind: 'end' };
  if (fileEnd - offset < recordHeaderBytes) {
    return { kind: 'invalid', reason: 'the file ends inside a record header', tornIfZeroFrom: fileEnd };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, recordHeaderBytes);
  const payloadBytes = view.getUint32(0, true);
  if (payloadBytes === 0) {
    return { kind: 'invalid', reason: 'a record header is zero', tornIfZeroFrom: offset };
  }
  if (recordHeaderBytes + payloadBytes > recordBytesMax) {
    const reason = `a record claims ${recordHeaderBytes + payloadBytes} bytes, over recordBytesMax (${recordBytesMax})`;
    return { kind: 'invalid', reason, tornIfZeroFrom: null };
  }
  const endOffset = offset + recordHeaderBytes + payloadBytes;
  if (endOffset > fileEnd) {
    return { kind: 'invalid', reason: `the file ends inside a ${payloadBytes}-byte record`, tornIfZeroFrom: fileEnd };
  }
  if (view.getUint32(4, true) !== recordChecksum(bytes, offset, payloadBytes)) {
    return { kind: 'invalid', reason: 'a record fails its CRC', tornIfZeroFrom: endOffset };
  }
  const type = bytes[offset + recordHeaderBytes]!;
  return { kind: 'record', type, body: bytes.subarray(offset + recordHeaderBytes + 1, endOffset), endOffset };
}

export interface TailCheck {
  recordBytesMax: number;
  /** Whether a record type and payload size could be one of ours; screens candidates before a CRC. */
  plausible(type: number, payloadBytes: number): boolean;
  /** CRC work allowed while searching for a valid record past the damage. */
  searchBytesMax: number;
}

/**
 * Whether some whole, CRC-valid record starts after `offset`. Finding one
 * means the damage at `offset` is followed by real data: corruption, never a
 * tear (a tear leaves a prefix of what was written, and nothing after it).
 * Returns true, to err on the side of stopping, when the search runs out of
 * budget.
 */
function validRecordFollows(bytes: Uint8Array, offset: number, check: TailCheck): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let budgetBytes = check.searchBytesMax;
  for (let start = offset + 1; start + recordHeaderBytes < bytes.byteLength; start += 1) {
    const payloadBytes = view.getUint32(start, true);
    const endOffset = start + recordHeaderBytes + payloadBytes;
    if (payloadBytes === 0 || endOffset > bytes.byteLength || recordHeaderBytes + payloadBytes > check.recordBytesMax) continue;
    if (!check.plausible(bytes[start + recordHeaderBytes]!, payloadBytes)) continue;
    budgetBytes -= payloadBytes;
    if (budgetBytes < 0) return true;
    if (view.getUint32(start + 4, true) === recordChecksum(bytes, start, payloadBytes)) return true;
  }
  return false;
}

/**
 * True when the damage reported by readRecord is a torn tail: what a crash
 * during the last write leaves. Only zeros, or nothing, may follow the
 * damaged record, and no valid record may hide past a damaged length field.
 */
export function isTornTail(bytes: Uint8Array, offset: number, read: Extract<RecordRead, { kind: 'invalid' }>, check: TailCheck): boolean {
  if (read.tornIfZeroFrom === null || !allZero(bytes, read.tornIfZeroFrom)) return false;
  return !validRecordFollows(bytes, offset, check);
}
