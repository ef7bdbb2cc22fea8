// The embedded inbox's writer thread: commits group commits handed over by the main thread, so the main
// thread keeps parsing requests while the disk flushes (decision 0002).
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteDatabase } from '../../store/sqlite/sqlite-database.js';
import { InboxAppender } from './inbox-table.js';
import type { InboxWriterReply, InboxWriterRequest } from './inbox-writer-thread.js';

const { file } = workerData as { file: string };
const db = openSqliteDatabase(file);
const appender = new InboxAppender(db);
const port = parentPort!;

port.on('message', (request: InboxWriterRequest) => {
  if (request.type === 'close') {
    db.close();
    port.close();
    return;
  }
  let reply: InboxWriterReply;
  try {
    appender.appendRows(request.rows);
    reply = { id: request.id };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
port.postMessage({ id: 0 } satisfies InboxWriterReply);
