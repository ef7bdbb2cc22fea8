import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { maskPersonalData } from '../accounts/mask-personal-data.js';
import { SluiceError } from '../core/errors.js';
import type { DeliveryRecord } from '../core/destination.js';
import type { StoredEvent } from '../core/stored-event.js';
import type { Store } from '../store/store.js';
import { principalOf } from './principal.js';
import { DeliveryStateFields, deliveryStateView } from './deliveries-api.js';
import { encodeCursor } from './schemas.js';
import { eventNotStored } from './event-not-stored.js';
import { closedQueryErrors } from './validation-messages.js';

const EventsQuery = Type.Object({
  userId: Type.Optional(Type.String()),
  anonymousId: Type.Optional(Type.String()),
  messageId: Type.Optional(Type.String()),
  sourceId: Type.Optional(Type.String()),
  type: Type.Optional(Type.Union([Type.Literal('identify'), Type.Literal('track'), Type.Literal('page'), Type.Literal('screen'), Type.Literal('group'), Type.Literal('alias')])),
  event: Type.Optional(Type.String({ description: 'Track event name' })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Only events received at or after this ISO-8601 time (receivedAt >= from)' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Only events received before this ISO-8601 time (receivedAt < to)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Events per page, 1 to 1000' })),
  cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page, unchanged' })),
}, { additionalProperties: false });

/**
 * The events API's schema errors: a query parameter it does not take (`?email=`, `?user_id=`) is refused, naming the
 * ones it takes and where a person's events are found by email.
 */
const eventsQueryErrors = closedQueryErrors('GET /events', Object.keys(EventsQuery.properties), { takes: 'filters by', hint: "a person's events by email or trait: GET /profiles/:identifier" });

/** A stored event as the API shows it: the Segment event at top level, plus its source. */
export function eventView(stored: StoredEvent): Record<string, unknown> {
  return { ...stored.event, sourceId: stored.sourceId };
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^seq:(\d+)$/.exec(text);
  if (!match) throw new SluiceError('invalid_cursor', 'The cursor is not one this API returned; pass nextCursor from the previous page unchanged.');
  return Number(match[1]);
}

/** Where one event went, as `GET /events/:messageId` shows it: its state at each destination. */
const EventDeliveries = Type.Array(Type.Object({
  destinationId: Type.String(),
  destinationName: Type.Optional(Type.String()),
  destinationDeletedAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the destination was deleted (absent while it is configured)' })),
  ...DeliveryStateFields,
}), { description: 'Where the event went: its state at each destination' });

/**
 * Most events one messageId can name in a workspace: one per source (events are deduplicated by source and
 * messageId); a workspace with more sources than this is not one this lookup was written for.
 */
const MAX_EVENTS_PER_MESSAGE_ID = 1000;

/** Names of a workspace's destinations by id, configured and deleted (with when: the delivery log outlives a destination). */
async function destinationNames(store: Store, workspaceId: string): Promise<Map<string, { name: string; deletedAt?: number }>> {
  const names = new Map<string, { name: string; deletedAt?: number }>();
  for (const d of await store.destinations.tombstones(workspaceId)) names.set(d.id, { name: d.name, deletedAt: d.deletedAt });
  for (const d of await store.destinations.list(workspaceId)) names.set(d.id, { name: d.name });
  return names;
}

/** Stored events, newest first, with filters and cursor paging. */
export const eventsApi: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get('/events', {
    config: { permission: 'events:read' },
    schemaErrorFormatter: eventsQueryErrors,
    schema: {
      tags: ['events'],
      summary: 'Read stored events, newest first',
      querystring: EventsQuery,
      response: { 200: Type.Object({ events: Type.Array(Type.Record(Type.String(), Type.Unknown())), nextCursor: Type.Optional(Type.String()) }) },
    },
  }, async (request) => {
    const q = request.query;
    const limit = q.limit ?? 100;
    const events = await store.events.query({
      workspaceId: principalOf(request).workspaceId,
      ...(q.userId !== undefined && { userId: q.userId }),
      ...(q.anonymousId !== undefined && { anonymousId: q.anonymousId }),
      ...(q.messageId !== undefined && { messageId: q.messageId }),
      ...(q.sourceId !== undefined && { sourceId: q.sourceId }),
      ...(q.type !== undefined && { type: q.type }),
      ...(q.event !== undefined && { event: q.event }),
      ...(q.from !== undefined && { from: Date.parse(q.from) }),
      ...(q.to !== undefined && { to: Date.parse(q.to) }),
      ...(q.cursor !== undefined && { beforeSeq: decodeCursor(q.cursor) }),
      // One more than asked tells whether another page exists, so the last page carries no nextCursor.
      limit: limit + 1,
    });
    const page = events.slice(0, limit);
    const last = page[page.length - 1];
    return { events: page.map((e) => maskPersonalData(eventView(e), principalOf(request))), ...(events.length > limit && last ? { nextCursor: encodeCursor(last.seq) } : {}) };
  });

  app.get('/events/:messageId', {
    config: { permission: 'events:read' },
    schema: {
      tags: ['events'],
      summary: 'The stored events with a messageId, each with where it went',
      description:
        'Events are deduplicated per source, so several sources may each have sent an event with the same messageId. `events` lists every one stored in the workspace ' +
        '(newest first), each with its `sourceId` and its own deliveries; `?sourceId=` narrows it to that source\'s event. `event` and `deliveries` are the first of ' +
        '`events` (the newest), as for a messageId only one source sent.',
      params: Type.Object({ messageId: Type.String() }),
      querystring: Type.Object({ sourceId: Type.Optional(Type.String({ description: 'Only the event this source sent with the messageId' })) }),
      response: {
        200: Type.Object({
          event: Type.Record(Type.String(), Type.Unknown(), { description: 'The newest of `events`' }),
          deliveries: Type.Optional(EventDeliveries),
          events: Type.Array(Type.Object({ event: Type.Record(Type.String(), Type.Unknown()), deliveries: EventDeliveries }), {
            description: 'Every stored event with this messageId (one per source that sent it), newest first, each with its deliveries. More than one: several sources sent the messageId.',
          }),
        }, { additionalProperties: true }),
      },
    },
  }, async (request) => {
    const principal = principalOf(request);
    const { workspaceId } = principal;
    const { messageId } = request.params;
    const { sourceId } = request.query;
    const stored = await store.events.query({ workspaceId, messageId, ...(sourceId !== undefined && { sourceId }), limit: MAX_EVENTS_PER_MESSAGE_ID });
    if (stored.length === 0) {
      throw await eventNotStored(store, workspaceId, messageId, sourceId);
    }
    const log = await store.deliveries.forMessage(workspaceId, messageId, sourceId);
    const names = log.length > 0 ? await destinationNames(store, workspaceId) : new Map<string, { name: string; deletedAt?: number }>();
    const bySource = new Map<string, DeliveryRecord[]>();
    for (const d of log) bySource.set(d.sourceId, [...(bySource.get(d.sourceId) ?? []), d]);
    const events = stored.map((e) => ({
      event: maskPersonalData(eventView(e), principal),
      deliveries: maskPersonalData((bySource.get(e.sourceId) ?? []).map((d) => {
        const destination = names.get(d.destinationId);
        return {
          destinationId: d.destinationId,
          ...(destination && { destinationName: destination.name }),
          ...(destination?.deletedAt !== undefined && { destinationDeletedAt: new Date(destination.deletedAt).toISOString() }),
          ...deliveryStateView(d),
        };
      }), principal),
    }));
    return { event: events[0]!.event, deliveries: events[0]!.deliveries, events };
  });
};
