import { sql, type Kysely } from 'kysely';
import type { InstallationRepository } from '../store.js';
import type { Database } from './schema.js';

export class SqlInstallationRepository implements InstallationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('installation').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async setIfAbsent(key: string, value: string): Promise<string> {
    await this.db.insertInto('installation').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
    const stored = await this.get(key);
    if (stored === undefined) throw new Error(`installation key ${key} vanished after insert`);
    return stored;
  }

  async replace(key: string, value: string): Promise<void> {
    await this.db.insertInto('installation').values({ key, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
  }

  async deletePrefix(prefix: string): Promise<number> {
    const result = await this.db.deleteFrom('installation').where(sql<boolean>`substr(key, 1, ${prefix.length}) = ${prefix}`).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
