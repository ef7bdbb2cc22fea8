import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDeliveryLogDatabase } from './delivery-log-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the embedded delivery log file', () => {
  it('adds the columns later versions need to a file an earlier version created, keeping its rows', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-delivery-log-'));
    dirs.push(dir);
    const file = path.join(dir, 'deliveries.db');
    // deliveries.db as versions before migration 0920 created it.
    const old = new Database(file);
    old.exec(`CREATE TABLE deliveries (workspace_id TEXT NOT NULL, destination_id TEXT NOT NULL, message_id TEXT NOT NULL, source_id TEXT NOT NULL,
      status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, reason TEXT, last_error TEXT, updated_at BIGINT NOT NULL,
      CONSTRAINT deliveries_pk PRIMARY KEY (message_id, destination_id))`);
    old.prepare("INSERT INTO deliveries VALUES ('ws', 'dst', 'm1', 'src', 'retrying', 2, NULL, 'HTTP 503', 1700000000000)").run();
    old.close();

    const db = openDeliveryLogDatabase(file);
    try {
      expect(db.prepare('SELECT message_id, status, attempts, next_attempt_at, first_attempt_at FROM deliveries').all()).toEqual([{ message_id: 'm1', status: 'retrying', attempts: 2, next_attempt_at: null, first_attempt_at: null }]);
      db.prepare("UPDATE deliveries SET next_attempt_at = 1700000001000 WHERE message_id = 'm1'").run();
    } finally {
      db.close();
    }
    // Opening again (every thread opens it) changes nothing.
    const again = openDeliveryLogDatabase(file);
    try {
      expect(again.prepare('SELECT next_attempt_at FROM deliveries').pluck().get()).toBe(1700000001000);
    } finally {
      again.close();
    }
  });
});
