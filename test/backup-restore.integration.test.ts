import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { backupEmbedded } from '../src/cli/backup-command.js';
import { loadConfig } from '../src/config/config.js';
import { startSluice } from '../src/main.js';
import { ownerApi, sendTracking } from './support/api-client.js';
import { eventually, TEST_ADMIN_TOKEN } from './support/start-test-sluice.js';

/**
 * A restore as the README tells it: `sluice backup`'s files copied into a stopped Sluice's data dir as sluice.db,
 * queue.db, deliveries.db and secret.key. The usual reason to restore is a Sluice that crashed, and a crash leaves its
 * write-ahead logs (`sluice.db-wal`, ...) in the data dir: the restored files must not be read through them.
 */
const work = mkdtempSync(path.join(os.tmpdir(), 'sluice-restore-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const config = (dataDir: string) => loadConfig({ PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, SLUICE_LOG_LEVEL: 'silent' });

/** What a crash leaves: the log of writes not yet checkpointed into sluice.db, as it was on disk at that moment. */
function leaveCrashLog(dataDir: string, stash: string): void {
  const db = new BetterSqlite3(path.join(dataDir, 'sluice.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE after_the_backup (x BLOB)');
    const insert = db.prepare('INSERT INTO after_the_backup VALUES (randomblob(1000))');
    db.transaction(() => {
      for (let i = 0; i < 500; i++) insert.run();
    })();
    db.exec("UPDATE events SET user_id = 'changed-after-the-backup'");
    copyFileSync(path.join(dataDir, 'sluice.db-wal'), stash);
  } finally {
    db.close();
  }
  copyFileSync(stash, path.join(dataDir, 'sluice.db-wal'));
}

describe('restoring a backup into the data dir of a Sluice that crashed', () => {
  it('starts on the restored files as they are, setting the dead process\'s write-ahead log aside, and leaves an intact database', async () => {
    const dataDir = mkdtempSync(path.join(work, 'data-'));
    const first = await startSluice(config(dataDir));
    const writeKey = first.bootstrap.defaultWriteKey!;
    const sluice = { url: first.url, token: TEST_ADMIN_TOKEN };
    await sendTracking(first.url, writeKey, 'batch', { batch: Array.from({ length: 40 }, (_, i) => ({ type: 'track', userId: 'restored', event: 'Before Backup', messageId: `before-${i}` })) });
    await eventually(async () => (((await ownerApi(sluice)('GET', '/events?userId=restored&limit=100')).body.events as unknown[]).length === 40 ? true : undefined));
    const backup = await backupEmbedded(dataDir, path.join(work, 'backups'));
    await first.close();

    // Later the Sluice crashed with writes still in its log; the operator restores the backup over its files.
    leaveCrashLog(dataDir, path.join(work, 'crash.wal'));
    copyFileSync(backup.databaseFile, path.join(dataDir, 'sluice.db'));
    copyFileSync(backup.queueFile!, path.join(dataDir, 'queue.db'));
    copyFileSync(backup.deliveryLogFile!, path.join(dataDir, 'deliveries.db'));
    copyFileSync(backup.secretKeyFile!, path.join(dataDir, 'secret.key'));

    const restored = await startSluice(config(dataDir));
    try {
      const events = (await ownerApi({ url: restored.url, token: TEST_ADMIN_TOKEN })('GET', '/events?userId=restored&limit=100')).body.events as { event: string }[];
      expect(events.map((e) => e.event)).toEqual(Array.from({ length: 40 }, () => 'Before Backup'));
    } finally {
      await restored.close();
    }
    const db = new BetterSqlite3(path.join(dataDir, 'sluice.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'after_the_backup'").pluck().get()).toBe(0);
    } finally {
      db.close();
    }
    // Kept, not deleted: the operator can look at it.
    expect(readdirSync(dataDir).filter((name) => name.startsWith('sluice.db-wal.stale-'))).toHaveLength(1);
    const wal = path.join(dataDir, 'sluice.db-wal');
    expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0);
  }, 120_000);
});
