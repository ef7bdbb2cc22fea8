import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { SluiceError } from '../core/errors.js';

/** The lock file in a data directory: the pid, host and start time of the Sluice that works on it. */
export function dataDirLockFile(dataDir: string): string {
  return path.join(dataDir, 'sluice.pid');
}

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

function readHolder(file: string): Holder | undefined {
  try {
    const [pid, host, since] = readFileSync(file, 'utf8').split('\n');
    const n = Number(pid);
    return Number.isInteger(n) && n > 0 ? { pid: n, host: host ?? '', since: since ?? '' } : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Whether a process of this machine is alive (signal 0 only checks; EPERM: alive, someone else's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One `sluice start` per embedded data directory (decision 0006). The embedded pipeline is built for one process:
 * two of them on the same files would each run a processor and a router over the same inbox and delivery queues.
 * A pid file, taken with an exclusive create: a second start is refused (`data_dir_in_use`) while the first one's
 * process is alive; a file left by a process that died (a crash, kill -9) is taken over with a warning. The CLI's
 * other commands (backup, report, audit verify, replay) do not take it: they are meant to run beside a live Sluice.
 *
 * @example
 *   const lock = DataDirLock.acquire(config.dataDir, logger);
 *   ... // at close:
 *   lock.release();
 */
export class DataDirLock {
  private released = false;

  private constructor(private readonly file: string) {}

  static acquire(dataDir: string, logger?: Logger): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const file = dataDirLockFile(dataDir);
    const mine = `${process.pid}\n${os.hostname()}\n${new Date().toISOString()}\n`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(file, mine, { flag: 'wx', mode: 0o600 });
        return new DataDirLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(file);
      if (holder && holder.host === os.hostname() && !alive(holder.pid)) {
        // Not `pid`: every log line has its own process's pid under that key already.
        logger?.warn({ file, holderPid: holder.pid, since: holder.since }, 'taking over the data directory from a Sluice that stopped without releasing it (a crash or kill)');
        unlinkSync(file);
        continue;
      }
      if (holder === undefined) {
        // Empty or unreadable (a crash while writing it): nobody can be told apart from it; taken over.
        unlinkSync(file);
        continue;
      }
      const who = holder.host === os.hostname() ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.host}`;
      throw new SluiceError(
        'data_dir_in_use',
        `Another Sluice (${who}, started ${holder.since}) is running on the data directory ${dataDir}: one process per embedded data directory. Stop it first, or give this one another SLUICE_DATA_DIR. If no Sluice runs there, remove ${file}.`,
      );
    }
    throw new SluiceError('data_dir_in_use', `Could not take ${file}: another Sluice took it at the same moment.`);
  }

  /** Removes the lock file, if it is still this process's. */
  release(): void {
    if (this.released) return;
    this.released = true;
    const holder = readHolder(this.file);
    if (holder?.pid === process.pid) unlinkSync(this.file);
  }
}
