import type { Kysely } from 'kysely';
import type { EventSubjectKeys, SubjectDeliverySummary } from '../../privacy/requests/subject-data.js';
import { chunks, IN_LIST_SIZE } from './chunks.js';
import type { QueuedDeliveries } from './queued-deliveries.js';
import type { Database } from './schema.js';
import { subjectEvents } from './subject-events.js';

/** Rows of the delivery log counted by destination, status and reason (one row counts 1, first = last = its time). */
interface CountedRows {
  readonly destinationId: string;
  readonly status: string;
  readonly reason: string | null;
  readonly n: unknown;
  readonly first: unknown;
  readonly last: unknown;
}

interface Tally {
  delivered: number;
  firstDeliveredAt?: number;
  lastDeliveredAt?: number;
  dropped: Record<string, number>;
  failed: number;
  waiting: number;
}

function add(tallies: Map<string, Tally>, row: CountedRows): void {
  const tally = tallies.get(row.destinationId) ?? { delivered: 0, dropped: {}, failed: 0, waiting: 0 };
  tallies.set(row.destinationId, tally);
  const n = Number(row.n);
  switch (row.status) {
    case 'delivered': {
      tally.delivered += n;
      const first = Number(row.first);
      const last = Number(row.last);
      if (tally.firstDeliveredAt === undefined || first < tally.firstDeliveredAt) tally.firstDeliveredAt = first;
      if (tally.lastDeliveredAt === undefined || last > tally.lastDeliveredAt) tally.lastDeliveredAt = last;
      break;
    }
    case 'dropped': {
      const reason = row.reason ?? 'unknown';
      tally.dropped[reason] = (tally.dropped[reason] ?? 0) + n;
      break;
    }
    case 'failed':
      tally.failed += n;
      break;
    default:
      tally.waiting += n;
  }
}

/**
 * `SubjectDataRepository.deliverySummary`: the subject's events (SUBJECT_EVENTS, `subjectEvents`: through the identifier
 * indexes) and their delivery-log rows (by the log's key, message_id first), counted per destination. With the log
 * in the same database, one grouped join per identifier list; with the log in its own file (SQLite), the events a
 * page at a time and their rows by messageId, counted here.
 */
export async function subjectDeliverySummary(
  db: Kysely<Database>,
  deliveryLog: Kysely<Database> | undefined,
  workspaceId: string,
  keys: EventSubjectKeys,
  /** Queued deliveries without a row (decision 0108), counted as waiting. */
  queued?: QueuedDeliveries,
): Promise<Map<string, SubjectDeliverySummary>> {
  const tallies = new Map<string, Tally>();
  for (const [column, values] of [['user_id', keys.userIds], ['anonymous_id', keys.anonymousIds]] as const) {
    for (const part of chunks(values)) {
      if (deliveryLog) {
        let afterSeq = 0;
        for (;;) {
          const events = await db.selectFrom('events').select(['seq', 'message_id', 'source_id']).where(subjectEvents(workspaceId, column, part)).where('seq', '>', afterSeq).orderBy('seq').limit(IN_LIST_SIZE).execute();
          if (events.length === 0) break;
          afterSeq = Number(events[events.length - 1]!.seq);
          const eventKeys = new Set(events.map((e) => `${e.source_id}\u0000${e.message_id}`));
          const messageIds = [...new Set(events.map((e) => e.message_id))];
          const rows: { destinationId: string; status: string; reason: string | null; updated_at: unknown; message_id: string; source_id: string }[] = await deliveryLog
            .selectFrom('deliveries as d')
            .select(['d.destination_id as destinationId', 'd.status', 'd.reason', 'd.updated_at', 'd.message_id', 'd.source_id'])
            .where('d.workspace_id', '=', workspaceId)
            .where('d.message_id', 'in', messageIds)
            .execute();
          if (queued) rows.push(...(await queued.forMessages(workspaceId, messageIds)).map((r) => ({ destinationId: r.destinationId, status: r.status, reason: r.reason, updated_at: r.updatedAt, message_id: r.messageId, source_id: r.sourceId })));
          for (const r of rows) {
            if (eventKeys.has(`${r.source_id}\u0000${r.message_id}`)) add(tallies, { destinationId: r.destinationId, status: r.status, reason: r.reason, n: 1, first: r.updated_at, last: r.updated_at });
          }
        }
        continue;
      }
      const q = db
        .selectFrom('events as e')
        .innerJoin('deliveries as d', (join) => join.onRef('d.workspace_id', '=', 'e.workspace_id').onRef('d.message_id', '=', 'e.message_id').onRef('d.source_id', '=', 'e.source_id'))
        .select((eb) => ['d.destination_id as destinationId', 'd.status', 'd.reason', eb.fn.countAll().as('n'), eb.fn.min('d.updated_at').as('first'), eb.fn.max('d.updated_at').as('last')])
        .where(subjectEvents(workspaceId, column, part, 'e'));
      for (const row of await q.groupBy(['d.destination_id', 'd.status', 'd.reason']).execute()) add(tallies, row);
    }
  }
  return tallies;
}
