import type { SqliteDatabase } from '../../store/sqlite/sqlite-database.js';

/** The finished entries of a manifest some of whose entries are finished: a bit per entry, by the manifest's seq. */
export const PROGRESS_TABLE = 'CREATE TABLE IF NOT EXISTS queue_manifest_progress (seq INTEGER PRIMARY KEY, done BLOB NOT NULL)';

/**
 * Which entries of a manifest are finished (manifest-entries.ts), and finishing them: the one place that does it,
 * for the queue's acknowledgements and for an erasure's removal of entries (store/sqlite/attached-queue-deliveries.ts,
 * on a connection where the queue's file is attached as `schema`). Run inside the caller's write transaction.
 */
export class ManifestProgress {
  private readonly read;
  private readonly save;
  private readonly removeRow;
  private readonly removeProgress;
  private readonly rewrite;

  constructor(db: SqliteDatabase, schema = 'main') {
    this.read = db.prepare<[number], Buffer>(`SELECT done FROM ${schema}.queue_manifest_progress WHERE seq = ?`).pluck();
    this.save = db.prepare(`INSERT INTO ${schema}.queue_manifest_progress (seq, done) VALUES (?, ?) ON CONFLICT (seq) DO UPDATE SET done = excluded.done`);
    this.removeRow = db.prepare(`DELETE FROM ${schema}.queue_deliveries WHERE seq = ?`);
    this.removeProgress = db.prepare(`DELETE FROM ${schema}.queue_manifest_progress WHERE seq = ?`);
    this.rewrite = db.prepare(`UPDATE ${schema}.queue_deliveries SET json = ? WHERE seq = ?`);
  }

  /** The manifest's finished entries, or undefined when none is. */
  done(rowSeq: number, entries: number): Uint8Array | undefined {
    const stored = this.read.get(rowSeq);
    return stored === undefined ? undefined : bitsOf(stored, entries);
  }

  /**
   * Marks `places` of a manifest of `entries` entries finished; the manifest goes with its last. `rewritten`: its
   * entries as they are to be kept, when they changed (an erasure blanks some). Returns how many were newly finished.
   */
  finish(rowSeq: number, entries: number, places: Iterable<number>, rewritten?: string): number {
    const bits = bitsOf(this.read.get(rowSeq), entries);
    let finished = 0;
    for (const place of places) if (markDone(bits, place)) finished++;
    if (doneCount(bits) >= entries) {
      this.removeRow.run(rowSeq);
      this.removeProgress.run(rowSeq);
      return finished;
    }
    if (rewritten !== undefined) this.rewrite.run(rewritten, rowSeq);
    if (finished > 0) this.save.run(rowSeq, Buffer.from(bits));
    return finished;
  }
}

function bitsOf(stored: Buffer | undefined, entries: number): Uint8Array {
  const bits = new Uint8Array(Math.ceil(entries / 8));
  if (stored) bits.set(stored.subarray(0, bits.length));
  return bits;
}

export function isDone(bits: Uint8Array, place: number): boolean {
  return ((bits[place >> 3]! >> (place & 7)) & 1) === 1;
}

/** Sets a place's bit; whether it was newly set. */
function markDone(bits: Uint8Array, place: number): boolean {
  if (isDone(bits, place)) return false;
  bits[place >> 3] = (bits[place >> 3] ?? 0) | (1 << (place & 7));
  return true;
}

function doneCount(bits: Uint8Array): number {
  let n = 0;
  for (const byte of bits) for (let b = byte; b !== 0; b &= b - 1) n++;
  return n;
}
