import { closeSync, fdatasync, fstatSync, openSync, statSync } from 'node:fs';

/** Flushes a file descriptor's data to disk, calling back when done (`fs.fdatasync`; tests pass their own). */
export type SyncFile = (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void;

/**
 * Flushes an embedded database's write-ahead log to disk off the calling thread (`fdatasync` in libuv's thread
 * pool). For the inbox writer `flush` (decision 0002): the request thread commits a group with
 * synchronous=NORMAL (SQLite writes the WAL frames but does not flush them), keeps parsing requests while this
 * flush runs, and acknowledges the group only when it is done. For the processor's store (openSqliteStore's
 * `progress` commits): one flush per batch instead of one per transaction. A flush covers every frame written before it
 * started, whichever connection wrote it (fsync acts on the file, not on a descriptor).
 *
 * Flushes asked for while one runs share the next one, started when it ends (decision 0110): the processor works
 * on the next batches while a batch's flush runs, and asks for theirs meanwhile; on a busy disk an `fdatasync` took
 * up to a few hundred milliseconds, and several at once on one file only queued behind each other.
 *
 * The WAL file exists while any connection is open; if it was replaced meanwhile (another inode at the path),
 * the descriptor is reopened, so a flush never goes to a file SQLite no longer uses.
 */
export class WalFlusher {
  private fd: number | undefined;
  private inode: number | undefined;
  /** The flush running, and the one every caller since it started waits for (it starts when the running one ends). */
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(
    private readonly databaseFile: string,
    private readonly sync: SyncFile = fdatasync,
  ) {}

  /** Resolves once every frame written before the call is on disk. */
  flush(): Promise<void> {
    if (!this.running) return this.start();
    // The running flush may have started before the caller's writes: the next one covers them.
    this.next ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.start();
      });
    return this.next;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.inode = undefined;
  }

  private start(): Promise<void> {
    let fd: number;
    try {
      fd = this.current();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const run: Promise<void> = new Promise<void>((resolve, reject) => {
      this.sync(fd, (error) => (error ? reject(error) : resolve()));
    }).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private current(): number {
    const path = `${this.databaseFile}-wal`;
    const inode = statSync(path).ino;
    if (this.fd !== undefined && this.inode === inode) return this.fd;
    this.close();
    this.fd = openSync(path, 'r');
    this.inode = fstatSync(this.fd).ino;
    return this.fd;
  }
}
