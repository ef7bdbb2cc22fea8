import type { Kysely, Selectable } from 'kysely';
import { newId, randomToken } from '../../core/ids.js';
import type { Source } from '../../core/source.js';
import type { SourceRepository } from '../store.js';
import type { Database, SourceTable } from './schema.js';

function toSource(row: Selectable<SourceTable>): Source {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    writeKey: row.write_key,
    enabled: Number(row.enabled) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** A new writeKey: 32 characters from [A-Za-z0-9], like Segment's. */
export function newWriteKey(): string {
  return randomToken(32);
}

export class SqlSourceRepository implements SourceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: { workspaceId: string; name: string; writeKey?: string }): Promise<Source> {
    const now = Date.now();
    const row = {
      id: newId('src'),
      workspace_id: input.workspaceId,
      name: input.name,
      write_key: input.writeKey ?? newWriteKey(),
      enabled: 1,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('sources').values(row).execute();
    return toSource(row);
  }

  async get(workspaceId: string, id: string): Promise<Source | undefined> {
    const row = await this.db.selectFrom('sources').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    return row ? toSource(row) : undefined;
  }

  async list(workspaceId: string): Promise<Source[]> {
    const rows = await this.db.selectFrom('sources').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').execute();
    return rows.map(toSource);
  }

  async byWriteKey(writeKey: string): Promise<Source | undefined> {
    const row = await this.db.selectFrom('sources').selectAll().where('write_key', '=', writeKey).executeTakeFirst();
    return row ? toSource(row) : undefined;
  }

  async update(workspaceId: string, id: string, patch: { name?: string; enabled?: boolean; writeKey?: string }): Promise<Source | undefined> {
    const set: Partial<Selectable<SourceTable>> = { updated_at: Date.now() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
    if (patch.writeKey !== undefined) set.write_key = patch.writeKey;
    await this.db.updateTable('sources').set(set).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
    return this.get(workspaceId, id);
  }
}
