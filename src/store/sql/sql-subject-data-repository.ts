import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { StoredEvent } from '../../core/stored-event.js';
import type { SegmentEvent } from '../../protocol/segment-event.js';
import { IDENTIFIER_TYPES, normalizeIdentifier, type IdentifierType, type SubjectIdentifier } from '../../core/privacy/subject.js';
import { restrictionHolds, restrictionKey, type EventBatchDeletion, type EventPageCursor, type EventSubjectKeys, type ReceiptHour, type RestrictedIdentifier, type RestrictionKind, type SubjectDataRepository, type SubjectDeliverySummary } from '../../privacy/requests/subject-data.js';
import type { DeliveryRepository } from '../store.js';
import { chunks, IN_LIST_SIZE } from './chunks.js';
import type { QueuedDeliveries } from './queued-deliveries.js';
import { subjectDeliverySummary } from './subject-delivery-summary.js';
import type { Database } from './schema.js';
import { subjectEvents } from './subject-events.js';

/**
 * SUBJECT_EVENTS: a data subject's events are those whose userId is one of theirs, and those without a userId
 * whose anonymousId is one of theirs (a placeholder userId such as `"null"`, which the identity graph never links,
 * counts as none: `withoutUsableUserId`). An event with another person's userId is that person's even when it carries
 * the subject's anonymousId (someone else signing in on the subject's device, a merge the identity graph refused
 * because the profile has a userId already): an access export must not hand it over (GDPR Art. 15(4)) and a
 * deletion must not erase it. Events with one of the subject's userIds are read through the userId lookups.
 */
/** A delivery-log row (aliased `d`) of an event that may have reached its destination: see `destinationsReached`. */
const REACHED = sql<SqlBool>`(d.status in ('queued', 'delivered', 'retrying') or (d.status = 'failed' and d.attempts > 0))`;

