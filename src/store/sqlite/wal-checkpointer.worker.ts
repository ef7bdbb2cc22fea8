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

port.on('message', (message: 'close') => {
  if (message !== 'close') return;
  clearInterval(timer);
  for (const { db } of databases) db.close();
  port.close();
});
port.postMessage({ type: 'ready' } satisfies CheckpointerMessage);
