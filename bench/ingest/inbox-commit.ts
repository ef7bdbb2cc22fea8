// How long one group commit of the embedded inbox blocks the thread that runs it (SQLite transaction +
// fsync, synchronous=FULL), by group size: the figure behind docs/decisions/0002-inbox-writer-thread.md.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteQueue } from '../../src/queue/sqlite/sqlite-queue.js';
import { sqliteFile } from '../../src/store/sqlite/sqlite-database.js';
import { trackEvent } from './bodies.js';

export interface CommitCost {
  groupEvents: number;
  msPerCommit: number;
  usPerEvent: number;
}

export async function measureInboxCommit(groupSizes = [1, 10, 100, 1000, 5000], rounds = 40): Promise<CommitCost[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-inbox-bench-'));
  const queue = new SqliteQueue(sqliteFile(dir));
  const json = JSON.stringify({ ...trackEvent(1), messageId: 'm', receivedAt: new Date().toISOString() });
  const out: CommitCost[] = [];
  try {
    for (const size of groupSizes) {
      const records = Array.from({ length: size }, () => ({ workspaceId: 'ws_default', sourceId: 'src_bench', json }));
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
