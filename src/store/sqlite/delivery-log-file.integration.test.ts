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

  it('re-keys a file an earlier version created by (message_id, destination_id), keeping every row, so two sources\' events with one messageId each keep a row', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-delivery-log-'));
    dirs.push(dir);
    const file = path.join(dir, 'deliveries.db');
    // deliveries.db as versions before migration 0970 created it.
    const old = new Database(file);
    old.exec(`CREATE TABLE deliveries (workspace_id TEXT NOT NULL, destination_id TEXT NOT NULL, message_id TEXT NOT NULL, source_id TEXT NOT NULL,
      status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, reason TEXT, last_error TEXT, updated_at BIGINT NOT NULL, next_attempt_at BIGINT, first_attempt_at BIGINT,
      CONSTRAINT deliveries_pk PRIMARY KEY (message_id, destination_id));
      CREATE INDEX deliveries_destination_status ON deliveries (destination_id, status, updated_at);`);
    const rows = [
      { workspace_id: 'ws', destination_id: 'dst_a', message_id: 'm1', source_id: 'src_1', status: 'retrying', attempts: 2, reason: null, last_error: 'HTTP 503', updated_at: 1700000000000, next_attempt_at: 1700000004000, first_attempt_at: 1699999999000 },
      { workspace_id: 'ws', destination_id: 'dst_b', message_id: 'm1', source_id: 'src_1', status: 'delivered', attempts: 1, reason: null, last_error: null, updated_at: 1700000000001, next_attempt_at: null, first_attempt_at: null },
    ];
    const insert = old.prepare('INSERT INTO deliveries VALUES (@workspace_id, @destination_id, @message_id, @source_id, @status, @attempts, @reason, @last_error, @updated_at, @next_attempt_at, @first_attempt_at)');
    for (const row of rows) insert.run(row);
    old.close();

    const all = (db: Database.Database) => db.prepare('SELECT * FROM deliveries ORDER BY message_id, source_id, destination_id').all();
    const db = openDeliveryLogDatabase(file);
    try {
      expect(all(db)).toEqual(rows);
      expect(db.prepare("SELECT name, pk FROM pragma_table_info('deliveries') WHERE pk > 0 ORDER BY pk").all()).toEqual([{ name: 'message_id', pk: 1 }, { name: 'source_id', pk: 2 }, { name: 'destination_id', pk: 3 }]);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deliveries' AND name NOT LIKE 'sqlite_autoindex%'").pluck().all()).toEqual(['deliveries_destination_status']);
      db.prepare("INSERT INTO deliveries (workspace_id, destination_id, message_id, source_id, status, attempts, updated_at) VALUES ('ws', 'dst_a', 'm1', 'src_2', 'queued', 0, 1700000000002)").run();
    } finally {
      db.close();
    }
    // Opening again (every thread opens it) changes nothing.
    const again = openDeliveryLogDatabase(file);
    try {
      expect(all(again)).toEqual([...rows, { workspace_id: 'ws', destination_id: 'dst_a', message_id: 'm1', source_id: 'src_2', status: 'queued', attempts: 0, reason: null, last_error: null, updated_at: 1700000000002, next_attempt_at: null, first_attempt_at: null }]);
    } finally {
      again.close();
    }
  });
});
