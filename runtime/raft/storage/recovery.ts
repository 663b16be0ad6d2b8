// Reads a storage directory back after a start or a crash and leaves it ready
// for appends: temporary files removed, a torn tail cut off (and the cut
// fsynced, so a later write cannot land next to stale bytes), a missing
// snapshot marker logged, and whatever a durable snapshot covers removed.
//
// A torn tail is damage only the newest segment can have, with nothing but
// zeros (or nothing) after it; any other damage is corruption and stops
// recovery with a typed error naming the file and the byte offset.
import { dirname, join } from 'node:path';
import type { RecoveredState, Snapshot } from '../types.js';
import type { StorageConfig } from './config.js';
import { LogCorruptError, SnapshotMissingError, StorageFormatError } from './errors.js';
import { parseSegmentFileName, parseSnapshotFileName, temporarySuffix } from './file-names.js';
import type { InstrumentedFile, InstrumentedFileSystem } from './instrumented-file-system.js';
import { LogShape } from './log-shape.js';
import { decodeLogRecord, logFormatVersion, plausibleRecord, segmentStartBytes } from './log-record.js';
import { LogReplay, type ReplayResult } from './log-replay.js';
import { isTornTail, readRecord, type TailCheck } from './record.js';
import { SegmentWriter, type SegmentInfo } from './segment-writer.js';
import { readSnapshotFile } from './snapshot-file.js';

export interface Recovery {
  state: RecoveredState;
  writer: SegmentWriter;
  shape: LogShape;
}

interface Listing {
  segments: SegmentInfo[];
  snapshots: { name: string; index: number; term: number }[];
  temporary: string[];
}

interface ScannedSegment {
  info: SegmentInfo;
  path: string;
  validBytes: number;
  fileBytes: number;
}

interface ScannedLog {
  replay: LogReplay;
  segments: ScannedSegment[];
  voidBeforeSequence: number;
  markerSequence: number;
}

function listStorage(dir: string, names: readonly string[]): Listing {
  const listing: Listing = { segments: [], snapshots: [], temporary: [] };
  for (const name of names) {
    const segment = parseSegmentFileName(name);
    const snapshot = parseSnapshotFileName(name);
    if (name.endsWith(temporarySuffix)) listing.temporary.push(name);
    else if (segment) listing.segments.push({ sequence: segment.sequence, name, maxEntryIndex: 0 });
    else if (snapshot) listing.snapshots.push({ name, ...snapshot });
  }
  listing.segments.sort((a, b) => a.sequence - b.sequence);
  listing.snapshots.sort((a, b) => a.index - b.index || a.term - b.term);
  for (let i = 1; i < listing.segments.length; i += 1) {
    const [previous, current] = [listing.segments[i - 1]!, listing.segments[i]!];
    if (previous.sequence === current.sequence) {
      throw new LogCorruptError(join(dir, current.name), 0, `two segments have sequence ${current.sequence} (${previous.name})`);
    }
  }
  return listing;
}

/**
 * The run of consecutive sequences ending at the newest segment. Older
 * segments before a gap are removals a crash interrupted (removals are not
 * fsynced and may land in any order); the replay proves they held nothing
 * needed, or fails with entries missing.
 */
function splitLeftovers(segments: SegmentInfo[]): { kept: SegmentInfo[]; leftovers: SegmentInfo[] } {
  let start = segments.length - 1;
  while (start > 0 && segments[start - 1]!.sequence === segments[start]!.sequence - 1) start -= 1;
  return { kept: segments.slice(Math.max(start, 0)), leftovers: segments.slice(0, Math.max(start, 0)) };
}

function tailCheck(config: StorageConfig): TailCheck {
  // 64 MiB of CRC work is a fraction of a second on a Pi 4; only a pathological tail comes near it.
  return { recordBytesMax: config.recordBytesMax, plausible: plausibleRecord, searchBytesMax: 64 * 1024 * 1024 };
}

async function scanSegment(fileSystem: InstrumentedFileSystem, config: StorageConfig, info: SegmentInfo, isNewest: boolean, log: ScannedLog): Promise<ScannedSegment> {
  const path = join(config.dir, info.name);
  const bytes = await fileSystem.readFile(path);
  let offset = 0;
  for (;;) {
    const read = readRecord(bytes, offset, config.recordBytesMax);
    if (read.kind === 'end') break;
    if (read.kind === 'invalid') {
      if (isNewest && isTornTail(bytes, offset, read, tailCheck(config))) break;
      const where = isNewest ? 'and data follows it' : 'in a segment that was fsynced before the next one began';
      throw new LogCorruptError(path, offset, `${read.reason}, ${where}`);
    }
    const record = decodeLogRecord(read.type, read.body);
    if (typeof record === 'string') throw new LogCorruptError(path, offset, record);
    if (offset === 0) {
      if (record.kind !== 'segment-start') throw new LogCorruptError(path, 0, 'the segment does not open with a start record');
      if (record.formatVersion !== logFormatVersion) throw new StorageFormatError(path, record.formatVersion, logFormatVersion);
      if (record.sequence !== info.sequence) throw new LogCorruptError(path, 0, `the start record says sequence ${record.sequence}, the name says ${info.sequence}`);
    } else if (record.kind === 'segment-start') {
      throw new LogCorruptError(path, offset, 'a segment start record in the middle of a segment');
    }
    const problem = log.replay.apply(record);
    if (problem) throw new LogCorruptError(path, offset, problem);
    if (record.kind === 'entry') info.maxEntryIndex = Math.max(info.maxEntryIndex, record.entry.index);
    if (record.kind === 'snapshot-marker') {
      log.markerSequence = info.sequence;
      if (!record.keepsLog) log.voidBeforeSequence = info.sequence;
    }
    offset = read.endOffset;
  }
  return { info, path, validBytes: offset, fileBytes: bytes.byteLength };
}

