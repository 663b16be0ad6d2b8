// Waits for something to appear in a container's status directory: inotify
// (fs.watch) for promptness, a poll for the cases inotify misses (the dir
// recreated, an overlay filesystem that does not report). Each wait owns one
// watch and one timer and releases both when it settles.
import { watch, type FSWatcher } from 'node:fs';
import { OperationAbortedError } from './errors.js';

export interface WaitUntilOptions {
  pollMs: number;
  /** Give up and resolve null after this long. Default: never. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Name for the abort error ("wait for x"). */
  what: string;
}

/**
 * Resolves with the first non-null result of `check`, which runs at once,
 * after every change in `dir`, and every `pollMs`. Checks never overlap.
 */
export function waitUntil<T>(dir: string, check: () => Promise<T | null>, options: WaitUntilOptions): Promise<T | null> {
  return new Promise<T | null>((resolve, reject) => {
    let settled = false;
    let running = false;
    let again = false;
    let watcher: FSWatcher | null = null;
    let pollTimer: NodeJS.Timeout | null = null;
    const deadline = options.timeoutMs === undefined ? null : setTimeout(() => finish(null), options.timeoutMs);

    function cleanup(): void {
      settled = true;
      watcher?.close();
      if (pollTimer !== null) clearTimeout(pollTimer);
      if (deadline !== null) clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
    }
    function finish(value: T | null): void {
      if (settled) return;
      cleanup();
      resolve(value);
    }
    function onAbort(): void {
      if (settled) return;
      cleanup();
      reject(new OperationAbortedError(options.what));
    }
    async function runCheck(): Promise<void> {
      if (settled) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          const value = await check();
          if (value !== null) return finish(value);
        } while (again && !settled);
      } catch (error) {
        if (!settled) {
          cleanup();
          reject(error);
        }
      } finally {
        running = false;
      }
      schedulePoll();
    }
    function schedulePoll(): void {
      if (settled) return;
      if (pollTimer !== null) clearTimeout(pollTimer);
      pollTimer = setTimeout(() => void runCheck(), options.pollMs);
    }

    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      watcher = watch(dir, () => void runCheck());
      watcher.on('error', () => watcher?.close());
    } catch {
      watcher = null; // the poll alone still works
    }
    void runCheck();
  });
}
