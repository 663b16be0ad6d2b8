// Copy-truncate rotation for log files the shim holds open with O_APPEND.
//
// The shim's file descriptor cannot be swapped from outside, so the file is
// copied to "<name>.<generation>" and then truncated in place; the writer's
// next append lands at offset 0. Generations count up forever (stdout.log.1,
// .2, ...) and only the newest `filesKept` stay: a reader that saw generation
// N knows exactly which bytes are new, without comparing sizes.
//
// Order, and why: (1) copy to a temporary name, asynchronously, up to the
// size seen; (2) synchronously copy what arrived meanwhile, truncate, and
// rename the copy to its generation. Step 2 is one synchronous block, so a
// reader in this process never sees the file truncated without the new
// generation beside it. Bytes the container writes between the last read in
// step 2 and the truncate are lost: a few microseconds' worth, the same
// trade every copy-truncate rotator makes.
//
// How far past the cap a file can grow: whatever the container writes
// between two checks (logCheckIntervalMs). At 1 MiB/s and a 10 s interval that
// is 10 MiB over. Disk used per stream is at most
// fileBytesMax × (filesKept + 1) + one interval's burst.
import { closeSync, ftruncateSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { open, readdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export interface RotationLimits {
  /** Rotate once the live file is larger than this. */
  fileBytesMax: number;
  /** Rotated generations kept; 0 means truncate without keeping a copy (no extra SD writes). */
  filesKept: number;
}

const copyChunkBytes = 64 * 1024;

/** Generation numbers present for a log file, ascending. */
export async function listGenerations(livePath: string): Promise<number[]> {
  const prefix = `${basename(livePath)}.`;
  const names = await readdir(dirname(livePath)).catch(() => [] as string[]);
  return names
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => Number(name.slice(prefix.length)))
    .sort((a, b) => a - b);
}

export function generationPath(livePath: string, generation: number): string {
  return `${livePath}.${generation}`;
}

/** Rotates `livePath` if it is over the cap. Returns the bytes moved out of it (0: nothing done). */
export async function rotateIfOver(livePath: string, limits: RotationLimits): Promise<number> {
  const size = (await stat(livePath).catch(() => null))?.size ?? 0;
  if (size <= limits.fileBytesMax) return 0;
  const generations = await listGenerations(livePath);
  const next = (generations.at(-1) ?? 0) + 1;
  const temporary = `${livePath}.rotating`;
  if (limits.filesKept > 0) await copyPrefix(livePath, temporary, size);
  const moved = finishRotation({ livePath, temporary, copiedBytes: size, keepCopy: limits.filesKept > 0, target: generationPath(livePath, next) });
  const excess = limits.filesKept > 0 ? [...generations, next].slice(0, -limits.filesKept) : generations;
  await Promise.all(excess.map((generation) => unlink(generationPath(livePath, generation)).catch(() => undefined)));
  return moved;
}

async function copyPrefix(source: string, target: string, bytes: number): Promise<void> {
  const input = await open(source, 'r');
  const output = await open(target, 'w');
  try {
    const buffer = Buffer.allocUnsafe(copyChunkBytes);
    let offset = 0;
    while (offset < bytes) {
      const { bytesRead } = await input.read(buffer, 0, Math.min(copyChunkBytes, bytes - offset), offset);
      if (bytesRead === 0) break;
      await output.write(buffer, 0, bytesRead);
      offset += bytesRead;
    }
  } finally {
    await input.close();
    await output.close();
  }
}

/** Step 2, synchronous on purpose (see the file comment). */
function finishRotation(options: { livePath: string; temporary: string; copiedBytes: number; keepCopy: boolean; target: string }): number {
  const live = openSync(options.livePath, 'r+');
  try {
    let offset = options.copiedBytes;
    if (options.keepCopy) {
      const output = openSync(options.temporary, 'a');
      try {
        const buffer = Buffer.allocUnsafe(copyChunkBytes);
        for (;;) {
          const bytesRead = readSync(live, buffer, 0, copyChunkBytes, offset);
          if (bytesRead === 0) break;
          writeSync(output, buffer, 0, bytesRead);
          offset += bytesRead;
        }
      } finally {
        closeSync(output);
      }
    }
    ftruncateSync(live, 0);
    if (options.keepCopy) renameSync(options.temporary, options.target);
    return offset;
  } finally {
    closeSync(live);
  }
}

/** Total bytes of the live file and its kept generations (for tests and stats). */
export async function logBytesOnDisk(livePath: string): Promise<number> {
  const paths = [livePath, ...(await listGenerations(livePath)).map((generation) => generationPath(livePath, generation))];
  const sizes = await Promise.all(paths.map((path) => stat(path).then((info) => info.size, () => 0)));
  return sizes.reduce((sum, size) => sum + size, 0);
}
