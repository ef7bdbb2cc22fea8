import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlStore } from '../store/sql/sql-store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { CountersPruner } from './counters-pruner.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('CountersPruner (jobs role)', () => {
  let dir: string;
  let store: SqlStore;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-pruner-'));
    store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes source and delivery counters older than the window, and keeps the rest', async () => {
    const now = 1000 * HOUR;
    const at = (hoursAgo: number) => now - hoursAgo * HOUR;
    await store.sourceCounters.add([
      { workspaceId: 'ws', sourceId: 'src', minute: at(26), kind: 'received', reason: '', count: 1 },
      { workspaceId: 'ws', sourceId: 'src', minute: at(24), kind: 'received', reason: '', count: 2 },
      { workspaceId: '', sourceId: '', minute: at(30), kind: 'rejected', reason: 'unknown_source', count: 3 },
    ]);
    await store.deliveries.record([
      { workspaceId: 'ws', destinationId: 'dst', messageId: 'old', sourceId: 'src', status: 'delivered', attempts: 1, reason: null, lastError: null, updatedAt: at(25.5) },
      { workspaceId: 'ws', destinationId: 'dst', messageId: 'new', sourceId: 'src', status: 'delivered', attempts: 1, reason: null, lastError: null, updatedAt: at(1) },
    ]);
    const pruner = new CountersPruner(store, 25 * HOUR, pino({ level: 'silent' }));
    expect(await pruner.prune(now)).toBe(3);
    expect((await store.sourceCounters.list('ws', 0, now)).map((r) => r.count)).toEqual([2]);
    expect(await store.sourceCounters.list('', 0, now, '')).toEqual([]);
    expect((await store.deliveries.counters('ws', 0, now)).map((r) => r.minute)).toEqual([Math.floor(at(1) / MINUTE) * MINUTE]);
  });
});
