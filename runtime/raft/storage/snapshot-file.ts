// One snapshot on disk. Written under a temporary name, fsynced, renamed into
// place and the directory fsynced, so a crash leaves either no snapshot file
// or a whole one (plus, at worst, a .tmp that recovery removes).
//
//   offset  size  field
//   0       8     magic "EDGESNAP"
//   8       4     u32 formatVersion
//   12      4     u32 metaBytes
//   16      8     u64 dataBytes
//   24      m     meta: u64 index, u64 term, u32 voter count, u64 per voter,
//                 u32 learner count, u64 per learner
//   24+m    d     data (the state machine's bytes, opaque here)
//   24+m+d  4     u32 crc32 of every byte before it
import { join } from 'node:path';
import { lazyBuiltin } from '../../common/builtin.js';

const zlib = lazyBuiltin<typeof import('node:zlib')>('node:zlib');
const crc32: typeof import('node:zlib').crc32 = (data, value) => zlib().crc32(data, value);
import type { Snapshot, SnapshotMeta } from '../types.js';
import { SnapshotCorruptError, StorageFormatError } from './errors.js';
import { snapshotFileName, temporarySuffix } from './file-names.js';
import type { InstrumentedFileSystem } from './instrumented-file-system.js';
import { readU64, writeU64 } from './record.js';

const magic = new TextEncoder().encode('EDGESNAP');
const snapshotFormatVersion = 1;
const fixedHeaderBytes = 24;
const trailerBytes = 4;

function metaBytes(meta: SnapshotMeta): number {
  return 16 + 4 + 8 * meta.conf.voters.length + 4 + 8 * meta.conf.learners.length;
}

/** Everything before the data: fixed header and meta. */
function encodeHead(snapshot: Snapshot): Uint8Array {
  const { meta } = snapshot;
  const head = new Uint8Array(fixedHeaderBytes + metaBytes(meta));
  const view = new DataView(head.buffer);
  head.set(magic, 0);
  view.setUint32(8, snapshotFormatVersion, true);
  view.setUint32(12, metaBytes(meta), true);
  writeU64(view, 16, snapshot.data.byteLength);
  let at = fixedHeaderBytes;
  writeU64(view, at, meta.index);
  writeU64(view, at + 8, meta.term);
  at += 16;
  for (const ids of [meta.conf.voters, meta.conf.learners]) {
    view.setUint32(at, ids.length, true);
    at += 4;
    for (const id of ids) {
      writeU64(view, at, id);
      at += 8;
    }
  }
  return head;
}

function decodeMeta(view: DataView, offset: number, length: number): SnapshotMeta | null {
  let at = offset;
  const end = offset + length;
  const index = readU64(view, at);
  const term = readU64(view, at + 8);
  at += 16;
  const lists: number[][] = [];
  for (let list = 0; list < 2; list += 1) {
    if (at + 4 > end) return null;
    const count = view.getUint32(at, true);
    at += 4;
    if (at + 8 * count > end) return null;
    const ids: number[] = [];
    for (let i = 0; i < count; i += 1, at += 8) ids.push(readU64(view, at));
    lists.push(ids);
  }
  const [voters, learners] = lists;
  const values = [index, term, ...(voters ?? []), ...(learners ?? [])];
  if (at !== end || !voters || !learners || values.some((value) => Number.isNaN(value))) return null;
  return { index, term, conf: { voters, learners } };
}

/** Parses a snapshot file's bytes; throws SnapshotCorruptError naming `path`. */
export function decodeSnapshotFile(path: string, bytes: Uint8Array): Snapshot {
  const corrupt = (reason: string): never => {
    throw new SnapshotCorruptError(path, reason);
  };
  if (bytes.byteLength < fixedHeaderBytes + trailerBytes) corrupt(`only ${bytes.byteLength} bytes`);
  if (!magic.every((byte, i) => bytes[i] === byte)) corrupt('not a snapshot file (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const checksumOffset = bytes.byteLength - trailerBytes;
  if (view.getUint32(checksumOffset, true) !== crc32(bytes.subarray(0, checksumOffset))) corrupt('checksum mismatch');
  const formatVersion = view.getUint32(8, true);
  if (formatVersion !== snapshotFormatVersion) throw new StorageFormatError(path, formatVersion, snapshotFormatVersion);
  const metaLength = view.getUint32(12, true);
  const dataBytes = readU64(view, 16);
  if (fixedHeaderBytes + metaLength + dataBytes !== checksumOffset) corrupt('section lengths do not add up to the file size');
  const meta = decodeMeta(view, fixedHeaderBytes, metaLength) ?? corrupt('malformed metadata');
  return { meta, data: bytes.slice(fixedHeaderBytes + metaLength, checksumOffset) };
}

/** Writes the snapshot durably and returns its file name. */
export async function writeSnapshotFile(fileSystem: InstrumentedFileSystem, dir: string, snapshot: Snapshot): Promise<string> {
  const name = snapshotFileName(snapshot.meta.index, snapshot.meta.term);
  const finalPath = join(dir, name);
  const temporaryPath = finalPath + temporarySuffix;
  const head = encodeHead(snapshot);
  const trailer = new Uint8Array(trailerBytes);
  new DataView(trailer.buffer).setUint32(0, crc32(snapshot.data, crc32(head)), true);
  await fileSystem.remove(temporaryPath);
  const file = await fileSystem.create(temporaryPath);
  try {
    // Three writes rather than one concatenation: the data may be many MiB.
    await file.writeFully(head, 0);
    await file.writeFully(snapshot.data, head.byteLength);
    await file.writeFully(trailer, head.byteLength + snapshot.data.byteLength);
    await file.sync();
  } finally {
    await file.close();
  }
  await fileSystem.rename(temporaryPath, finalPath);
  await fileSystem.syncDirectory(dir);
  return name;
}

/** Reads a snapshot file, refusing one larger than the limit before reading it. */
export async function readSnapshotFile(
  fileSystem: InstrumentedFileSystem,
  path: string,
  snapshotBytesMax: number,
): Promise<Snapshot> {
  const fileBytes = await fileSystem.fileBytes(path);
  // Metadata is small; the allowance covers a membership of thousands of nodes.
  const overheadBytesMax = 64 * 1024;
  if (fileBytes > snapshotBytesMax + overheadBytesMax) {
    throw new SnapshotCorruptError(path, `${fileBytes} bytes, over snapshotBytesMax (${snapshotBytesMax})`);
  }
  return decodeSnapshotFile(path, await fileSystem.readFile(path));
}
