// How long one group commit of the embedded inbox blocks the thread that runs it (SQLite transaction +
// fsync, synchronous=FULL), by group size: the figure behind docs/decisions/0002-inbox-writer-thread.md.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteQueue } from '../../src/queue/sqlite/sqlite-queue.js';
import { sqliteFile } from '../../src/store/sqlite/sqlite-database.js';
import type { InboxRecord } from '../../src/queue/queue.js';
import { BATCH_EVENTS, batchBody, trackBody } from './bodies.js';

export interface CommitCost {
  groupEvents: number;
  msPerCommit: number;
  usPerEvent: number;
}

export async function measureInboxCommit(groupSizes = [1, 10, 100, 1000, 5000], rounds = 40): Promise<CommitCost[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-inbox-bench-'));
  const queue = new SqliteQueue(sqliteFile(dir));
  // What the Tracking API publishes (decision 0004): a request as received, one record per request. Groups under
  // a batch's size are single-event requests (/v1/track); larger ones are batches of BATCH_EVENTS.
  const track = Buffer.from(trackBody());
  const batch = Buffer.from(batchBody());
  const request = (body: Buffer, events: number): InboxRecord => ({
    kind: 'request',
    workspaceId: 'ws_default',
    sourceId: 'src_bench',
    request: { endpoint: events === 1 ? 'track' : 'batch', body, receivedAt: Date.now(), ip: '127.0.0.1', requestId: '6f1c2a3b-4d5e-4f60-8a7b-0c1d2e3f4a5b', events },
  });
  const out: CommitCost[] = [];
  try {
    for (const size of groupSizes) {
      const records = size < BATCH_EVENTS ? Array.from({ length: size }, () => request(track, 1)) : Array.from({ length: Math.round(size / BATCH_EVENTS) }, () => request(batch, BATCH_EVENTS));
      // publishInbox commits at the end of the event-loop turn; the await measures one whole group commit.
      await queue.publishInbox(records);
      const started = process.hrtime.bigint();
      for (let i = 0; i < rounds; i++) await queue.publishInbox(records);
      const ms = Number(process.hrtime.bigint() - started) / 1e6 / rounds;
      out.push({ groupEvents: size, msPerCommit: ms, usPerEvent: (ms * 1000) / size });
    }
  } finally {
    await queue.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
