import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/start-test-sluice.js';
import { openSqliteDatabase, type SqliteDatabase } from './sqlite-database.js';
import { WalCheckpointer } from './wal-checkpointer.js';

/** Writes `rows` rows of 4 KB each (about one page each) in one transaction. */
function write(db: SqliteDatabase, rows: number): void {
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run('x'.repeat(4000));
  })();
}

describe('the checkpointer thread', () => {
  let dir: string | undefined;
  const open: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('copies committed pages from the log into the database file, which a commit no longer does by itself', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-checkpointer-'));
    const files = ['sluice.db', 'queue.db'].map((name) => path.join(dir!, name));
    const dbs = files.map((file) => openSqliteDatabase(file));
    open.push(...dbs);
    for (const db of dbs) db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const mainFileBytes = (file: string) => statSync(file).size;
    // 2,000 pages: past SQLite's default of 1,000, below the connections' fallback of 10,000.
    write(dbs[0]!, 2000);
    await new Promise((r) => setTimeout(r, 300));
    expect(mainFileBytes(files[0]!)).toBeLessThan(1_000_000); // still in the log: no commit checkpointed

    const checkpointer = new WalCheckpointer({ files, intervalMs: 50 }, pino({ level: 'silent' }));
    open.push(checkpointer);
    await checkpointer.start();
    write(dbs[1]!, 2000);
    for (const file of files) await eventually(async () => (mainFileBytes(file) > 8_000_000 ? true : undefined), 5000);
    // The log is reused from its start once copied: it does not keep growing with further writes.
    write(dbs[0]!, 2000);
    await eventually(async () => (mainFileBytes(files[0]!) > 16_000_000 ? true : undefined), 5000);
    write(dbs[0]!, 500);
    expect(statSync(`${files[0]!}-wal`).size).toBeLessThan(2000 * 4096 * 1.5);
  });

  it("empties a log after an erasure without holding the file's writers until their busy timeout, while a reader keeps it", async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-checkpointer-'));
    const file = path.join(dir, 'queue.db');
    const writer = openSqliteDatabase(file);
    const reader = openSqliteDatabase(file);
    open.push(writer, reader);
    writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    write(writer, 10);
    const checkpointer = new WalCheckpointer({ files: [file], intervalMs: 60_000 }, pino({ level: 'silent' }));
    open.push(checkpointer);
    await checkpointer.start();

    // A reader in a transaction on the log's snapshot keeps the truncation waiting.
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM t').get();
    write(writer, 10);
    const truncation = checkpointer.truncateLogs();
    await new Promise((r) => setTimeout(r, 200));
    // Meanwhile the file's writers go on (the Tracking API's inbox commits): one whose own busy timeout is 2 s commits.
    writer.pragma('busy_timeout = 2000');
    for (let i = 0; i < 5; i++) write(writer, 1);
    reader.exec('COMMIT');
    expect(await truncation).toEqual([{ file, truncated: true }]);
    expect(statSync(`${file}-wal`).size).toBe(0);
  });
});
