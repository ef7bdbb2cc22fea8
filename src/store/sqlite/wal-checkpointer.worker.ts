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

port.on('message', (message: 'close' | { type: 'truncate'; id: number }) => {
  if (message === 'close') {
    clearInterval(timer);
    for (const { db } of databases) db.close();
    port.close();
    return;
  }
  if (message.type !== 'truncate') return;
  // TRUNCATE: copies the whole log back, waits (busy timeout) for readers to leave it, then empties the file, so
  // page images it held from before an erasure are gone from disk. Blocking is fine on this thread.
  const files = databases.map(({ file, db }) => {
    try {
      const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      return { file, truncated: row?.busy === 0 };
    } catch (error) {
      return { file, truncated: false, error: error instanceof Error ? error.message : String(error) };
    }
  });
  port.postMessage({ type: 'truncated', id: message.id, files } satisfies CheckpointerMessage);
});
port.postMessage({ type: 'ready' } satisfies CheckpointerMessage);
