import type { Kysely, Selectable } from 'kysely';
import { SluiceError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Workspace } from '../../core/workspace.js';
import type { WorkspaceRepository } from '../store.js';
import type { Database, WorkspaceTable } from './schema.js';

function toWorkspace(row: Selectable<WorkspaceTable>): Workspace {
  return { id: row.id, name: row.name, settings: JSON.parse(row.settings) as Record<string, unknown>, createdAt: Number(row.created_at) };
}

/** Tries of a settings change that another writer keeps overtaking. */
const SETTINGS_ATTEMPTS = 20;

export class SqlWorkspaceRepository implements WorkspaceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: { id?: string; name: string }): Promise<Workspace> {
    const row = { id: input.id ?? newId('ws'), name: input.name, settings: '{}', created_at: Date.now() };
    await this.db.insertInto('workspaces').values(row).execute();
    return toWorkspace(row);
  }

  async get(id: string): Promise<Workspace | undefined> {
    const row = await this.db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toWorkspace(row) : undefined;
  }

  async list(): Promise<Workspace[]> {
    const rows = await this.db.selectFrom('workspaces').selectAll().orderBy('created_at').execute();
    return rows.map(toWorkspace);
  }

  async updateSettings(id: string, settings: Record<string, unknown>): Promise<void> {
    await this.db.updateTable('workspaces').set({ settings: JSON.stringify(settings) }).where('id', '=', id).execute();
  }

  async changeSettings(id: string, change: (settings: Record<string, unknown>) => Record<string, unknown>): Promise<Record<string, unknown>> {
    // Compare and set: the write applies only if the document is still the one read, else it is read again.
    for (let attempt = 0; attempt < SETTINGS_ATTEMPTS; attempt++) {
      const row = await this.db.selectFrom('workspaces').select('settings').where('id', '=', id).executeTakeFirst();
      if (!row) throw new SluiceError('not_found', `Workspace ${id} no longer exists.`);
      const next = change(JSON.parse(row.settings) as Record<string, unknown>);
      const result = await this.db.updateTable('workspaces').set({ settings: JSON.stringify(next) }).where('id', '=', id).where('settings', '=', row.settings).executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) return next;
    }
    throw new Error(`workspace ${id}: its settings kept changing while ${SETTINGS_ATTEMPTS} updates were tried`);
  }
}
