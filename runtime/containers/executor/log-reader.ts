// Reads a container's log file as lines, optionally following it as it grows
// and as it is rotated (log-rotation.ts). The reader tracks which generation
// the live file will become and its offset in it; when that generation
// appears, it finishes reading it from the same offset and starts the new
// live file at zero. Nothing is read twice and, unless the reader falls more
// than `filesKept` rotations behind, nothing is skipped.
import { open } from 'node:fs/promises';
import { generationPath, listGenerations } from './log-rotation.js';

export interface LogReadOptions {
  follow: boolean;
  includeRotated: boolean;
  /** Lines longer than this are delivered in pieces of this many bytes. */
  lineBytesMax: number;
  /** How often a follower looks for new bytes. */
  pollMs: number;
  /** True once the writer is gone for good (the container ended); the follower drains and stops. */
  isFinished: () => Promise<boolean>;
  signal?: AbortSignal;
}

const readChunkBytes = 64 * 1024;

/** Splits bytes into lines; keeps an unfinished line (bounded by lineBytesMax) for the next push. */
export class LineSplitter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly lineBytesMax: number) {}

  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const newline = data.indexOf(0x0a);
      if (newline >= 0 && newline <= this.lineBytesMax) {
        lines.push(data.subarray(0, newline).toString('utf8'));
        data = data.subarray(newline + 1);
      } else if (data.length > this.lineBytesMax) {
        lines.push(data.subarray(0, this.lineBytesMax).toString('utf8'));
        data = data.subarray(this.lineBytesMax);
      } else {
        break;
      }
    }
    this.pending = Buffer.from(data);
    return lines;
  }

  /** The unfinished last line, if any (the writer ended without a newline). */
  flush(): string[] {
    if (this.pending.length === 0) return [];
    const line = this.pending.toString('utf8');
    this.pending = Buffer.alloc(0);
    return [line];
  }
}

/** Bytes of `path` from `offset` to its current end (empty if missing). */
async function readFrom(path: string, offset: number): Promise<Buffer> {
  const handle = await open(path, 'r').catch(() => null);
  if (handle === null) return Buffer.alloc(0);
  try {
    const chunks: Buffer[] = [];
    const buffer = Buffer.allocUnsafe(readChunkBytes);
    let position = offset;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, readChunkBytes, position);
      if (bytesRead === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
      position += bytesRead;
    }
    return Buffer.concat(chunks);
  } finally {
    await handle.close();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function* readLogLines(livePath: string, options: LogReadOptions): AsyncGenerator<string> {
  const splitter = new LineSplitter(options.lineBytesMax);
  const initial = await listGenerations(livePath);
  if (options.includeRotated) {
    for (const generation of initial) yield* splitter.push(await readFrom(generationPath(livePath, generation), 0));
  }
  // The live file's bytes will become this generation when it is next rotated.
  let liveGeneration = (initial.at(-1) ?? 0) + 1;
  let offset = 0;
  for (;;) {
    if (options.signal?.aborted) return;
    const finished = options.follow ? await options.isFinished() : true;
    const before = await listGenerations(livePath);
    const rotated = before.filter((generation) => generation >= liveGeneration);
    if (rotated.length > 0) {
      for (const generation of rotated) {
        const from = generation === liveGeneration ? offset : 0;
        yield* splitter.push(await readFrom(generationPath(livePath, generation), from));
      }
      liveGeneration = (rotated.at(-1) ?? liveGeneration) + 1;
      offset = 0;
      continue;
    }
    const bytes = await readFrom(livePath, offset);
    const after = await listGenerations(livePath);
    // A rotation slipped in during the read: these bytes may be the new file's; read again from the generation.
    if ((after.at(-1) ?? 0) >= liveGeneration) continue;
    offset += bytes.length;
    yield* splitter.push(bytes);
    if (finished) break;
    if (bytes.length === 0) await sleep(options.pollMs, options.signal);
  }
  yield* splitter.flush();
}

/**
 * Interleaves several line sources by arrival (follow mode of both streams).
 * Pulls at most one pending item per source, so memory stays bounded.
 */
export async function* mergeByArrival<T>(sources: AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<T> }>>();
  const pull = (index: number): void => {
    const iterator = iterators[index];
    if (iterator !== undefined) pending.set(index, iterator.next().then((result) => ({ index, result })));
  };
  iterators.forEach((_, index) => pull(index));
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      pending.delete(index);
      if (result.done) continue;
      yield result.value;
      pull(index);
    }
  } finally {
    await Promise.all(iterators.map((iterator) => iterator.return?.()));
  }
}
