import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { EventQuery, StoredEvent } from '../../core/stored-event.js';
import { parseTime } from '../../core/tracking/parse-time.js';
import type { SegmentEvent } from '../../protocol/segment-event.js';
import type { EventKey, EventRepository, NewEvent, StoredEventRef } from '../store.js';
import type { BulkWrites, EventPayloadRow } from './bulk-writes.js';
import { chunks } from './chunks.js';
import { messageIdsBySource } from './message-ids-by-source.js';
import type { Database, EventTable } from './schema.js';
import { unindexed } from './unindexed.js';
import { withoutUsableUserId } from './without-usable-user-id.js';

/** How many of the workspace's events the time-range plan choice looks along the walk (rangeFirst()). */
const WALK_SAMPLE = 1000;
/** Rows per multi-row INSERT: well under SQLite's 32,766 bound parameters (10 columns a row). */
const INSERT_CHUNK = 500;

function toStored(row: Pick<Selectable<EventTable>, 'seq' | 'workspace_id' | 'source_id' | 'payload'>): StoredEvent {
  return { seq: Number(row.seq), workspaceId: row.workspace_id, sourceId: row.source_id, event: JSON.parse(row.payload) as SegmentEvent };
}

function toRow({ workspaceId, sourceId, event, json }: NewEvent): Insertable<EventTable> {
  return {
    workspace_id: workspaceId,
    source_id: sourceId,
    message_id: event.messageId,
    type: event.type,
    event_name: typeof event.event === 'string' ? event.event : null,
    user_id: event.userId ?? null,
    anonymous_id: event.anonymousId ?? null,
    timestamp: parseTime(event.timestamp),
    received_at: parseTime(event.receivedAt),
    payload: json ?? JSON.stringify(event),
  };
}

/** The column, or with `onRow` the column as an expression no index serves (unindexed.ts), compared on each row read. */
function unindexedIf(onRow: boolean, column: 'workspace_id' | 'source_id') {
  return onRow ? unindexed(column) : sql.ref(column);
}

