import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DeliveryRecord } from '../core/destination.js';
import { DELIVERY_STATUSES } from '../core/destination.js';
import { maskPersonalData } from '../accounts/mask-personal-data.js';
import { SluiceError } from '../core/errors.js';
import type { PrivacyDeps } from '../processor/build-processor.js';
import { FailedDeliveryRetry } from '../processor/failed-delivery-retry.js';
import { checkDestinationEnabled } from '../replay/replay-range-check.js';
import type { DeliveryQueue } from '../queue/queue.js';
import type { ChangeFeed } from '../runtime/change-feed.js';
import type { DeliveryLogKey, Store } from '../store/store.js';
import { destinationOf } from './destination-of.js';
import { principalOf } from './principal.js';
import { askForReplay, replayAnswer, ReplaySchema } from './replays-api.js';
import { IdParams } from './schemas.js';
import { closedQueryErrors } from './validation-messages.js';

/** The state of one delivery, as every answer that shows one has it (this API, an event's deliveries). */
export const DeliveryStateFields = {
  status: Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s))),
  attempts: Type.Integer(),
  reason: Type.Optional(Type.String({ description: 'why it was dropped, failed or is being retried (filter, http_400, retries_exhausted, http_503, timeout, held_for_user, ...; docs/destinations.md)' })),
  lastError: Type.Optional(Type.String()),
  updatedAt: Type.String({ format: 'date-time' }),
  nextAttemptAt: Type.Optional(Type.String({ format: 'date-time', description: 'When a retrying delivery is tried next; absent for one that waits behind an earlier retrying event of the same user (it goes once that one is delivered or failed).' })),
};

export function deliveryStateView(d: DeliveryRecord) {
  return {
    status: d.status,
    attempts: d.attempts,
    ...(d.reason !== null && { reason: d.reason }),
    ...(d.lastError !== null && { lastError: d.lastError }),
    updatedAt: new Date(d.updatedAt).toISOString(),
    ...(d.nextAttemptAt !== undefined && { nextAttemptAt: new Date(d.nextAttemptAt).toISOString() }),
  };
}

const DeliverySchema = Type.Object({ messageId: Type.String(), sourceId: Type.String(), ...DeliveryStateFields });

export function deliveryView(d: DeliveryRecord) {
  return { messageId: d.messageId, sourceId: d.sourceId, ...deliveryStateView(d) };
}

const DeliveriesQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s)))),
    messageId: Type.Optional(Type.String()),
    sourceId: Type.Optional(Type.String({ description: 'Only deliveries of events from this source' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

function encode(d: DeliveryRecord): string {
  return Buffer.from(JSON.stringify([d.updatedAt, d.messageId, d.sourceId])).toString('base64url');
}

function decode(cursor: string): DeliveryLogKey {
  try {
    // [updatedAt, messageId, sourceId]; a cursor of an earlier version has no sourceId (still accepted).
    const [updatedAt, messageId, sourceId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown, unknown];
    if (typeof updatedAt === 'number' && typeof messageId === 'string') {
      if (typeof sourceId === 'string') return { updatedAt, messageId, sourceId };
      if (sourceId === undefined) return { updatedAt, messageId };
    }
  } catch {
    // fall through
  }
  throw new SluiceError('invalid_cursor', 'The cursor is not one this API returned; pass nextCursor from the previous page unchanged.');
}

/** Deliveries of a destination, its backlog, and manual retries of failed ones. */
export const deliveriesApi: FastifyPluginAsyncTypebox<{ store: Store; changes: Pick<ChangeFeed, 'publish'>; queue?: Pick<DeliveryQueue, 'publishDeliveries' | 'waiting'>; privacy?: PrivacyDeps }> = async (app, deps) => {
  const { store } = deps;
  const noQueue = () => Promise.reject(new SluiceError('not_ready', 'This process has no delivery queues (it does not run the api role with a queue configured); retries and backlogs need them.'));
  const queue: Pick<DeliveryQueue, 'publishDeliveries' | 'waiting'> = deps.queue ?? { publishDeliveries: noQueue, waiting: noQueue };
  const retries = new FailedDeliveryRetry({ store, queue, ...(deps.privacy ? { privacy: deps.privacy } : {}) });
  const load = (workspaceId: string, id: string) => destinationOf(store, workspaceId, id);

  app.get('/destinations/:id/deliveries', {
    config: { permission: 'destinations:read' },
    schema: {
      tags: ['destinations'],
      summary: 'The delivery log of a destination, most recently updated first',
      description:
        'One row per event and destination. Events are deduplicated per source, so two sources may each have sent an event with the same messageId: ' +
        'each has its own row (`sourceId` tells them apart; `?messageId=` lists both, add `sourceId` for one).',
      params: IdParams,
      querystring: DeliveriesQuery,
      response: { 200: Type.Object({ deliveries: Type.Array(DeliverySchema), nextCursor: Type.Optional(Type.String()) }) },
    },
    schemaErrorFormatter: closedQueryErrors('GET /destinations/:id/deliveries', Object.keys(DeliveriesQuery.properties)),
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    await load(workspaceId, request.params.id);
    const q = request.query;
    const limit = q.limit ?? 100;
    const rows = await store.deliveries.list({
      workspaceId,
      destinationId: request.params.id,
      ...(q.status !== undefined && { status: q.status }),
      ...(q.messageId !== undefined && { messageId: q.messageId }),
      ...(q.sourceId !== undefined && { sourceId: q.sourceId }),
      ...(q.cursor !== undefined && { before: decode(q.cursor) }),
      // One more than asked tells whether another page exists, so the last page carries no nextCursor.
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    // A last error may quote the destination's answer about the person (an email): masked for roles without pii_access.
    return { deliveries: page.map((d) => maskPersonalData(deliveryView(d), principalOf(request))), ...(rows.length > limit && last ? { nextCursor: encode(last) } : {}) };
  });

  app.get('/destinations/:id/backlog', {
    config: { permission: 'destinations:read' },
    schema: {
      tags: ['destinations'],
      summary: 'What a destination has still to be sent: jobs waiting in its queue, retries, how long the oldest has waited, and whether it asked Sluice to wait',
      params: IdParams,
      response: {
        200: Type.Object({
          waiting: Type.Integer({ description: 'Jobs in the destination\'s queue not yet finished (retrying ones included)' }),
          retrying: Type.Integer({ description: 'Deliveries waiting for a retry (the delivery log\'s retrying rows)' }),
          oldestQueuedAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the oldest delivery not yet tried was queued' })),
          oldestRetryingSince: Type.Optional(Type.String({ format: 'date-time', description: 'First attempt of the oldest delivery waiting for a retry' })),
          pausedUntil: Type.Optional(Type.String({ format: 'date-time', description: 'The destination refused a whole batch with Retry-After: nothing is sent to it before then' })),
          pauseReason: Type.Optional(Type.String({ description: 'Its answer, e.g. HTTP 429' })),
        }),
      },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const destination = await load(workspaceId, request.params.id);
    const [waiting, summary, pause] = await Promise.all([queue.waiting(destination.id), store.deliveries.waitingSummary(workspaceId, destination.id), store.deliveries.pauseOf(workspaceId, destination.id)]);
    const paused = pause !== undefined && pause.until > Date.now() ? pause : undefined;
    return {
      waiting,
      retrying: summary.retrying,
      ...(summary.oldestQueuedAt !== undefined && { oldestQueuedAt: new Date(summary.oldestQueuedAt).toISOString() }),
      ...(summary.oldestRetryingSince !== undefined && { oldestRetryingSince: new Date(summary.oldestRetryingSince).toISOString() }),
      ...(paused && { pausedUntil: new Date(paused.until).toISOString(), pauseReason: paused.reason }),
    };
  });

  app.post('/destinations/:id/deliveries/retry', {
    config: { permission: 'destinations:write' },
    schema: {
      tags: ['destinations'],
      summary: 'Retry failed deliveries: one (messageId, and sourceId when several sources sent that messageId) or every failed one of the destination',
      description:
        'One delivery is retried at once. Every failed one is retried in the background, as a replay of kind `failed` (see the replays): 200 when it finishes within 5 seconds, ' +
        'else 202 with `replay` running (Location: the replay); `Prefer: respond-async` answers 202 at once. `queued` and `dropped` count what was sent again and what the decisions withheld. ' +
        'Two sources may each have sent an event with the same messageId: when the failed deliveries of more than one match `messageId`, the answer is 409 `conflict` naming their sources; send `sourceId` too.',
      params: IdParams,
      body: Type.Object({
        messageId: Type.Optional(Type.String({ minLength: 1 })),
        sourceId: Type.Optional(Type.String({ minLength: 1, description: 'The source of the event whose delivery to retry (with messageId)' })),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({ queued: Type.Integer(), dropped: Type.Integer(), replay: Type.Optional(ReplaySchema) }),
        202: Type.Object({ queued: Type.Integer(), dropped: Type.Integer(), replay: ReplaySchema }),
      },
    },
  }, async (request, reply) => {
    const { workspaceId } = principalOf(request);
    const destination = await load(workspaceId, request.params.id);
    checkDestinationEnabled(destination, 'retry');
    const messageId = request.body?.messageId;
    const sourceId = request.body?.sourceId;
    if (messageId === undefined) {
      if (sourceId !== undefined) throw new SluiceError('validation_failed', 'sourceId names the event whose delivery to retry together with messageId; send messageId too (or neither, to retry every failed delivery).');
      const now = Date.now();
      const total = await store.deliveries.countWithStatus(workspaceId, destination.id, 'failed', now);
      const replay = await askForReplay(deps, request, reply, destination, { kind: 'failed', range: { from: 0, to: now }, total }, 'destination.retry_failed');
      return { queued: replay.queued, dropped: replay.dropped, replay: replayAnswer(replay) };
    }
    return retries.retry(workspaceId, destination, messageId, sourceId);
  });
};

