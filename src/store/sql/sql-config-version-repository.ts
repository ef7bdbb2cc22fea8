import { sql, type Kysely } from 'kysely';
import type { ConfigVersionRepository } from '../store.js';
import type { Database } from './schema.js';

export class SqlConfigVersionRepository implements ConfigVersionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async bump(topic: string): Promise<void> {
    await this.db
      .insertInto('config_versions')
      .values({ topic, version: 1 })
      .onConflict((oc) => oc.column('topic').doUpdateSet({ version: sql<number>`config_versions.version + 1` }))
      .execute();
  }

  async all(): Promise<ReadonlyMap<string, number>> {
    const rows = await this.db.selectFrom('config_versions').select(['topic', 'version']).execute();
    return new Map(rows.map((r) => [r.topic, Number(r.version)]));
  }
}