export class SqlEventRepository implements EventRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly bulk?: BulkWrites,
  ) {}

  async insertMany(events: readonly NewEvent[]): Promise<StoredEvent[]> {
    if (this.bulk) {
      // One call for the whole batch (the dialect's own statement, no parameter limit to chunk for).
      const seqs = await this.bulk.insertEvents(events.map(toRow));
      const inserted: StoredEvent[] = [];
      events.forEach((item, i) => {
        const seq = seqs[i];
        if (seq !== undefined) inserted.push({ seq, workspaceId: item.workspaceId, sourceId: item.sourceId, event: item.event });
      });
      return inserted;
    }
    const inserted: StoredEvent[] = [];
    for (let start = 0; start < events.length; start += INSERT_CHUNK) {
      const chunk = events.slice(start, start + INSERT_CHUNK);
      const result = await this.db
        .insertInto('events')
        .values(chunk.map(toRow))
        .onConflict((oc) => oc.columns(['source_id', 'message_id']).doNothing())
        .returning(['seq', 'source_id', 'message_id'])
        .execute();
      const seqByKey = new Map(result.map((r) => [`${r.source_id}\u0000${r.message_id}`, Number(r.seq)]));
      for (const item of chunk) {
        const key = `${item.sourceId}\u0000${item.event.messageId}`;
        const seq = seqByKey.get(key);
        if (seq !== undefined) {
          seqByKey.delete(key); // a duplicate inside the same chunk is inserted once
          inserted.push({ seq, workspaceId: item.workspaceId, sourceId: item.sourceId, event: item.event });
        }
      }
    }
    return inserted;
  }

  async query(q: EventQuery): Promise<StoredEvent[]> {
    if (q.messageIds !== undefined && q.messageIds.length === 0) return [];
    const order = q.order ?? (q.ascending ? 'asc' : 'desc');
    if (q.identities === undefined) {
      const rows = await this.filtered(q, await this.rangeFirst(q, order)).orderBy('seq', order).limit(q.limit).execute();
      return rows.map(toStored);
    }
    // A person by all their identifiers: one lookup per identifier, each an equality that walks its own index
    // in seq order, merged here. As one `user_id IN (...) OR anonymous_id IN (...)` SQLite walked every event
    // of the workspace by seq instead (a profile whose events are old meant reading them all).
    const { userIds, anonymousIds } = q.identities;
    const lookups = [...userIds.map((v) => ['user_id', v] as const), ...anonymousIds.map((v) => ['anonymous_id', v] as const)];
    type Row = Parameters<typeof toStored>[0];
    const bySeq = new Map<number, Row>();
    for (const [column, value] of lookups) {
      let lookup = this.filtered(q).where(column, '=', value);
      // An event with another person's userId is theirs, even with this person's anonymousId (a shared device);
      // this person's own userIds have their lookups. A placeholder userId ("null") is nobody's (SUBJECT_EVENTS).
      if (column === 'anonymous_id') lookup = lookup.where(withoutUsableUserId());
      const rows = await lookup.orderBy('seq', order).limit(q.limit).execute();
      for (const row of rows) bySeq.set(Number(row.seq), row);
    }
    const seqs = [...bySeq.keys()].sort((a, b) => (order === 'asc' ? a - b : b - a)).slice(0, q.limit);
    return seqs.map((seq) => toStored(bySeq.get(seq)!));
  }

  /**
   * Whether a query bounded in time should read its time range through `events_received_at` and sort it by
   * seq, rather than walk the workspace's events in seq order until it reaches the range. SQLite keeps no
   * statistics and always walks (it spares the sort), which reads every event of the workspace between the
   * newest one and an old range (or, oldest first, between the start and a recent one): seconds on a large
   * store. Both plans' reads are estimated from seq positions (seq follows arrival closely): the range's ends
   * (two probes of the received_at index) give the events of any workspace in the range; how far back the
   * workspace's 1,000th event along the walk lies gives the workspace's share of what the walk would pass
   * (a small workspace among large ones walks few events). Either plan returns the same rows. Lookups by an
   * identifier or messageId have their own indexes. `order: 'count'`: a count, which walks all the workspace's
   * events.
   */
  private async rangeFirst(q: Omit<EventQuery, 'limit'>, order: 'asc' | 'desc' | 'count'): Promise<boolean> {
    if (q.from === undefined && q.to === undefined) return false;
    if (q.userId !== undefined || q.anonymousId !== undefined || q.messageId !== undefined || q.messageIds !== undefined) return false;
    const newest = Number((await this.db.selectFrom('events').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst())?.seq ?? 0);
    const lo = q.from === undefined ? 0 : await this.firstSeqReceivedFrom(q.from, newest);
    const hi = q.to === undefined ? newest + 1 : await this.firstSeqReceivedFrom(q.to, newest);
    const inRange = hi - lo;
    const desc = order === 'desc';
    // The walk goes from `start` towards the range, over a span of seq positions before reaching it (a count
    // walks them all).
    const start = desc ? Math.min(q.beforeSeq ?? newest + 1, newest + 1) : (q.afterSeq ?? 0);
    const span = order === 'count' ? newest + 1 : desc ? start - hi : lo - start;
    if (span <= inRange) return false; // the walk starts in or near the range
    const sample = await this.db
      .selectFrom('events')
      .select('seq')
      .where('workspace_id', '=', q.workspaceId)
      .where('seq', desc ? '<' : '>', start)
      .orderBy('seq', desc ? 'desc' : 'asc')
      .limit(1)
      .offset(WALK_SAMPLE - 1)
      .executeTakeFirst();
    if (sample === undefined) return false; // the workspace has fewer events than that to walk at all
    const reach = Math.max(1, desc ? start - Number(sample.seq) : Number(sample.seq) - start);
    return inRange < (WALK_SAMPLE * span) / reach;
  }

  /** The seq of the first event (of any workspace) received at or after `at`, or past the newest if none. */
  private async firstSeqReceivedFrom(at: number, newest: number): Promise<number> {
    const row = await this.db.selectFrom('events').select('seq').where('received_at', '>=', at).orderBy('received_at').limit(1).executeTakeFirst();
    return row === undefined ? newest + 1 : Number(row.seq);
  }

  /**
   * The query's filters other than `identities` (see query()). The workspace and source are compared as
   * expressions no index serves (`workspace_id || ''`, unindexed.ts) when another index should find the rows:
   * `rangeFirst`, the time range through `events_received_at` (see rangeFirst()); a lookup by identifier (the
   * identities' lookups, a userId or anonymousId filter), a person's events through `events_user` / `events_anonymous`.
   */
  private filtered(q: EventQuery, rangeFirst = false) {
    const onRow = rangeFirst || q.identities !== undefined || q.userId !== undefined || q.anonymousId !== undefined;
    // By messageId, the workspace is named through its sources, so the lookup goes through the dedupe index
    // (source_id, message_id), one probe per source; with `workspace_id = ?` in the query SQLite preferred to
    // walk the workspace's events by seq (an old event meant reading them all). An event's source is always
    // of the event's workspace.
    const byMessage = (q.messageId !== undefined || q.messageIds !== undefined) && q.sourceId === undefined;
    let query = this.db.selectFrom('events').select(['seq', 'workspace_id', 'source_id', 'payload']);
    query = byMessage
      ? query.where('source_id', 'in', this.db.selectFrom('sources').select('id').where('workspace_id', '=', q.workspaceId))
      : query.where(unindexedIf(onRow, 'workspace_id'), '=', q.workspaceId);
    if (q.userId !== undefined) query = query.where('user_id', '=', q.userId);
    if (q.anonymousId !== undefined) query = query.where('anonymous_id', '=', q.anonymousId);
    if (q.messageId !== undefined) query = query.where('message_id', '=', q.messageId);
    if (q.messageIds !== undefined) query = query.where('message_id', 'in', [...q.messageIds]);
    if (q.afterSeq !== undefined) query = query.where('seq', '>', q.afterSeq);
    if (q.sourceId !== undefined) query = query.where(unindexedIf(onRow, 'source_id'), '=', q.sourceId);
    if (q.type !== undefined) query = query.where('type', '=', q.type);
    if (q.event !== undefined) query = query.where('event_name', '=', q.event);
    if (q.from !== undefined) query = query.where('received_at', '>=', q.from);
    if (q.to !== undefined) query = query.where('received_at', '<', q.to);
    if (q.beforeSeq !== undefined) query = query.where('seq', '<', q.beforeSeq);
    return query;
  }

  async byKeys(workspaceId: string, keys: readonly EventKey[]): Promise<StoredEvent[]> {
    const found: StoredEvent[] = [];
    for (const [sourceId, messageIds] of messageIdsBySource(keys)) {
      for (const part of chunks(messageIds)) {
        // Probes of the dedupe index (source_id, message_id); the workspace is checked, not used as an index.
        const rows = await this.db
          .selectFrom('events')
          .select(['seq', 'workspace_id', 'source_id', 'payload'])
          .where('source_id', '=', sourceId)
          .where('message_id', 'in', part)
          .where(unindexed('workspace_id'), '=', workspaceId)
          .execute();
        found.push(...rows.map(toStored));
      }
    }
    return found.sort((a, b) => a.seq - b.seq);
  }

  async storedPayloads(refs: readonly StoredEventRef[]): Promise<(string | undefined)[]> {
    if (refs.length === 0) return [];
    const seqs = [...new Set(refs.map((ref) => ref.seq))];
    const read = (part: readonly number[]): Promise<EventPayloadRow[]> =>
      this.bulk ? this.bulk.eventsBySeq(part) : this.db.selectFrom('events').select(['seq', 'workspace_id', 'source_id', 'message_id', 'payload']).where('seq', 'in', part).execute();
    const rows = new Map<number, EventPayloadRow>();
    // One statement with the bulk path (no parameter limit); Kysely's IN lists in chunks.
    for (const part of this.bulk ? [seqs] : chunks(seqs)) for (const row of await read(part)) rows.set(Number(row.seq), row);
    return refs.map((ref) => {
      const row = rows.get(ref.seq);
      return row && row.workspace_id === ref.workspaceId && row.source_id === ref.sourceId && row.message_id === ref.messageId ? row.payload : undefined;
    });
  }

  async countMatching(q: Pick<EventQuery, 'workspaceId' | 'sourceId' | 'type' | 'event' | 'from' | 'to'>): Promise<number> {
    // Bounded in time, counted through the time range when that reads less than walking the workspace (see rangeFirst()).
    const rangeFirst = await this.rangeFirst(q, 'count');
    let query = this.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where(unindexedIf(rangeFirst, 'workspace_id'), '=', q.workspaceId);
    if (q.sourceId !== undefined) query = query.where(unindexedIf(rangeFirst, 'source_id'), '=', q.sourceId);
    if (q.type !== undefined) query = query.where('type', '=', q.type);
    if (q.event !== undefined) query = query.where('event_name', '=', q.event);
    if (q.from !== undefined) query = query.where('received_at', '>=', q.from);
    if (q.to !== undefined) query = query.where('received_at', '<', q.to);
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async count(workspaceId: string): Promise<number> {
    const row = await this.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
