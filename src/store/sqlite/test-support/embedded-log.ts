import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteQueue } from '../../../queue/sqlite/sqlite-queue.js';
import type { SqlStore } from '../../sql/sql-store.js';
import { openSqliteStore } from '../sqlite-store.js';

/** An embedded store whose delivery log reads the queue's jobs (decision 0108), its queue, and a workspace with two sources. */
export interface EmbeddedLog {
  dir: string;
  store: SqlStore;
  queue: SqliteQueue;
  /** The workspace's two sources (ids made by the store). */
  sources: [string, string];
}

/** Opens an {@link EmbeddedLog} in a fresh data directory (`prefix` names it), with workspace `workspaceId`. */
export async function openEmbeddedLog(prefix: string, workspaceId: string): Promise<EmbeddedLog> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const store = await openSqliteStore({ file: path.join(dir, 'sluice.db'), queueFile: path.join(dir, 'queue.db') });
  const queue = new SqliteQueue(path.join(dir, 'queue.db'));
  await store.workspaces.create({ id: workspaceId, name: prefix });
  const web = (await store.sources.create({ workspaceId, name: 'Web' })).id;
  const app = (await store.sources.create({ workspaceId, name: 'App' })).id;
  return { dir, store, queue, sources: [web, app] };
}

/** Closes it and removes its data directory. */
export async function closeEmbeddedLog(log: EmbeddedLog): Promise<void> {
  await log.queue.close();
  await log.store.close();
  rmSync(log.dir, { recursive: true, force: true });
}
