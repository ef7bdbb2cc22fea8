import type { Kysely, Selectable } from 'kysely';
import { ALERT_RESOLUTIONS, type AlertKind, type AlertResolution, type DestinationAlert, type DestinationAlertRepository, type NewDestinationAlert } from '../destination-alert-repository.js';
import type { Database, DestinationAlertTable } from './schema.js';

function alertOf(row: Selectable<DestinationAlertTable>): DestinationAlert {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    destinationId: row.destination_id,
    kind: row.kind === 'falling_behind' ? 'falling_behind' : 'failing',
    openedAt: Number(row.opened_at),
    failures: Number(row.failures),
    attempts: Number(row.attempts),
    topReason: row.top_reason,
    lastError: row.last_error,
    waiting: row.waiting === null ? null : Number(row.waiting),
    oldestWaitingAt: row.oldest_waiting_at === null ? null : Number(row.oldest_waiting_at),
    notifiedAt: row.notified_at === null ? null : Number(row.notified_at),
    resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
    resolution: ALERT_RESOLUTIONS.includes(row.resolution as AlertResolution) ? (row.resolution as AlertResolution) : null,
  };
}

export class SqlDestinationAlertRepository implements DestinationAlertRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async open(alert: NewDestinationAlert): Promise<boolean> {
    // The partial unique index (one open episode per destination and kind) turns a second opening into nothing.
    const result = await this.db
      .insertInto('destination_alerts')
      .values({
        id: alert.id,
        workspace_id: alert.workspaceId,
        destination_id: alert.destinationId,
        kind: alert.kind,
        opened_at: alert.openedAt,
        failures: alert.failures,
        attempts: alert.attempts,
        top_reason: alert.topReason,
        last_error: alert.lastError,
        waiting: alert.waiting,
        oldest_waiting_at: alert.oldestWaitingAt,
        notified_at: alert.notifiedAt,
        resolved_at: null,
        resolution: null,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async resolve(workspaceId: string, destinationId: string, kind: AlertKind, at: number, resolution: AlertResolution): Promise<DestinationAlert | undefined> {
    const row = await this.db
      .updateTable('destination_alerts')
      .set({ resolved_at: at, resolution })
      .where('workspace_id', '=', workspaceId)
      .where('destination_id', '=', destinationId)
      .where('kind', '=', kind)
      .where('resolved_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row ? alertOf(row) : undefined;
  }

  async markNotified(workspaceId: string, id: string, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('destination_alerts')
      .set({ notified_at: at })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('notified_at', 'is', null)
      .where('resolved_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async openOf(workspaceId: string): Promise<DestinationAlert[]> {
    const rows = await this.db.selectFrom('destination_alerts').selectAll().where('workspace_id', '=', workspaceId).where('resolved_at', 'is', null).orderBy('opened_at', 'desc').execute();
    return rows.map(alertOf);
  }

  async list(workspaceId: string, options: { destinationId?: string; limit: number }): Promise<DestinationAlert[]> {
    let query = this.db.selectFrom('destination_alerts').selectAll().where('workspace_id', '=', workspaceId);
    if (options.destinationId !== undefined) query = query.where('destination_id', '=', options.destinationId);
    const rows = await query.orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
    return rows.map(alertOf);
  }

  async prune(before: number): Promise<number> {
    const result = await this.db.deleteFrom('destination_alerts').where('resolved_at', 'is not', null).where('resolved_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
