import { sql, type Kysely } from 'kysely';
import type { RejectionExample } from '../../core/tracking/rejection-example.js';
import type { SourceCounter, SourceCounterKind, SourceCounterRepository, SourceDrop, SourceRejection } from '../store.js';
import type { BulkWrites } from './bulk-writes.js';
import type { Database } from './schema.js';

/** Rows per multi-row upsert (6 columns a row, well under SQLite's bound-parameter limit). */
const CHUNK = 500;

export class SqlSourceCounterRepository implements SourceCounterRepository {
  constructor(
    private readonly db: Kysely<Database>,
    /** The embedded store's synchronous writes: `add` without waiting for the file's write lock. */
    private readonly bulk?: Pick<BulkWrites, 'addSourceCountersUnlessBusy'>,
  ) {}

  async add(rows: readonly SourceCounter[], options: { wait?: boolean } = {}): Promise<boolean> {
    if (rows.length === 0) return true;
    const values = rows.map((r) => ({ workspace_id: r.workspaceId, source_id: r.sourceId, minute: r.minute, kind: r.kind, reason: r.reason, count: r.count }));
    if (options.wait === false && this.bulk) return this.bulk.addSourceCountersUnlessBusy(values);
    const write = async (db: Kysely<Database>) => {
      for (let i = 0; i < values.length; i += CHUNK) {
        await db
          .insertInto('source_counters')
          .values(values.slice(i, i + CHUNK))
          .onConflict((oc) => oc.columns(['source_id', 'minute', 'kind', 'reason']).doUpdateSet({ count: sql<number>`source_counters.count + excluded.count` }))
          .execute();
      }
    };
    if (values.length <= CHUNK) await write(this.db);
    else await this.db.transaction().execute(write);
    return true;
  }

  async list(workspaceId: string, from: number, to: number, sourceId?: string): Promise<SourceCounter[]> {
    let query = this.db.selectFrom('source_counters').selectAll().where('workspace_id', '=', workspaceId).where('minute', '>=', from).where('minute', '<', to);
    if (sourceId !== undefined) query = query.where('source_id', '=', sourceId);
    const rows = await query.orderBy('minute').execute();
    return rows.map((r) => ({ workspaceId: r.workspace_id, sourceId: r.source_id, minute: Number(r.minute), kind: r.kind as SourceCounterKind, reason: r.reason, count: Number(r.count) }));
  }

  async saveRejections(rows: readonly SourceRejection[]): Promise<void> {
    // A few rows (one per source and code with a rejection since the last write): one upsert each.
    for (const r of rows) {
      await this.db
        .insertInto('source_rejections')
        .values({ source_id: r.sourceId, code: r.code, workspace_id: r.workspaceId, message: r.message, at: r.at, example: r.example === undefined ? null : JSON.stringify(r.example) })
        .onConflict((oc) =>
          oc
            .columns(['source_id', 'code'])
            .doUpdateSet({ workspace_id: (eb) => eb.ref('excluded.workspace_id'), message: (eb) => eb.ref('excluded.message'), at: (eb) => eb.ref('excluded.at'), example: (eb) => eb.ref('excluded.example') })
            .where('source_rejections.at', '<=', (eb) => eb.ref('excluded.at')),
        )
        .execute();
    }
  }

  async rejections(workspaceId: string, sourceId: string, since: number): Promise<SourceRejection[]> {
    const rows = await this.db.selectFrom('source_rejections').selectAll().where('workspace_id', '=', workspaceId).where('source_id', '=', sourceId).where('at', '>=', since).orderBy('at', 'desc').orderBy('code').execute();
    return rows.map((r) => ({
      workspaceId: r.workspace_id,
      sourceId: r.source_id,
      code: r.code,
      message: r.message,
      at: Number(r.at),
      ...(r.example !== null && { example: JSON.parse(r.example) as RejectionExample }),
    }));
  }

  async saveDrops(rows: readonly SourceDrop[]): Promise<void> {
    // A few rows (one per source and reason with a drop since the last write): one upsert each.
    for (const r of rows) {
      await this.db
        .insertInto('source_drops')
        .values({ source_id: r.sourceId, reason: r.reason, workspace_id: r.workspaceId, message: r.message, at: r.at, example: r.example === undefined ? null : JSON.stringify(r.example) })
        .onConflict((oc) =>
          oc
            .columns(['source_id', 'reason'])
            .doUpdateSet({ workspace_id: (eb) => eb.ref('excluded.workspace_id'), message: (eb) => eb.ref('excluded.message'), at: (eb) => eb.ref('excluded.at'), example: (eb) => eb.ref('excluded.example') })
            .where('source_drops.at', '<=', (eb) => eb.ref('excluded.at')),
        )
        .execute();
    }
  }

  async drops(workspaceId: string, sourceId: string, since: number): Promise<SourceDrop[]> {
    const rows = await this.db.selectFrom('source_drops').selectAll().where('workspace_id', '=', workspaceId).where('source_id', '=', sourceId).where('at', '>=', since).orderBy('at', 'desc').orderBy('reason').execute();
    return rows.map((r) => ({
      workspaceId: r.workspace_id,
      sourceId: r.source_id,
      reason: r.reason,
      message: r.message,
      at: Number(r.at),
      ...(r.example !== null && { example: JSON.parse(r.example) as RejectionExample }),
    }));
  }

  async prune(before: number): Promise<number> {
    const result = await this.db.deleteFrom('source_counters').where('minute', '<', before).executeTakeFirst();
    const rejections = await this.db.deleteFrom('source_rejections').where('at', '<', before).executeTakeFirst();
    const drops = await this.db.deleteFrom('source_drops').where('at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows) + Number(rejections.numDeletedRows) + Number(drops.numDeletedRows);
  }
}
