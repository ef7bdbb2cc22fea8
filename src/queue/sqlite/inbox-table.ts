import type { SqliteDatabase } from '../../store/sqlite/sqlite-database.js';
import type { InboxRecord } from '../queue.js';

/** Events per inbox row at most (a row is read whole, so this bounds a processor batch's overshoot). */
export const MAX_ROW_EVENTS = 1000;
/** Events are serialized JSON, which never holds a raw line break, so a row's events are joined by one. */
export const EVENT_SEPARATOR = '\n';

/** One row of the embedded inbox: consecutive events of one source and request signals. */
export interface InboxRowValues {
  workspaceId: string;
  sourceId: string;
  /** The events' JSON texts joined by EVENT_SEPARATOR. */
  body: string;
  signals: string | null;
  events: number;
}

/**
 * Packs the records of a group commit into rows: consecutive records of the same workspace, source and
 * request signals share a row, up to MAX_ROW_EVENTS.
 */
export function packInboxRows(publishes: readonly (readonly InboxRecord[])[]): InboxRowValues[] {
  const rows: InboxRowValues[] = [];
  let texts: string[] = [];
  let head: InboxRecord | undefined;
  const close = () => {
    if (!head || texts.length === 0) return;
    rows.push({
      workspaceId: head.workspaceId,
      sourceId: head.sourceId,
      body: texts.join(EVENT_SEPARATOR),
      signals: head.signals ? JSON.stringify(head.signals) : null,
      events: texts.length,
    });
    texts = [];
  };
  for (const records of publishes) {
    for (const r of records) {
      if (!head || r.sourceId !== head.sourceId || r.workspaceId !== head.workspaceId || r.signals !== head.signals || texts.length === MAX_ROW_EVENTS) {
        close();
        head = r;
      }
      texts.push(r.json);
    }
  }
  close();
  return rows;
}

/** Creates the inbox tables (idempotent). */
export function createInboxTables(db: SqliteDatabase): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS queue_inbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      workspace_id TEXT NOT NULL,
      source_id TEXT NOT NULL,
      body TEXT NOT NULL,
      signals TEXT
    );
    CREATE TABLE IF NOT EXISTS queue_offsets (consumer TEXT PRIMARY KEY, position INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS queue_inbox_events (counter TEXT PRIMARY KEY, total INTEGER NOT NULL);
  `);
}

/**
 * Appends rows to the inbox in one transaction (one fsync with synchronous=FULL) and adds their events to
 * the published total. Runs on whichever thread owns `db`: the main thread, or the inbox writer thread.
 */
export class InboxAppender {
  private readonly append;

  constructor(db: SqliteDatabase) {
    createInboxTables(db);
    const insert = db.prepare('INSERT INTO queue_inbox (workspace_id, source_id, body, signals) VALUES (?, ?, ?, ?)');
    const count = db.prepare("UPDATE queue_inbox_events SET total = total + ? WHERE counter = 'published'");
    this.append = db.transaction((rows: readonly InboxRowValues[]) => {
      let events = 0;
      for (const row of rows) {
        insert.run(row.workspaceId, row.sourceId, row.body, row.signals);
        events += row.events;
      }
      count.run(events);
    });
  }

  /** Throws when the write fails (disk full, I/O error): nothing of the group is stored then. */
  appendRows(rows: readonly InboxRowValues[]): void {
    this.append(rows);
  }
}
