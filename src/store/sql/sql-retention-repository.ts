import { sql, type Kysely } from 'kysely';
import type { JsonObject } from '../../protocol/segment-event.js';
import type { DeliveryRepository, RetentionRepository } from '../store.js';
import type { Database } from './schema.js';

export class SqlRetentionRepository implements RetentionRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly deliveries: Pick<DeliveryRepository, 'forget'>,
  ) {}

  async deleteEventsBefore(workspaceId: string, before: number, limit: number): Promise<number> {
    const doomed = await this.db.selectFrom('events').select(['seq', 'source_id', 'message_id', 'received_at']).where('workspace_id', '=', workspaceId).where('received_at', '<', before).orderBy('seq').limit(limit).execute();
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

  async truncateIpsBefore(workspaceId: string, before: number, limit: number, truncate: (ip: string) => string): Promise<{ scanned: number; changed: number }> {
    const cursor = await this.db.selectFrom('retention_cursors').select('last_seq').where('workspace_id', '=', workspaceId).where('kind', '=', 'ip').executeTakeFirst();
    const after = cursor ? Number(cursor.last_seq) : 0;
    const rows = await this.db
      .selectFrom('events')
      .select(['seq', 'payload'])
      .where('workspace_id', '=', workspaceId)
      .where('seq', '>', after)
      .where('received_at', '<', before)
      .orderBy('seq')
      .limit(limit)
      .execute();
    if (rows.length === 0) return { scanned: 0, changed: 0 };
    let changed = 0;
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      for (const row of rows) {
        const event = JSON.parse(row.payload) as { context?: JsonObject };
        const ip = event.context?.ip;
        if (typeof ip !== 'string') continue;
        const truncated = truncate(ip);
        if (truncated === ip) continue;
        event.context!.ip = truncated;
        await trx.updateTable('events').set({ payload: JSON.stringify(event) }).where('seq', '=', row.seq).execute();
        changed++;
      }
      const last = Number(rows[rows.length - 1]!.seq);
      await trx
        .insertInto('retention_cursors')
        .values({ workspace_id: workspaceId, kind: 'ip', last_seq: last, updated_at: now })
        .onConflict((oc) => oc.columns(['workspace_id', 'kind']).doUpdateSet({ last_seq: last, updated_at: now }))
        .execute();
    });
    return { scanned: rows.length, changed };
  }
}
