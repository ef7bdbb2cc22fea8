import type { Kysely, Selectable } from 'kysely';
import { ROLES, type Role } from '../../config/config.js';
import { ROLE_ALERT_RESOLUTIONS, type RoleAlert, type RoleAlertRepository, type RoleAlertResolution } from '../role-alert-repository.js';
import type { Database, RoleAlertTable } from './schema.js';

function alertOf(row: Selectable<RoleAlertTable>): RoleAlert {
  return {
    id: row.id,
    role: ROLES.find((r) => r === row.role) ?? 'jobs',
    missingSince: Number(row.missing_since),
    openedAt: Number(row.opened_at),
    resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
    resolution: ROLE_ALERT_RESOLUTIONS.find((r) => r === row.resolution) ?? null,
  };
}

export class SqlRoleAlertRepository implements RoleAlertRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async open(alert: Omit<RoleAlert, 'resolvedAt' | 'resolution'>): Promise<boolean> {
    // The partial unique index (one open episode per role) turns a second opening into nothing.
    const result = await this.db
      .insertInto('role_alerts')
      .values({ id: alert.id, role: alert.role, missing_since: alert.missingSince, opened_at: alert.openedAt, resolved_at: null, resolution: null })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async resolve(role: Role, at: number, resolution: RoleAlertResolution): Promise<RoleAlert | undefined> {
    const row = await this.db.updateTable('role_alerts').set({ resolved_at: at, resolution }).where('role', '=', role).where('resolved_at', 'is', null).returningAll().executeTakeFirst();
    return row ? alertOf(row) : undefined;
  }

  async openNow(): Promise<RoleAlert[]> {
    return (await this.db.selectFrom('role_alerts').selectAll().where('resolved_at', 'is', null).orderBy('opened_at').execute()).map(alertOf);
  }

  async list(limit: number): Promise<RoleAlert[]> {
    return (await this.db.selectFrom('role_alerts').selectAll().orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(limit).execute()).map(alertOf);
  }

  async prune(before: number): Promise<number> {
    const result = await this.db.deleteFrom('role_alerts').where('resolved_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
