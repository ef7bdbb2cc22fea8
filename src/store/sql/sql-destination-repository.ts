import type { Kysely, Selectable } from 'kysely';
import type { DestinationTombstone, StoredDestination } from '../../core/destination.js';
import type { DestinationFilter } from '../../core/destination-filters.js';
import { newId } from '../../core/ids.js';
import type { DestinationPatch, DestinationRepository, NewDestination } from '../store.js';
import type { Database, DestinationTable } from './schema.js';

function toDestination(row: Selectable<DestinationTable>): StoredDestination {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    type: row.type,
    publicConfig: JSON.parse(row.config) as Record<string, unknown>,
    sealedSecrets: row.secrets,
    sourceIds: row.source_ids === null ? null : (JSON.parse(row.source_ids) as string[]),
    consentCategories: row.consent_categories === null ? null : (JSON.parse(row.consent_categories) as string[]),
    filters: row.filters === null ? [] : (JSON.parse(row.filters) as DestinationFilter[]),
    enabled: Number(row.enabled) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    ...(row.enabled_at !== null && Number(row.enabled) === 1 && { enabledAt: Number(row.enabled_at) }),
  };
}

function toTombstone(row: Pick<Selectable<DestinationTable>, 'id' | 'workspace_id' | 'name' | 'type' | 'created_at' | 'deleted_at' | 'deleted_by'>): DestinationTombstone {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    type: row.type,
    createdAt: Number(row.created_at),
    deletedAt: Number(row.deleted_at),
    deletedBy: row.deleted_by ?? '',
  };
}

const TOMBSTONE_COLUMNS = ['id', 'workspace_id', 'name', 'type', 'created_at', 'deleted_at', 'deleted_by'] as const;

const jsonOrNull = (value: readonly string[] | null) => (value === null ? null : JSON.stringify(value));
const filtersOrNull = (value: readonly DestinationFilter[]) => (value.length === 0 ? null : JSON.stringify(value));

export class SqlDestinationRepository implements DestinationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: NewDestination): Promise<StoredDestination> {
    const now = Date.now();
    const row = {
      id: newId('dst'),
      workspace_id: input.workspaceId,
      name: input.name,
      type: input.type,
      config: JSON.stringify(input.publicConfig),
      secrets: input.sealedSecrets,
      source_ids: jsonOrNull(input.sourceIds),
      consent_categories: jsonOrNull(input.consentCategories),
      filters: filtersOrNull(input.filters ?? []),
      enabled: input.enabled ? 1 : 0,
      created_at: now,
      updated_at: now,
      enabled_at: input.enabled ? now : null,
      deleted_at: null,
      deleted_by: null,
    };
    await this.db.insertInto('destinations').values(row).execute();
    return toDestination(row);
  }

  async get(workspaceId: string, id: string): Promise<StoredDestination | undefined> {
    const row = await this.configured().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    return row ? toDestination(row) : undefined;
  }

  async list(workspaceId: string): Promise<StoredDestination[]> {
    const rows = await this.configured().where('workspace_id', '=', workspaceId).orderBy('created_at').execute();
    return rows.map(toDestination);
  }

  async listAll(): Promise<StoredDestination[]> {
    const rows = await this.configured().orderBy('created_at').execute();
    return rows.map(toDestination);
  }

  async update(workspaceId: string, id: string, patch: DestinationPatch): Promise<StoredDestination | undefined> {
    const now = Date.now();
    const set: Partial<Selectable<DestinationTable>> = { updated_at: now };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.publicConfig !== undefined) set.config = JSON.stringify(patch.publicConfig);
    if (patch.sealedSecrets !== undefined) set.secrets = patch.sealedSecrets;
    if (patch.sourceIds !== undefined) set.source_ids = jsonOrNull(patch.sourceIds);
    if (patch.consentCategories !== undefined) set.consent_categories = jsonOrNull(patch.consentCategories);
    if (patch.filters !== undefined) set.filters = filtersOrNull(patch.filters);
    if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
    await this.db
      .updateTable('destinations')
      .set(set)
      // Enabled again: since now; still enabled: unchanged; disabled: none.
      .$if(patch.enabled === true, (q) => q.set((eb) => ({ enabled_at: eb.case().when('enabled', '=', 0).then(now).else(eb.ref('enabled_at')).end() })))
      .$if(patch.enabled === false, (q) => q.set({ enabled_at: null }))
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .execute();
    return this.get(workspaceId, id);
  }

  async delete(workspaceId: string, id: string, deletion: { by: string; at: number }): Promise<DestinationTombstone | undefined> {
    // One conditional statement: of two concurrent deletions, one wins and the other finds nothing to delete.
    const result = await this.db
      .updateTable('destinations')
      .set({ deleted_at: deletion.at, deleted_by: deletion.by, config: '{}', secrets: null, filters: null, enabled: 0, updated_at: deletion.at })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return undefined;
    const row = await this.db.selectFrom('destinations').select(TOMBSTONE_COLUMNS).where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirstOrThrow();
    return toTombstone(row);
  }

  async tombstones(workspaceId: string): Promise<DestinationTombstone[]> {
    const rows = await this.db.selectFrom('destinations').select(TOMBSTONE_COLUMNS).where('workspace_id', '=', workspaceId).where('deleted_at', 'is not', null).orderBy('deleted_at').execute();
    return rows.map(toTombstone);
  }

  /** Destinations that are configured: every read of the pipeline and the API skips tombstones. */
  private configured() {
    return this.db.selectFrom('destinations').selectAll().where('deleted_at', 'is', null);
  }
}
