import type { Kysely } from 'kysely';
import type { DisclosureRecord, DisclosureRepository, DisclosureResourceType } from '../store.js';
import type { Database, DisclosureProfileTable } from './schema.js';

function toRecord(row: DisclosureProfileTable): DisclosureRecord {
  return {
    workspaceId: row.workspace_id,
    resourceType: row.resource_type as DisclosureResourceType,
    resourceId: row.resource_id,
    resourceName: row.resource_name,
    profile: JSON.parse(row.profile) as Record<string, unknown>,
    updatedAt: Number(row.updated_at),
    removedAt: row.removed_at === null ? null : Number(row.removed_at),
  };
}

export class SqlDisclosureRepository implements DisclosureRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async put(record: Omit<DisclosureRecord, 'removedAt'>): Promise<DisclosureRecord> {
    const row = {
      workspace_id: record.workspaceId,
      resource_type: record.resourceType,
      resource_id: record.resourceId,
      resource_name: record.resourceName,
      profile: JSON.stringify(record.profile),
      updated_at: record.updatedAt,
      removed_at: null,
    };
    await this.db
      .insertInto('disclosure_profiles')
      .values(row)
      .onConflict((oc) => oc.columns(['workspace_id', 'resource_type', 'resource_id']).doUpdateSet({ resource_name: row.resource_name, profile: row.profile, updated_at: row.updated_at, removed_at: null }))
      .execute();
    return toRecord(row);
  }

  async list(workspaceId: string): Promise<DisclosureRecord[]> {
    const rows = await this.db.selectFrom('disclosure_profiles').selectAll().where('workspace_id', '=', workspaceId).orderBy('resource_type').orderBy('resource_name').execute();
    return rows.map(toRecord);
  }

  async markRemoved(workspaceId: string, resourceType: DisclosureResourceType, resourceId: string, at: number): Promise<void> {
    await this.db
      .updateTable('disclosure_profiles')
      .set({ removed_at: at })
      .where('workspace_id', '=', workspaceId)
      .where('resource_type', '=', resourceType)
      .where('resource_id', '=', resourceId)
      .where('removed_at', 'is', null)
      .execute();
  }
}
