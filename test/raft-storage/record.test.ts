// The record frame and bodies, fed as bytes: layout as the README documents
// it, and every way the reader classifies damage.
import { crc32 } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSegmentFileName, parseSnapshotFileName, segmentFileName, snapshotFileName } from '../../runtime/raft/storage/file-names.js';
import { decodeLogRecord, encodeEntry, encodeHardState, plausibleRecord, RecordType } from '../../runtime/raft/storage/log-record.js';
import { isTornTail, readRecord, type RecordRead } from '../../runtime/raft/storage/record.js';
import { EntryType } from '../../runtime/raft/types.js';

const hex = (text: string) => Uint8Array.from(text.replace(/\s+/g, '').match(/../g)!.map((pair) => Number.parseInt(pair, 16)));
const check = { recordBytesMax: 1024, plausible: plausibleRecord, searchBytesMax: 1 << 20 };
const invalid = (read: RecordRead) => {
  assert.is(read.kind, 'invalid');
  return read as Extract<RecordRead, { kind: 'invalid' }>;
};

test('a hard state record is laid out as documented', () => {
  // Proves the on-disk layout: u32 length, u32 CRC of length field then payload, type byte, body.
  const payload = hex('03 0100000000000000 0200000000000000 0300000000000000');
  const lengthField = hex('19000000');
  const checksum = crc32(payload, crc32(lengthField));
  const expected = new Uint8Array(8 + payload.byteLength);
  expected.set(lengthField, 0);
  new DataView(expected.buffer).setUint32(4, checksum, true);
  expected.set(payload, 8);
  assert.equal([...encodeHardState({ term: 1, vote: 2, commit: 3 })], [...expected]);
});

test('an entry record round-trips, large indexes included', () => {
  // Proves u64 fields hold any safe integer and the data is copied out intact.
  const original = { index: 2 ** 40 + 7, term: 2 ** 33, type: EntryType.ConfChange, data: hex('deadbeef00') };
  const bytes = encodeEntry(original);
  assert.is(bytes.byteLength, 26 + 5);
  const read = readRecord(bytes, 0, 1024);
  assert.is(read.kind, 'record');
  const { type, body } = read as Extract<RecordRead, { kind: 'record' }>;
  assert.equal(decodeLogRecord(type, body), { kind: 'entry', entry: original });
});

test('the reader tells the end of the file, a short header, a zero header, a huge length and a bad CRC apart', () => {
  // Proves each damage class and where a torn tail would have to be zero from.
  const record = encodeHardState({ term: 4, vote: 0, commit: 9 });
  assert.equal(readRecord(record, record.byteLength, 1024), { kind: 'end' });
  assert.is(invalid(readRecord(record.subarray(0, 5), 0, 1024)).tornIfZeroFrom, 5);
  assert.is(invalid(readRecord(new Uint8Array(40), 0, 1024)).tornIfZeroFrom, 0);
  const huge = record.slice();
  new DataView(huge.buffer).setUint32(0, 5000, true);
  assert.is(invalid(readRecord(huge, 0, 1024)).tornIfZeroFrom, null);
  const flipped = record.slice();
  flipped[20]! ^= 1;
  assert.is(invalid(readRecord(flipped, 0, 1024)).tornIfZeroFrom, record.byteLength);
  assert.is(invalid(readRecord(record.subarray(0, record.byteLength - 1), 0, 1024)).reason, 'the file ends inside a 25-byte record');
});

test('a damaged record is a torn tail only when zeros or nothing follow it', () => {
  // Proves the torn-tail rule, including a valid record hidden past a length that points beyond the file.
  const first = encodeHardState({ term: 1, vote: 1, commit: 1 });
  const second = encodeHardState({ term: 2, vote: 1, commit: 1 });
  const file = new Uint8Array(first.byteLength + second.byteLength + 16);
  file.set(first, 0);
  file.set(second, first.byteLength);
  file[10]! ^= 0x40;
  assert.not.ok(isTornTail(file, 0, invalid(readRecord(file, 0, 1024)), check), 'bad CRC with a record after it');
  const last = file.slice();
  last.fill(0, first.byteLength);
  assert.ok(isTornTail(last, 0, invalid(readRecord(last, 0, 1024)), check), 'bad CRC with zeros after it');
  const longer = first.slice();
  const withNext = new Uint8Array(first.byteLength + second.byteLength);
  withNext.set(longer, 0);
  withNext.set(second, first.byteLength);
  new DataView(withNext.buffer).setUint32(0, 900, true); // points past the end of the file
  assert.not.ok(isTornTail(withNext, 0, invalid(readRecord(withNext, 0, 1024)), check), 'length past the end with a record after it');
  assert.ok(isTornTail(withNext.subarray(0, 30), 0, invalid(readRecord(withNext.subarray(0, 30), 0, 1024)), check), 'a cut record');
});

test('well-framed records that make no sense are reported, not decoded', () => {
  // Proves the body decoder rejects unknown types, wrong sizes and impossible values.
  const u64 = (value: bigint) => {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, value, true);
    return bytes;
  };
  const join = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
  assert.type(decodeLogRecord(99, new Uint8Array(4)), 'string');
  assert.type(decodeLogRecord(RecordType.HardState, new Uint8Array(23)), 'string');
  assert.type(decodeLogRecord(RecordType.Entry, join(u64(0n), u64(1n), hex('00'))), 'string');
  assert.type(decodeLogRecord(RecordType.Entry, join(u64(1n), u64(1n), hex('07'))), 'string');
  assert.type(decodeLogRecord(RecordType.Entry, join(u64(2n ** 60n), u64(1n), hex('00'))), 'string');
  assert.type(decodeLogRecord(RecordType.SnapshotMarker, join(u64(5n), u64(1n), hex('02'))), 'string');
  assert.equal(decodeLogRecord(RecordType.SnapshotMarker, join(u64(5n), u64(1n), hex('00'))), { kind: 'snapshot-marker', index: 5, term: 1, keepsLog: false });
});

test('file names sort by sequence and index and reject anything else', () => {
  // Proves names round-trip and that stray files are not mistaken for log or snapshot files.
  assert.equal(parseSegmentFileName(segmentFileName(12, 3456)), { sequence: 12, firstIndex: 3456 });
  assert.equal(parseSnapshotFileName(snapshotFileName(99, 4)), { index: 99, term: 4 });
  assert.ok(segmentFileName(2, 1) < segmentFileName(10, 1));
  for (const name of ['seg-1-1.wal', 'seg-0000000000000000-0000000000000001.wal', 'snap-0000000000000001-0000000000000001.snap.tmp', 'notes.txt']) {
    assert.is(parseSegmentFileName(name) ?? parseSnapshotFileName(name), null, name);
  }
});

test.run();
