import { existsSync } from 'node:fs';
import { openSqliteDatabase, sqliteFile, sqliteQueueFile } from '../../store/sqlite/sqlite-database.js';
import { EVENT_SEPARATOR, InboxAppender, type InboxRowValues } from './inbox-table.js';
import { insertJobBodies } from './sqlite-delivery-queue.js';
import { SqliteQueue } from './sqlite-queue.js';

const CHUNK_ROWS = 500;

/**
 * Moves what an earlier version left in the queue tables of the store file (`sluice.db`) to the queue file
 * (`queue.db`): the inbox rows the processor had not acknowledged, and every delivery job still queued; then
 * drops those tables from the store file. Runs at start, before any consumer, in embedded mode. A crash in
 * the middle can copy some rows twice on the next start; the processor deduplicates events by messageId and
 * deliveries are at least once anyway. Returns how many events and jobs moved.
 */
export async function moveQueueOutOfStore(dataDir: string): Promise<{ events: number; jobs: number }> {
  const storeFile = sqliteFile(dataDir);
  if (!existsSync(storeFile)) return { events: 0, jobs: 0 };
  const store = openSqliteDatabase(storeFile);
  try {
    const hasTable = (name: string) => store.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
    if (!hasTable('queue_inbox') && !hasTable('queue_deliveries')) return { events: 0, jobs: 0 };
    // Creates the queue file's tables.
    await new SqliteQueue(sqliteQueueFile(dataDir)).close();
    const queue = openSqliteDatabase(sqliteQueueFile(dataDir));
    let events = 0;
    let jobs = 0;
    try {
      if (hasTable('queue_inbox')) {
        const offset = hasTable('queue_offsets') ? Number(store.prepare("SELECT position FROM queue_offsets WHERE consumer = 'processor'").pluck().get() ?? 0) : 0;
        const appender = new InboxAppender(queue);
        let chunk: InboxRowValues[] = [];
        const flush = () => {
          appender.appendRows(chunk);
          chunk = [];
        };
        for (const row of store.prepare('SELECT workspace_id, source_id, body, signals FROM queue_inbox WHERE seq > ? ORDER BY seq').iterate(offset) as IterableIterator<{ workspace_id: string; source_id: string; body: string; signals: string | null }>) {
          const count = row.body.split(EVENT_SEPARATOR).length;
          chunk.push({ workspaceId: row.workspace_id, sourceId: row.source_id, body: row.body, signals: row.signals, request: null, events: count });
          events += count;
          if (chunk.length === CHUNK_ROWS) flush();
        }
        if (chunk.length > 0) flush();
      }
      if (hasTable('queue_deliveries')) {
        const copy = queue.transaction((rows: { body: string }[]) => insertJobBodies(queue, rows));
        let rows: { body: string }[] = [];
        for (const row of store.prepare('SELECT body FROM queue_deliveries ORDER BY seq').iterate() as IterableIterator<{ body: string }>) {
          rows.push(row);
          jobs++;
          if (rows.length === CHUNK_ROWS) {
            copy(rows);
            rows = [];
          }
        }
        if (rows.length > 0) copy(rows);
      }
    } finally {
      queue.close();
    }
    store.exec('DROP TABLE IF EXISTS queue_inbox; DROP TABLE IF EXISTS queue_offsets; DROP TABLE IF EXISTS queue_inbox_events; DROP TABLE IF EXISTS queue_deliveries; DROP TABLE IF EXISTS queue_delivery_counts; DROP TABLE IF EXISTS queue_manifest_progress;');
    return { events, jobs };
  } finally {
    store.close();
  }
}
