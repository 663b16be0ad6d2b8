// DurableStorage on a directory of log segments and snapshot files.
//
// append(), setHardState() and saveSnapshot() only record what is asked, in
// order, in memory. Disk work runs one job at a time on a queue: a flush
// takes everything buffered so far, writes it (hard state as a record in the
// same log, so one fsync covers entries and hard state) and fsyncs once.
// Appends made while an fsync runs ride on the next one: group commit.
//
// After any failed write or fsync the storage refuses all further work with
// that first error: what reached the disk is unknown until a restart's
// recovery reads it back.
import { assert } from '../../common/assert.js';
import type { DurableStorage, Entry, HardState, RecoveredState, Snapshot } from '../types.js';
import { EntryType } from '../types.js';
import { resolveStorageConfig, type StorageConfig, type StorageOptions } from './config.js';
import { EntryTooLargeError, SnapshotTooLargeError, StorageBacklogError } from './errors.js';
import { InstrumentedFileSystem, type StorageStats } from './instrumented-file-system.js';
import { LogShape } from './log-shape.js';
import { encodeEntry } from './log-record.js';
import { recoverStorage } from './recovery.js';
import type { SegmentWriter } from './segment-writer.js';
import { WriteBuffer } from './write-buffer.js';

type Phase = 'new' | 'recovering' | 'open' | 'closed';

export class FileStorage implements DurableStorage {
  readonly config: StorageConfig;
  private readonly fileSystem: InstrumentedFileSystem;
  private phase: Phase = 'new';
  private writer: SegmentWriter | null = null;
  private shape = new LogShape();
  private readonly buffer = new WriteBuffer();
  /** Record bytes a running flush has taken from the buffer and not yet written. */
  private inFlightBytes = 0;
  private flushQueued = false;
  private queue: Promise<void> = Promise.resolve();
  /** The first disk error; once set, every call fails with it. */
  private failure: unknown = null;
  private hardState: HardState = { term: 0, vote: 0, commit: 0 };

  constructor(config: StorageConfig) {
    this.config = config;
    this.fileSystem = new InstrumentedFileSystem(config.fileSystem);
  }

  get stats(): StorageStats {
    return this.fileSystem.stats;
  }

  async recover(): Promise<RecoveredState> {
    assert(this.phase === 'new', 'recover() runs once, before any other call');
    this.phase = 'recovering';
    try {
      const recovery = await recoverStorage(this.fileSystem, this.config);
      this.writer = recovery.writer;
      this.shape = recovery.shape;
      this.hardState = { ...recovery.state.hardState };
      this.phase = 'open';
      return recovery.state;
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  append(entries: readonly Entry[]): void {
    this.checkWritable();
    if (entries.length === 0) return;
    this.checkEntries(entries);
    const records = entries.map((entry) => {
      const record = encodeEntry(entry);
      if (record.byteLength > this.config.recordBytesMax) throw new EntryTooLargeError(entry.index, record.byteLength, this.config.recordBytesMax);
      return record;
    });
    const addedBytes = records.reduce((sum, record) => sum + record.byteLength, 0);
    const pendingBytes = this.buffer.bytes + this.inFlightBytes + addedBytes;
    if (pendingBytes > 2 * this.config.bufferedBytesMax) throw new StorageBacklogError(pendingBytes, 2 * this.config.bufferedBytesMax);
    this.shape.append(entries);
    records.forEach((record, i) => this.buffer.addEntry(record, entries[i]!.index));
    if (this.buffer.bytes >= this.config.bufferedBytesMax && !this.flushQueued) {
      // A forced flush; its failure, if any, surfaces at the next call.
      this.flushQueued = true;
      this.enqueue(() => this.flush()).catch(() => undefined);
    }
  }

  setHardState(hardState: HardState): void {
    this.checkWritable();
    const current = this.hardState;
    assert(hardState.term >= current.term, `hard state term went back from ${current.term} to ${hardState.term}`);
    assert(
      hardState.term > current.term || current.vote === 0 || hardState.vote === current.vote,
      `vote changed from ${current.vote} to ${hardState.vote} within term ${current.term}`,
    );
    if (hardState.term === current.term && hardState.vote === current.vote && hardState.commit === current.commit) return;
    this.hardState = { term: hardState.term, vote: hardState.vote, commit: hardState.commit };
    this.buffer.setHardState(this.hardState);
  }

  async sync(): Promise<void> {
    this.checkWritable();
    await this.enqueue(() => this.flush());
  }

  /** Keeps a reference to `snapshot.data` until the returned promise settles: do not change it before. */
  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.checkWritable();
    if (snapshot.data.byteLength > this.config.snapshotBytesMax) throw new SnapshotTooLargeError(snapshot.data.byteLength, this.config.snapshotBytesMax);
    const { index, term } = snapshot.meta;
    assert(index > this.shape.baseIndex && term >= 1, `snapshot at index ${index} term ${term} does not pass the stored one at ${this.shape.baseIndex}`);
    // Decided now, against the log as appended so far, so the marker lands at this point of the record stream.
    const keepsLog = this.shape.termAt(index) === term;
    if (keepsLog) this.shape.compactTo(index, term);
    else this.shape.resetTo(index, term);
    this.buffer.addSnapshot(snapshot, keepsLog);
    await this.enqueue(() => this.flush());
  }

  /** Makes anything buffered durable (unless the storage failed), then closes the active segment. */
  async close(): Promise<void> {
    if (this.phase === 'closed') return;
    const wasOpen = this.phase === 'open';
    this.phase = 'closed';
    if (!wasOpen || !this.writer) return;
    const writer = this.writer;
    const closing = this.queue.then(async () => {
      try {
        if (this.failure === null) await this.flush();
      } finally {
        await writer.close();
      }
    });
    this.queue = closing.catch(() => undefined);
    await closing;
  }

  private checkWritable(): void {
    assert(this.phase === 'open', `storage used while ${this.phase}: call recover() first, and nothing after close()`);
    if (this.failure !== null) throw this.failure;
  }

  private checkEntries(entries: readonly Entry[]): void {
    const first = entries[0]!;
    assert(first.index > this.shape.baseIndex, `append at ${first.index} reaches into the snapshot (up to ${this.shape.baseIndex})`);
    assert(first.index <= this.shape.lastIndex + 1, `append at ${first.index} leaves a gap after ${this.shape.lastIndex}`);
    let previousTerm = this.shape.termAt(first.index - 1) ?? 0;
    for (const [i, entry] of entries.entries()) {
      assert(entry.index === first.index + i, `appended entries are not contiguous at ${entry.index}`);
      assert(Number.isSafeInteger(entry.term) && entry.term >= previousTerm && entry.term >= 1, `entry ${entry.index} term ${entry.term} after term ${previousTerm}`);
      assert(entry.type === EntryType.Normal || entry.type === EntryType.ConfChange, `entry ${entry.index} has unknown type ${entry.type}`);
      previousTerm = entry.term;
    }
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.failure !== null) throw this.failure;
      try {
        await job();
      } catch (error) {
        this.failure ??= error;
        throw error;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async flush(): Promise<void> {
    this.flushQueued = false;
    if (this.buffer.isEmpty || !this.writer) return;
    const batch = this.buffer.take();
    this.inFlightBytes += batch.bytes;
    try {
      await this.writer.writeBatch(batch);
    } finally {
      this.inFlightBytes -= batch.bytes;
    }
  }
}

/** Validates the options and returns storage ready for recover(); nothing touches the disk before that. */
export async function openFileStorage(options: StorageOptions): Promise<FileStorage> {
  return new FileStorage(resolveStorageConfig(options));
}
