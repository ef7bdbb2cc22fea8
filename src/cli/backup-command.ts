import { chmodSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { loadConfig } from '../config/config.js';
import { SluiceError } from '../core/errors.js';
import { deliveryLogFileOf } from '../store/sqlite/delivery-log-file.js';
import { sqliteFile, sqliteQueueFile } from '../store/sqlite/sqlite-database.js';

/** Pages copied per step once the copy is under way: all of them, so a busy writer cannot restart it forever. */
const PAGES_PER_STEP = 1_000_000_000;

export interface BackupResult {
  databaseFile: string;
  /** The queues' copy (events accepted and not yet processed, delivery jobs), when the data dir has a queue file. */
  queueFile: string | undefined;
  /** The delivery log's copy, when the data dir has one (deliveries.db). */
  deliveryLogFile: string | undefined;
  secretKeyFile: string | undefined;
  events: number;
}

function timestamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Copies one SQLite file with the online backup API (a separate read-only connection: writers are not blocked), checks it, and makes it a stand-alone file. */
async function copyDatabase(source: string, target: string): Promise<BetterSqlite3.Database> {
  const db = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    await db.backup(target, { progress: () => PAGES_PER_STEP });
  } finally {
    db.close();
  }
  const copy = new BetterSqlite3(target);
  const check = copy.pragma('integrity_check', { simple: true });
  if (check !== 'ok') {
    copy.close();
    throw new Error(`the backup ${target} failed SQLite's integrity check: ${String(check)}`);
  }
  // A stand-alone file: no -wal to carry around.
  copy.pragma('journal_mode = DELETE');
  return copy;
}

/**
 * A consistent copy of the embedded database and its queues, taken while Sluice keeps running, each checked
 * with `integrity_check`. The queue file is copied first: an event the processor takes from the inbox between
 * the two copies is then in both (the processor deduplicates it by messageId after a restore), never in neither.
 * The delivery log comes last (what happened to each event and destination; a restore that lacks a line
 * shows that delivery as unknown, the event itself is not lost).
 * The data dir's `secret.key` is copied next to them, since secrets at rest cannot be read without it.
 */
export async function backupEmbedded(dataDir: string, targetDir: string, now = new Date()): Promise<BackupResult> {
  const source = sqliteFile(dataDir);
  if (!existsSync(source)) {
    throw new SluiceError('invalid_config', `No Sluice database at ${source}: set SLUICE_DATA_DIR (or --data-dir) to the data directory of the Sluice to back up.`);
  }
  mkdirSync(targetDir, { recursive: true });
  const name = `sluice-${timestamp(now)}`;
  const databaseFile = path.join(targetDir, `${name}.db`);
  if (existsSync(databaseFile)) throw new SluiceError('invalid_config', `${databaseFile} exists already; choose another directory.`);

  let queueFile: string | undefined;
  if (existsSync(sqliteQueueFile(dataDir))) {
    queueFile = path.join(targetDir, `${name}.queue.db`);
    (await copyDatabase(sqliteQueueFile(dataDir), queueFile)).close();
  }
  const copy = await copyDatabase(source, databaseFile);
  let events: number;
  try {
    events = Number(copy.prepare('SELECT count(*) FROM events').pluck().get());
  } finally {
    copy.close();
  }
  let deliveryLogFile: string | undefined;
  if (existsSync(deliveryLogFileOf(source))) {
    deliveryLogFile = path.join(targetDir, `${name}.deliveries.db`);
    (await copyDatabase(deliveryLogFileOf(source), deliveryLogFile)).close();
  }

  let secretKeyFile: string | undefined;
  const key = path.join(dataDir, 'secret.key');
  if (existsSync(key)) {
    secretKeyFile = path.join(targetDir, `${name}.secret.key`);
    copyFileSync(key, secretKeyFile);
    chmodSync(secretKeyFile, 0o600);
  }
  return { databaseFile, queueFile, deliveryLogFile, secretKeyFile, events };
}

/** `sluice backup DIR [--data-dir DIR]`: an online backup of the embedded database of a (running) Sluice. */
export async function backupCommand(targetDir: string, options: { dataDir?: string }): Promise<void> {
  const config = loadConfig();
  if (config.databaseUrl && !options.dataDir) {
    throw new SluiceError('invalid_config', 'SLUICE_DATABASE_URL is set: this Sluice stores its data in PostgreSQL; back that up with pg_dump. `sluice backup` copies the embedded SQLite database.');
  }
  const dataDir = path.resolve(options.dataDir ?? config.dataDir);
  const result = await backupEmbedded(dataDir, path.resolve(targetDir));
  process.stdout.write(`Backed up ${sqliteFile(dataDir)} to ${result.databaseFile} (${result.events} events; integrity check ok).\n`);
  if (result.queueFile) process.stdout.write(`Backed up the queues (${sqliteQueueFile(dataDir)}) to ${result.queueFile}.\n`);
  if (result.deliveryLogFile) process.stdout.write(`Backed up the delivery log (${deliveryLogFileOf(sqliteFile(dataDir))}) to ${result.deliveryLogFile}.\n`);
  if (result.secretKeyFile) {
    process.stdout.write(`Copied the secret key to ${result.secretKeyFile}: keep it as safe as the data (restore it as secret.key next to sluice.db).\n`);
  }
  process.stdout.write(`To restore: stop Sluice, copy the backup to <data dir>/sluice.db, the queues' copy to <data dir>/queue.db, the delivery log's to <data dir>/deliveries.db and the key to <data dir>/secret.key, start Sluice.\n`);
}
