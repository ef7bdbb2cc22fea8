import { closeSync, existsSync, openSync, readSync, renameSync, statSync } from 'node:fs';

/** Byte 18 of an SQLite file's header (the file format's "write version"): 2 in WAL mode, 1 with a rollback journal. */
const WRITE_VERSION_OFFSET = 18;
const WAL_MODE = 2;

/** Whether an SQLite file's header says WAL mode (false for a missing, short or rollback-journal file). */
function inWalMode(file: string): boolean {
  if (!existsSync(file)) return false;
  const header = Buffer.alloc(WRITE_VERSION_OFFSET + 1);
  const fd = openSync(file, 'r');
  try {
    return readSync(fd, header, 0, header.length, 0) === header.length && header[WRITE_VERSION_OFFSET] === WAL_MODE;
  } finally {
    closeSync(fd);
  }
}

/**
 * Moves aside a write-ahead log (`<file>-wal`, with its `-shm`) that cannot belong to `file`: a database in WAL mode
 * keeps that mode in its header, and one leaving WAL mode takes its log with it, so a log next to a file not in WAL
 * mode was left by another file. That is what a restore leaves: `sluice backup` writes stand-alone copies (rollback
 * journal), copied over a data dir whose Sluice crashed, next to its logs; SQLite would replay the old file's log onto
 * the restored one and corrupt it. Renamed to `<name>.stale-<time>`, not deleted. Only call it on files no process
 * has open (the data dir's lock held). Returns the paths it moved, as renamed.
 */
export function setAsideStaleWal(file: string, now: Date = new Date()): string[] {
  const wal = `${file}-wal`;
  if (!existsSync(wal) || statSync(wal).size === 0 || inWalMode(file)) return [];
  const suffix = `.stale-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
  const moved: string[] = [];
  for (const leftover of [wal, `${file}-shm`]) {
    if (!existsSync(leftover)) continue;
    renameSync(leftover, `${leftover}${suffix}`);
    moved.push(`${leftover}${suffix}`);
  }
  return moved;
}