export class SqlSubjectDataRepository implements SubjectDataRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly deliveries: Pick<DeliveryRepository, 'forget' | 'countFor'>,
    /** The delivery log, when it lives in another database than the events (SQLite: its own file). */
    private readonly deliveryLog?: Kysely<Database>,
    /** Queued deliveries without a row (the embedded queue's jobs, decision 0108): they may reach their destination. */
    private readonly queued?: QueuedDeliveries,
  ) {}

  async countEvents(workspaceId: string, keys: EventSubjectKeys): Promise<number> {
    let total = 0;
    for (const [column, values] of [['user_id', keys.userIds], ['anonymous_id', keys.anonymousIds]] as const) {
      for (const part of chunks(values)) {
        const row = await this.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where(subjectEvents(workspaceId, column, part)).executeTakeFirstOrThrow();
        total += Number(row.n);
      }
    }
    return total;
  }

  async eventPage(workspaceId: string, keys: EventSubjectKeys, cursor: EventPageCursor, limit: number): Promise<{ events: StoredEvent[]; next: EventPageCursor | undefined }> {
    let position: EventPageCursor | undefined = cursor;
    while (position) {
      const list = position.column === 'user_id' ? keys.userIds : keys.anonymousIds;
      const value = list[position.index];
      if (value === undefined) {
        position = position.column === 'user_id' ? { column: 'anonymous_id', index: 0, afterSeq: 0 } : undefined;
        continue;
      }
      const rows = await this.db
        .selectFrom('events')
        .select(['seq', 'workspace_id', 'source_id', 'payload'])
        .where(subjectEvents(workspaceId, position.column, [value]))
        .where('seq', '>', position.afterSeq)
        .orderBy('seq')
        .limit(limit)
        .execute();
      if (rows.length === 0) {
        position = { column: position.column, index: position.index + 1, afterSeq: 0 };
        continue;
      }
      const events = rows.map((r) => ({ seq: Number(r.seq), workspaceId: r.workspace_id, sourceId: r.source_id, event: JSON.parse(r.payload) as SegmentEvent }));
      const last = events[events.length - 1]!;
      return { events, next: { column: position.column, index: position.index, afterSeq: last.seq } };
    }
    return { events: [], next: undefined };
  }

  async deleteEventBatch(workspaceId: string, keys: EventSubjectKeys, batchSize: number): Promise<EventBatchDeletion> {
    for (const [column, values] of [['user_id', keys.userIds], ['anonymous_id', keys.anonymousIds]] as const) {
      for (const part of chunks(values)) {
        const batch = await this.db.selectFrom('events').select(['seq', 'source_id', 'message_id']).where(subjectEvents(workspaceId, column, part)).limit(batchSize).execute();
        if (batch.length === 0) continue;
        // The delivery rows first: should this stop between the two, the next batch finds the events again.
        // Those of these events only: another source's event with the same messageId (someone else's) keeps its rows.
        const keys = batch.map((r) => ({ sourceId: r.source_id, messageId: r.message_id }));
        const deliveryRows = await this.deliveries.forget(workspaceId, keys);
        const deliveryRowsLeft = await this.deliveries.countFor(workspaceId, keys);
        const result = await this.db.deleteFrom('events').where('seq', 'in', batch.map((r) => Number(r.seq))).executeTakeFirst();
        return { events: Number(result.numDeletedRows), deliveryRows, deliveryRowsLeft };
      }
    }
    return { events: 0, deliveryRows: 0, deliveryRowsLeft: 0 };
  }

  async deliverySummary(workspaceId: string, keys: EventSubjectKeys): Promise<Map<string, SubjectDeliverySummary>> {
    return subjectDeliverySummary(this.db, this.deliveryLog, workspaceId, keys, this.queued);
  }

  async destinationsReached(workspaceId: string, keys: EventSubjectKeys): Promise<Set<string>> {
    return new Set((await this.latestDeliveryRows(workspaceId, keys)).keys());
  }

  async receiptHoursReached(workspaceId: string, keys: EventSubjectKeys): Promise<Map<string, ReceiptHour[]>> {
    const hours = new Map<string, Map<string, ReceiptHour>>();
    const note = (destinationId: string, sourceId: string, receivedAt: unknown) => {
      const at = new Date(Number(receivedAt));
      at.setUTCMinutes(0, 0, 0);
      const hour = at.toISOString();
      const of = hours.get(destinationId) ?? new Map<string, ReceiptHour>();
      of.set(`${sourceId}\u0000${hour}`, { sourceId, hour });
      hours.set(destinationId, of);
    };
    for (const [column, values] of [['user_id', keys.userIds], ['anonymous_id', keys.anonymousIds]] as const) {
      for (const part of chunks(values)) {
        // The subject's events (identifier index, `subjectEvents`), then their delivery rows by message (the log's key).
        let afterSeq = 0;
        for (;;) {
          const events = await this.db
            .selectFrom('events').select(['seq', 'message_id', 'source_id', 'received_at'])
            .where(subjectEvents(workspaceId, column, part)).where('seq', '>', afterSeq)
            .orderBy('seq').limit(IN_LIST_SIZE).execute();
          if (events.length === 0) break;
          afterSeq = Number(events[events.length - 1]!.seq);
          const receivedAt = new Map(events.map((e) => [`${e.source_id}\u0000${e.message_id}`, e.received_at]));
          const messageIds = [...new Set(events.map((e) => e.message_id))];
          const found = await (this.deliveryLog ?? this.db)
            .selectFrom('deliveries as d').select(['d.destination_id as destinationId', 'd.message_id', 'd.source_id'])
            .where('d.workspace_id', '=', workspaceId).where('d.message_id', 'in', messageIds)
            .where(REACHED)
            .execute();
          if (this.queued) found.push(...(await this.queued.forMessages(workspaceId, messageIds)).map((r) => ({ destinationId: r.destinationId, message_id: r.messageId, source_id: r.sourceId })));
          for (const row of found) {
            const at = receivedAt.get(`${row.source_id}\u0000${row.message_id}`);
            if (at !== undefined) note(row.destinationId, row.source_id, at);
          }
        }
      }
    }
    return new Map([...hours].map(([destinationId, of]) => [destinationId, [...of.values()]]));
  }

  async firstSeen(workspaceId: string, profileIds: readonly string[]): Promise<number | undefined> {
    let first: number | undefined;
    for (const part of chunks(profileIds)) {
      const row = await this.db.selectFrom('profiles').select((eb) => eb.fn.min('first_seen').as('at')).where('workspace_id', '=', workspaceId).where('id', 'in', part).executeTakeFirst();
      const at = row?.at === null || row?.at === undefined ? undefined : Number(row.at);
      if (at !== undefined && (first === undefined || at < first)) first = at;
    }
    return first;
  }

  /**
   * Per destination, the latest update of a delivery-log row of an event of the subject that may have reached the
   * destination (queued or retrying, in flight; delivered; failed after at least one attempt, which may have arrived
   * before the error).
   */
  private async latestDeliveryRows(workspaceId: string, keys: EventSubjectKeys): Promise<Map<string, number>> {
    const latest = new Map<string, number>();
    const note = (found: readonly { destinationId: string; at: unknown }[]) => {
      for (const row of found) {
        const at = Number(row.at);
        if (at > (latest.get(row.destinationId) ?? 0)) latest.set(row.destinationId, at);
      }
    };
    // One condition for both queries below, on the delivery log aliased `d`.
    const kept = REACHED;
    for (const [column, values] of [['user_id', keys.userIds], ['anonymous_id', keys.anonymousIds]] as const) {
      for (const part of chunks(values)) {
        if (this.deliveryLog) {
          // The log in another file: the subject's events (identifier index, `subjectEvents`), then their delivery
          // rows by message (the log's key, message_id first), a page at a time.
          let afterSeq = 0;
          for (;;) {
            const events = await this.db
              .selectFrom('events').select(['seq', 'message_id', 'source_id'])
              .where(subjectEvents(workspaceId, column, part)).where('seq', '>', afterSeq)
              .orderBy('seq').limit(IN_LIST_SIZE).execute();
            if (events.length === 0) break;
            afterSeq = Number(events[events.length - 1]!.seq);
            const eventKeys = new Set(events.map((e) => `${e.source_id}\u0000${e.message_id}`));
            const messageIds = [...new Set(events.map((e) => e.message_id))];
            const found: { destinationId: string; message_id: string; source_id: string; at: unknown }[] = await this.deliveryLog
              .selectFrom('deliveries as d').select(['d.destination_id as destinationId', 'd.message_id', 'd.source_id', 'd.updated_at as at'])
              .where('d.workspace_id', '=', workspaceId).where('d.message_id', 'in', messageIds)
              .where(kept)
              .execute();
            if (this.queued) found.push(...(await this.queued.forMessages(workspaceId, messageIds)).map((r) => ({ destinationId: r.destinationId, message_id: r.messageId, source_id: r.sourceId, at: r.updatedAt })));
            note(found.filter((r) => eventKeys.has(`${r.source_id}\u0000${r.message_id}`)));
          }
          continue;
        }
        // From the subject's events (identifier index, `subjectEvents`) to their delivery rows (the log's key, message_id first).
        const q = this.db
          .selectFrom('events as e')
          .innerJoin('deliveries as d', (join) => join.onRef('d.workspace_id', '=', 'e.workspace_id').onRef('d.message_id', '=', 'e.message_id').onRef('d.source_id', '=', 'e.source_id'))
          .select(['d.destination_id as destinationId', (eb) => eb.fn.max('d.updated_at').as('at')])
          .where(subjectEvents(workspaceId, column, part, 'e'))
          .where(kept);
        note(await q.groupBy('d.destination_id').execute());
      }
    }
    return latest;
  }

  async countIdentityLinks(workspaceId: string, profileIds: readonly string[]): Promise<number> {
    if (profileIds.length === 0) return 0;
    const row = await this.db.selectFrom('identities').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', workspaceId).where('profile_id', 'in', [...profileIds]).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async countProfiles(workspaceId: string, profileIds: readonly string[]): Promise<number> {
    if (profileIds.length === 0) return 0;
    const row = await this.db.selectFrom('profiles').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', workspaceId).where('id', 'in', [...profileIds]).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async addRestriction(input: { workspaceId: string; kind: RestrictionKind; identifiers: readonly SubjectIdentifier[]; requestId: string; at: number }): Promise<void> {
    if (input.identifiers.length === 0) return;
    const rows = input.identifiers.map(normalizeIdentifier).map((id) => ({ workspace_id: input.workspaceId, kind: input.kind, identifier_type: id.type, identifier: id.value, request_id: input.requestId, created_at: input.at }));
    await this.db.insertInto('subject_restrictions').values(rows).onConflict((oc) => oc.columns(['workspace_id', 'kind', 'identifier_type', 'identifier']).doNothing()).execute();
  }

  async removeRestriction(workspaceId: string, kind: RestrictionKind, identifiers: readonly SubjectIdentifier[]): Promise<number> {
    if (identifiers.length === 0) return 0;
    const result = await this.db.deleteFrom('subject_restrictions').where('workspace_id', '=', workspaceId).where('kind', '=', kind).where((eb) => ofIdentifiers(eb, identifiers)).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async restricted(workspaceId: string, kind: RestrictionKind, identifiers: readonly SubjectIdentifier[]): Promise<SubjectIdentifier[]> {
    if (identifiers.length === 0) return [];
    const rows = await this.db.selectFrom('subject_restrictions').select(['identifier_type', 'identifier']).where('workspace_id', '=', workspaceId).where('kind', '=', kind).where((eb) => ofIdentifiers(eb, identifiers)).execute();
    const keys = new Set(rows.map(restrictedIdentifierOf).map(restrictionKey));
    return identifiers.filter((id) => restrictionHolds(keys, id));
  }

  async restrictionsOfValues(workspaceId: string, kind: RestrictionKind, values: readonly string[]): Promise<RestrictedIdentifier[]> {
    if (values.length === 0) return [];
    const rows = await this.db.selectFrom('subject_restrictions').select(['identifier_type', 'identifier']).where('workspace_id', '=', workspaceId).where('kind', '=', kind).where('identifier', 'in', [...values]).execute();
    return rows.map(restrictedIdentifierOf);
  }

  async restrictedIdentifiers(workspaceId: string, kind: RestrictionKind, limit: number): Promise<RestrictedIdentifier[]> {
    const rows = await this.db.selectFrom('subject_restrictions').select(['identifier_type', 'identifier']).where('workspace_id', '=', workspaceId).where('kind', '=', kind).limit(limit).execute();
    return rows.map(restrictedIdentifierOf);
  }

  async countRestrictions(workspaceId: string, identifiers: readonly SubjectIdentifier[]): Promise<number> {
    if (identifiers.length === 0) return 0;
    const row = await this.db.selectFrom('subject_restrictions').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', workspaceId).where((eb) => ofIdentifiers(eb, identifiers)).executeTakeFirstOrThrow();
    return Number(row.n);
  }

}

const isIdentifierType = (type: string): type is IdentifierType => (IDENTIFIER_TYPES as readonly string[]).includes(type);

function restrictedIdentifierOf(row: { identifier_type: string; identifier: string }): RestrictedIdentifier {
  return { type: isIdentifierType(row.identifier_type) ? row.identifier_type : null, value: row.identifier };
}

/** Rows of these identifiers: of their kind and value, or without a kind (stored before migration 1150) and of their value. */
function ofIdentifiers(eb: ExpressionBuilder<Database, 'subject_restrictions'>, identifiers: readonly SubjectIdentifier[]): Expression<SqlBool> {
  const normalized = identifiers.map(normalizeIdentifier);
  const ofType = (type: string, ids: readonly SubjectIdentifier[]) => eb.and([eb('identifier_type', '=', type), eb('identifier', 'in', [...new Set(ids.map((id) => id.value))])]);
  const typed = IDENTIFIER_TYPES.flatMap((type) => {
    const ids = normalized.filter((id) => id.type === type);
    return ids.length > 0 ? [ofType(type, ids)] : [];
  });
  return eb.or([...typed, ofType('', normalized)]);
}
