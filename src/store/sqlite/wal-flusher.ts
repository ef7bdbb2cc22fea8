import { closeSync, fdatasync, fstatSync, openSync, statSync } from 'node:fs';

/**
 * Flushes an embedded database's write-ahead log to disk off the calling thread (`fdatasync` in libuv's thread
 * pool). For the inbox writer `flush` (decision 0002): the request thread commits a group with
 * synchronous=NORMAL (SQLite writes the WAL frames but does not flush them), keeps parsing requests while this
 * flush runs, and acknowledges the group only when it is done. For the processor's store (openSqliteStore's
 * `progress` commits): one flush per batch instead of one per transaction. A flush covers every frame written before it
 * started, whichever connection wrote it (fsync acts on the file, not on a descriptor).
 *
 * The WAL file exists while any connection is open; if it was replaced meanwhile (another inode at the path),
 * the descriptor is reopened, so a flush never goes to a file SQLite no longer uses.
 */
export class WalFlusher {
  private fd: number | undefined;
  private inode: number | undefined;

  constructor(private readonly databaseFile: string) {}

  flush(): Promise<void> {
    const fd = this.current();
    return new Promise<void>((resolve, reject) => {
      fdatasync(fd, (error) => (error ? reject(error) : resolve()));
    });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.inode = undefined;
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