async function loadNewestSnapshot(fileSystem: InstrumentedFileSystem, config: StorageConfig, listing: Listing): Promise<{ snapshot: Snapshot; name: string } | null> {
  const newest = listing.snapshots[listing.snapshots.length - 1];
  if (!newest) return null;
  const path = join(config.dir, newest.name);
  const snapshot = await readSnapshotFile(fileSystem, path, config.snapshotBytesMax);
  if (snapshot.meta.index !== newest.index || snapshot.meta.term !== newest.term) {
    throw new SnapshotMissingError(config.dir, `${newest.name} holds the snapshot at index ${snapshot.meta.index} term ${snapshot.meta.term}`);
  }
  return { snapshot, name: newest.name };
}

/**
 * Opens the newest segment for appending after its valid prefix. A newest
 * segment too short to hold its start records was being created when the
 * crash came: it is removed and the one before it continues.
 */
async function openActiveSegment(
  fileSystem: InstrumentedFileSystem,
  config: StorageConfig,
  scanned: ScannedSegment[],
  recovered: { hardState: RecoveredState['hardState']; nextIndex: number },
): Promise<{ file: InstrumentedFile; sizeBytes: number }> {
  const newest = scanned[scanned.length - 1];
  if (newest && newest.validBytes < segmentStartBytes) {
    await fileSystem.remove(newest.path);
    await fileSystem.syncDirectory(config.dir);
    scanned.pop();
  }
  const active = scanned[scanned.length - 1];
  if (!active) {
    const created = await SegmentWriter.createSegment(fileSystem, config.dir, (newest?.info.sequence ?? 0) || 1, recovered.nextIndex, recovered.hardState);
    await created.file.sync();
    await fileSystem.syncDirectory(config.dir);
    scanned.push({ info: created.info, path: join(config.dir, created.info.name), validBytes: created.sizeBytes, fileBytes: created.sizeBytes });
    return created;
  }
  const file = await fileSystem.openExisting(active.path);
  if (active.validBytes < active.fileBytes) {
    await file.truncate(active.validBytes);
    await file.sync();
  }
  return { file, sizeBytes: active.validBytes };
}

export async function recoverStorage(fileSystem: InstrumentedFileSystem, config: StorageConfig): Promise<Recovery> {
  const { dir } = config;
  if (await fileSystem.makeDirectory(dir)) await fileSystem.syncDirectory(dirname(dir));
  const listing = listStorage(dir, await fileSystem.list(dir));
  for (const name of listing.temporary) await fileSystem.remove(join(dir, name));
  const newestSnapshot = await loadNewestSnapshot(fileSystem, config, listing);
  const { kept, leftovers } = splitLeftovers(listing.segments);
  if (leftovers.length > 0 && !newestSnapshot) {
    throw new SnapshotMissingError(dir, `segments ${leftovers[leftovers.length - 1]!.sequence + 1}..${kept[0]!.sequence - 1} are missing and no snapshot covers them`);
  }
  const log: ScannedLog = { replay: new LogReplay(), segments: [], voidBeforeSequence: 0, markerSequence: 0 };
  for (const [i, info] of kept.entries()) log.segments.push(await scanSegment(fileSystem, config, info, i === kept.length - 1, log));
  const snapshotMeta = newestSnapshot?.snapshot.meta ?? null;
  const result = log.replay.finish(snapshotMeta);
  if (!result.ok) throw new SnapshotMissingError(dir, result.reason);

  const shape = new LogShape();
  shape.resetTo(result.base.index, result.base.term);
  shape.append(result.entries);
  const active = await openActiveSegment(fileSystem, config, log.segments, { hardState: result.hardState, nextIndex: shape.lastIndex + 1 });
  const writer = new SegmentWriter(fileSystem, config, {
    segments: log.segments.map((segment) => segment.info),
    activeFile: active.file,
    activeSizeBytes: active.sizeBytes,
    hardState: result.hardState,
    lastEntryIndex: shape.lastIndex,
    voidBeforeSequence: log.voidBeforeSequence,
    markerSequence: log.markerSequence,
    snapshotName: newestSnapshot?.name ?? null,
  });
  if (newestSnapshot) {
    const unneeded = { leftovers, snapshots: listing.snapshots, newestSnapshotName: newestSnapshot.name };
    await tidy(fileSystem, config, writer, unneeded, result).catch(async (error: unknown) => {
      await writer.close().catch(() => undefined);
      throw error;
    });
  }
  return { state: { hardState: result.hardState, snapshot: newestSnapshot?.snapshot ?? null, entries: result.entries }, writer, shape };
}

/** Logs a missing snapshot marker, then removes what the newest snapshot makes unnecessary. */
async function tidy(
  fileSystem: InstrumentedFileSystem,
  config: StorageConfig,
  writer: SegmentWriter,
  unneeded: { leftovers: SegmentInfo[]; snapshots: Listing['snapshots']; newestSnapshotName: string },
  result: Extract<ReplayResult, { ok: true }>,
): Promise<void> {
  if (result.missingMarker) {
    // Until the marker is logged, the segment holding the snapshot's last entry is the only proof the log continues it.
    await writer.writeMarkerDurably(result.base.index, result.base.term, result.missingMarker.keepsLog);
  }
  for (const segment of unneeded.leftovers) await fileSystem.remove(join(config.dir, segment.name));
  for (const snapshot of unneeded.snapshots) {
    if (snapshot.name !== unneeded.newestSnapshotName) await fileSystem.remove(join(config.dir, snapshot.name));
  }
  await writer.removeCovered(result.base.index);
}
