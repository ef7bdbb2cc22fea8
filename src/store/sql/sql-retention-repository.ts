import { sql, type Kysely } from 'kysely';
import type { JsonObject } from '../../protocol/segment-event.js';
import type { DeliveryRepository, RetentionRepository } from '../store.js';
import type { Database } from './schema.js';

export class SqlRetentionRepository implements RetentionRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly deliveries: Pick<DeliveryRepository, 'forget'>,
  ) {}

  /**
   * The workspace's oldest `limit` events in the order they were stored (`events_workspace_seq`), of which those
   * received before `before` are deleted. A condition on `received_at` in the query itself made the walk unbounded:
   * with nothing due, SQLite (no statistics) read every event of the workspace to find none, on the thread that
   * answers the Tracking API, at every sweep. Events are stored about in the order they were received, so the
   * window ends where the due ones do; one stored after a newer one (a scale-mode partition that lagged) goes
   * when the events stored before it have gone, at the latest once the newer one is due.
   */
  async deleteEventsBefore(workspaceId: string, before: number, limit: number): Promise<number> {
    const oldest = await this.db.selectFrom('events').select(['seq', 'source_id', 'message_id', 'received_at']).where('workspace_id', '=', workspaceId).orderBy('seq').limit(limit).execute();
    const doomed = oldest.filter((r) => Number(r.received_at) < before);
    if (doomed.length === 0) return 0;
    // The mark first: from here on the delivery log may miss what these events' rows said (decision 0402).
    const prunedBefore = Math.max(...doomed.map((r) => Number(r.received_at))) + 1;
    const now = Date.now();
    await this.db
      .insertInto('event_prune_marks')
      .values({ workspace_id: workspaceId, pruned_before: prunedBefore, updated_at: now })
      .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ pruned_before: (eb) => sql`case when ${eb.ref('event_prune_marks.pruned_before')} > ${prunedBefore} then ${eb.ref('event_prune_marks.pruned_before')} else ${prunedBefore} end`, updated_at: now }))
      .execute();
    // The delivery rows first: should this stop between the two, the next sweep finds the events again.
    await this.deliveries.forget(workspaceId, doomed.map((r) => ({ sourceId: r.source_id, messageId: r.message_id })));
    const result = await this.db.deleteFrom('events').where('seq', 'in', doomed.map((r) => Number(r.seq))).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async eventsPrunedBefore(workspaceId: string): Promise<number | undefined> {
    const row = await this.db.selectFrom('event_prune_marks').select('pruned_before').where('workspace_id', '=', workspaceId).executeTakeFirst();
    return row ? Number(row.pruned_before) : undefined;
  }

  /**
   * Walks the workspace's events in stored order from its cursor, `limit` at a time (`events_workspace_seq`), as
   * deleteEventsBefore does and for the same reason. The cursor moves only over the run of due events at the front
   * of the window: an event not yet due stops it, so it is read again at the next sweep (a cursor moved past it, to
   * a due event stored after it, left it untruncated for good). Due events after it in the window are truncated
   * now anyway (truncating twice changes nothing). `scanned` is the run the cursor moved over.
   */
  async truncateIpsBefore(workspaceId: string, before: number, limit: number, truncate: (ip: string) => string): Promise<{ scanned: number; changed: number }> {
    const cursor = await this.db.selectFrom('retention_cursors').select('last_seq').where('workspace_id', '=', workspaceId).where('kind', '=', 'ip').executeTakeFirst();
    const after = cursor ? Number(cursor.last_seq) : 0;
    const window = await this.db
      .selectFrom('events')
      .select(['seq', 'received_at', 'payload'])
      .where('workspace_id', '=', workspaceId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit)
      .execute();
    const firstNotDue = window.findIndex((r) => Number(r.received_at) >= before);
    const scanned = firstNotDue === -1 ? window.length : firstNotDue;
    const due = window.filter((r) => Number(r.received_at) < before);
    if (due.length === 0) return { scanned: 0, changed: 0 };
    let changed = 0;
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      for (const row of due) {
        const event = JSON.parse(row.payload) as { context?: JsonObject };
        const ip = event.context?.ip;
        if (typeof ip !== 'string') continue;
        const truncated = truncate(ip);
        if (truncated === ip) continue;
        event.context!.ip = truncated;
        await trx.updateTable('events').set({ payload: JSON.stringify(event) }).where('seq', '=', row.seq).execute();
        changed++;
      }
      if (scanned > 0) {
        const last = Number(window[scanned - 1]!.seq);
        await trx
          .insertInto('retention_cursors')
          .values({ workspace_id: workspaceId, kind: 'ip', last_seq: last, updated_at: now })
          .onConflict((oc) => oc.columns(['workspace_id', 'kind']).doUpdateSet({ last_seq: last, updated_at: now }))
          .execute();
      }
    });
    return { scanned, changed };
  }
}
