/**
 * A readers-writer lock for one store in one process. Pulls, loads and rootfs
 * preparation share it (they only add); removal and garbage collection take
 * it alone, so a sweep never deletes a blob a pull has fetched but not yet
 * referenced. Writers are preferred, so a steady stream of pulls cannot
 * starve garbage collection.
 */
export class StoreLock {
  private readers = 0;
  private writer = false;
  private readonly waitingWriters: (() => void)[] = [];
  private readonly waitingReaders: (() => void)[] = [];

  async shared<T>(work: () => Promise<T>): Promise<T> {
    if (this.writer || this.waitingWriters.length > 0) await new Promise<void>((resolve) => this.waitingReaders.push(resolve));
    else this.readers++;
    try {
      return await work();
    } finally {
      this.readers--;
      this.wake();
    }
  }

  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.writer || this.readers > 0) await new Promise<void>((resolve) => this.waitingWriters.push(resolve));
    else this.writer = true;
    try {
      return await work();
    } finally {
      this.writer = false;
      this.wake();
    }
  }

  /** Hands the lock on: one writer if any waits, else every waiting reader. */
  private wake(): void {
    if (this.writer || this.readers > 0) return;
    const nextWriter = this.waitingWriters.shift();
    if (nextWriter !== undefined) {
      this.writer = true;
      nextWriter();
      return;
    }
    for (const reader of this.waitingReaders.splice(0)) {
      this.readers++;
      reader();
    }
  }
}
