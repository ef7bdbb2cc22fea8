import type { Kysely, Selectable } from 'kysely';
import {
  PIPELINE_ALERT_RESOLUTIONS,
  type NewPipelineAlert,
  type PipelineAlert,
  type PipelineAlertKind,
  type PipelineAlertRepository,
  type PipelineAlertResolution,
} from '../pipeline-alert-repository.js';
import type { Database, PipelineAlertTable } from './schema.js';

function alertOf(row: Selectable<PipelineAlertTable>): PipelineAlert {
  return {
    id: row.id,
    kind: 'processing_behind',
    openedAt: Number(row.opened_at),
    waitingSince: Number(row.waiting_since),
    backlog: Number(row.backlog),
    resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
    resolution: PIPELINE_ALERT_RESOLUTIONS.includes(row.resolution as PipelineAlertResolution) ? (row.resolution as PipelineAlertResolution) : null,
  };
}

export class SqlPipelineAlertRepository implements PipelineAlertRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async open(alert: NewPipelineAlert): Promise<boolean> {
    // The partial unique index (one open episode per kind) turns a second opening into nothing.
    const result = await this.db
      .insertInto('pipeline_alerts')
      .values({ id: alert.id, kind: alert.kind, opened_at: alert.openedAt, waiting_since: alert.waitingSince, backlog: alert.backlog, resolved_at: null, resolution: null })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async resolve(kind: PipelineAlertKind, at: number, resolution: PipelineAlertResolution): Promise<PipelineAlert | undefined> {
    const row = await this.db.updateTable('pipeline_alerts').set({ resolved_at: at, resolution }).where('kind', '=', kind).where('resolved_at', 'is', null).returningAll().executeTakeFirst();
    return row ? alertOf(row) : undefined;
  }

  async openNow(): Promise<PipelineAlert[]> {
    return (await this.db.selectFrom('pipeline_alerts').selectAll().where('resolved_at', 'is', null).orderBy('opened_at', 'desc').execute()).map(alertOf);
  }

  async list(limit: number): Promise<PipelineAlert[]> {
    return (await this.db.selectFrom('pipeline_alerts').selectAll().orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(limit).execute()).map(alertOf);
  }

  async prune(before: number): Promise<number> {
    const result = await this.db.deleteFrom('pipeline_alerts').where('resolved_at', 'is not', null).where('resolved_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
