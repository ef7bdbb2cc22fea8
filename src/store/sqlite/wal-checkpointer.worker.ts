// The embedded files' checkpointer thread (wal-checkpointer.ts): copies each file's write-ahead log back into
// the database file at a fixed interval, so no request, processor or router commit pays for it.
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThreadPriority } from '../../runtime/thread-priority.js';
import { openSqliteDatabase } from './sqlite-database.js';
import type { CheckpointerMessage, CheckpointerOptions } from './wal-checkpointer.js';

const { files, intervalMs, nice } = workerData as CheckpointerOptions;
if (nice !== undefined) lowerThisThreadPriority(nice);
const port = parentPort!;
const databases = files.map((file) => ({ file, db: openSqliteDatabase(file) }));

const timer = setInterval(() => {
  for (const { file, db } of databases) {
    try {
      // PASSIVE: copies what no reader still needs, never waits for a lock and never blocks a writer.
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      port.postMessage({ type: 'error', file, message: error instanceof Error ? error.message : String(error) } satisfies CheckpointerMessage);
    }
  }
}, intervalMs);

/**
 * A TRUNCATE checkpoint takes the file's write lock, then waits (the busy timeout) for the readers to leave the log:
 * every writer of the file waits meanwhile, the Tracking API's inbox commits too. So it is tried in short attempts
 * with pauses between them, which let the writers through: a writer waits at most one attempt, instead of the
 * connection's 10 s busy timeout, after which its own timed out and the Tracking API answered 503.
 */
const TRUNCATE_ATTEMPT_MS = 50;
const TRUNCATE_PAUSE_MS = 100;
const TRUNCATE_ATTEMPTS = 60;

/** Copies the whole log back and empties it, in short attempts (see above); whether it was emptied. */
async function truncateLog(db: (typeof databases)[number]['db']): Promise<boolean> {
  const usual = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma(`busy_timeout = ${TRUNCATE_ATTEMPT_MS}`);
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
        if (row?.busy === 0) return true;
      } catch (error) {
        if (!/SQLITE_BUSY|database is locked/i.test(String(error))) throw error;
      }
      if (attempt >= TRUNCATE_ATTEMPTS) return false;
      await new Promise((resolve) => setTimeout(resolve, TRUNCATE_PAUSE_MS));
    }
  } finally {
    db.pragma(`busy_timeout = ${usual}`);
  }
}

port.on('message', (message: 'close' | { type: 'truncate'; id: number }) => {
  if (message === 'close') {
    clearInterval(timer);
    for (const { db } of databases) db.close();
    port.close();
    return;
  }
  if (message.type !== 'truncate') return;
  // TRUNCATE: copies the whole log back, waits for readers to leave it, then empties the file, so page images it held
  // from before an erasure are gone from disk.
  void (async () => {
    const files = [];
    for (const { file, db } of databases) {
      try {
        files.push({ file, truncated: await truncateLog(db) });
      } catch (error) {
        files.push({ file, truncated: false, error: error instanceof Error ? error.message : String(error) });
      }
    }
    port.postMessage({ type: 'truncated', id: message.id, files } satisfies CheckpointerMessage);
  })();
});
port.postMessage({ type: 'ready' } satisfies CheckpointerMessage);
