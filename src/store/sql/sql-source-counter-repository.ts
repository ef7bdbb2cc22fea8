import { sql, type Kysely } from 'kysely';
import type { SourceCounter, SourceCounterKind, SourceCounterRepository } from '../store.js';
import type { Database } from './schema.js';

/** Rows per multi-row upsert (6 columns a row, well under SQLite's bound-parameter limit). */
const CHUNK = 500;

export class SqlSourceCounterRepository implements SourceCounterRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async add(rows: readonly SourceCounter[]): Promise<void> {
    if (rows.length === 0) return;
    const values = rows.map((r) => ({ workspace_id: r.workspaceId, source_id: r.sourceId, minute: r.minute, kind: r.kind, reason: r.reason, count: r.count }));
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
  }

  async list(workspaceId: string, from: number, to: number, sourceId?: string): Promise<SourceCounter[]> {
    let query = this.db.selectFrom('source_counters').selectAll().where('workspace_id', '=', workspaceId).where('minute', '>=', from).where('minute', '<', to);
    if (sourceId !== undefined) query = query.where('source_id', '=', sourceId);
    const rows = await query.orderBy('minute').execute();
    return rows.map((r) => ({ workspaceId: r.workspace_id, sourceId: r.source_id, minute: Number(r.minute), kind: r.kind as SourceCounterKind, reason: r.reason, count: Number(r.count) }));
  }

  async prune(before: number): Promise<number> {
    const result = await this.db.deleteFrom('source_counters').where('minute', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
