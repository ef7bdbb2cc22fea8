/**
 * One lock per thread (module state is per thread under worker_threads) around every write the embedded
 * database's connections make from that thread while a store transaction may be open.
 *
 * Why: a thread holds two connections to the file, the store's (Kysely, async) and the queue's (synchronous
 * statements). A store transaction holds SQLite's write lock across `await`s; if the queue's connection wrote
 * synchronously in between, it would wait for a lock only this very thread can release, blocking the thread
 * for the whole busy timeout and then failing ("database is locked"). So the store's driver takes this lock for
 * the length of each transaction, and the queue takes it around each synchronous write: they take turns.
 * Writers on other threads (the inbox writer, the processor, the router) are not affected: SQLite's own busy
 * wait orders them. Never await a queue write inside a store transaction: that would wait for itself.
 */
export class ThreadWriteLock {
  private tail: Promise<void> = Promise.resolve();
  private held = false;

  /** Waits for the lock; call the returned function exactly once to release it. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      release = () => {
        this.held = false;
        resolve();
      };
    });
    const ready = this.tail.then(() => {
      this.held = true;
      return release;
    });
    this.tail = next;
    return ready;
  }

  /** Runs a synchronous write under the lock. */
  async run<T>(write: () => T): Promise<T> {
    const release = await this.acquire();
    try {
      return write();
    } finally {
      release();
    }
  }

  /** True while some holder has it (for tests). */
  get isHeld(): boolean {
    return this.held;
  }
}

/** This thread's lock. */
export const threadWriteLock = new ThreadWriteLock();
