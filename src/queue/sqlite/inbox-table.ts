import type { SqliteDatabase } from '../../store/sqlite/sqlite-database.js';
import type { StoredRequest } from '../../core/tracking/stored-request.js';
import type { InboxEventRecord, InboxRecord } from '../queue.js';

/** Events per inbox row at most (a row is read whole, so this bounds a processor batch's overshoot). */
export const MAX_ROW_EVENTS = 1000;
/** Events are serialized JSON, which never holds a raw line break, so a row's events are joined by one. */
export const EVENT_SEPARATOR = '\n';

/** One row of the embedded inbox: one Tracking API request, or consecutive events of one source and signals. */
export interface InboxRowValues {
  workspaceId: string;
  sourceId: string;
  /** A request row: the body as received. An events row: the events' JSON texts joined by EVENT_SEPARATOR. */
  body: string | Uint8Array;
  signals: string | null;
  /** A request row: what the server knew of the request (`encodeRequestFacts`); null for an events row. */
  request: string | null;
  events: number;
}

/** A stored request's fields other than its body, as a request row's `request` column keeps them. */
interface RequestFacts {
  e: StoredRequest['endpoint'];
  r: number;
  i?: string;
  id: string;
  s?: number[];
  n: number;
}

export function encodeRequestFacts(request: StoredRequest): string {
  const facts: RequestFacts = { e: request.endpoint, r: request.receivedAt, id: request.requestId, n: request.events };
  if (request.ip !== undefined) facts.i = request.ip;
  if (request.skip && request.skip.length > 0) facts.s = request.skip;
  return JSON.stringify(facts);
}

export function decodeStoredRequest(facts: string, body: string | Uint8Array): StoredRequest {
  const f = JSON.parse(facts) as RequestFacts;
  const request: StoredRequest = { endpoint: f.e, body, receivedAt: f.r, requestId: f.id, events: f.n };
  if (f.i !== undefined) request.ip = f.i;
  if (f.s) request.skip = f.s;
  return request;
}

/**
 * Turns the records of a group commit into rows: a request is a row of its own (its body stored as received);
 * consecutive event records of the same workspace, source and request signals share a row, up to
 * MAX_ROW_EVENTS.
 */
export function packInboxRows(publishes: readonly (readonly InboxRecord[])[]): InboxRowValues[] {
  const rows: InboxRowValues[] = [];
  let texts: string[] = [];
  let head: InboxEventRecord | undefined;
  const close = () => {
    if (!head || texts.length === 0) return;
    rows.push({
      workspaceId: head.workspaceId,
      sourceId: head.sourceId,
      body: texts.join(EVENT_SEPARATOR),
      signals: head.signals ? JSON.stringify(head.signals) : null,
      request: null,
      events: texts.length,
    });
    texts = [];
    head = undefined;
  };
  for (const records of publishes) {
    for (const r of records) {
      if (r.kind === 'request') {
        close();
        rows.push({
          workspaceId: r.workspaceId,
          sourceId: r.sourceId,
          body: r.request.body,
          signals: r.signals ? JSON.stringify(r.signals) : null,
          request: encodeRequestFacts(r.request),
          events: r.request.events,
        });
        continue;
      }
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

/** Creates the inbox tables (idempotent), and the `request` column on an inbox made before it existed. */
export function createInboxTables(db: SqliteDatabase): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS queue_inbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      workspace_id TEXT NOT NULL,
      source_id TEXT NOT NULL,
      body TEXT NOT NULL,
      signals TEXT,
      request TEXT
    );
    CREATE TABLE IF NOT EXISTS queue_offsets (consumer TEXT PRIMARY KEY, position INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS queue_inbox_events (counter TEXT PRIMARY KEY, total INTEGER NOT NULL);
  `);
  const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('queue_inbox') as string[];
  if (!columns.includes('request')) db.exec('ALTER TABLE queue_inbox ADD COLUMN request TEXT');
}

/**
 * Appends rows to the inbox in one transaction (one fsync with synchronous=FULL) and adds their events to
 * the published total. Runs on whichever thread owns `db`: the main thread, or the inbox writer thread.
 */
export class InboxAppender {
  private readonly append;

  constructor(db: SqliteDatabase) {
    createInboxTables(db);
    const insert = db.prepare('INSERT INTO queue_inbox (workspace_id, source_id, body, signals, request) VALUES (?, ?, ?, ?, ?)');
    const count = db.prepare("UPDATE queue_inbox_events SET total = total + ? WHERE counter = 'published'");
    this.append = db.transaction((rows: readonly InboxRowValues[]) => {
      let events = 0;
      for (const row of rows) {
        insert.run(row.workspaceId, row.sourceId, row.body, row.signals, row.request);
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
