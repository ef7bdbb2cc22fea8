import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../store/store.js';
import { principalOf } from './principal.js';
import { sourceOf } from './source-of.js';
import { IdParams } from './schemas.js';

const HOUR = 3_600_000;

/** The latest event of a rejection or a drop: its type, name and messageId, and its shape without values. */
function eventExample(description: string) {
  return Type.Object(
    {
      type: Type.Optional(Type.String()),
      event: Type.Optional(Type.String()),
      messageId: Type.Optional(Type.String()),
      shape: Type.Unknown({ description: 'The event as sent with every value replaced by its JSON type: which call sent what, no personal data' }),
    },
    { description },
  );
}

const Rejection = Type.Object({
  code: Type.String({ description: 'The error code (docs/errors.md)' }),
  message: Type.String({ description: 'What was wrong and how to fix it, as the client was told (an email address quoted in it reads <email>)' }),
  count: Type.Integer({ description: 'Events rejected with this code in the period' }),
  lastAt: Type.String({ format: 'date-time', description: 'When the latest of them was rejected' }),
  example: Type.Optional(eventExample('The latest rejected event; absent when the request was refused before its events were read (a writeKey, rate or size problem)')),
});

const Drop = Type.Object({
  reason: Type.String({ description: "The processor's drop reason: duplicate (a messageId the source sent before), suppressed, pii_blocked:<label>" }),
  message: Type.String({ description: 'What happened and what to do' }),
  count: Type.Integer({ description: 'Events dropped for this reason in the period' }),
  lastAt: Type.String({ format: 'date-time', description: 'When the latest of them was dropped' }),
  example: Type.Optional(eventExample('The latest dropped event: type, name, messageId and shape, no values')),
});

/**
 * `GET /sources/:id/rejections`: why a source's events were rejected recently, one row per error code with its
 * count and the latest rejected event's message and shape (core/tracking/rejection-example.ts). The engineer
 * instrumenting an app sees here what a Segment library's 400 answer told nobody. `dropped`: the same for events the
 * Tracking API accepted (200) and the processor dropped before storage (a reused messageId, a suppressed person).
 */
export const sourceRejectionsApi: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get('/sources/:id/rejections', {
    config: { permission: 'sources:read' },
    schema: {
      tags: ['sources', 'stats'],
      summary: "Why a source's events were rejected: per error code, how many and the latest one (its message and shape, no values); newest first",
      params: IdParams,
      querystring: Type.Object({ hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24, description: 'Period (default 24 hours; counters are kept for 25)' })) }),
      response: {
        200: Type.Object({
          from: Type.String({ format: 'date-time' }),
          rejections: Type.Array(Rejection),
          dropped: Type.Array(Drop, { description: 'Events accepted (200) and then dropped before storage, per reason: how many and the latest one' }),
        }),
      },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const source = await sourceOf(store, workspaceId, request.params.id);
    const now = Date.now();
    const from = now - (request.query.hours ?? 24) * HOUR;
    const counts = new Map<string, number>();
    const dropCounts = new Map<string, number>();
    // Counter rows are per minute: the period starts at the minute `from` falls in.
    for (const row of await store.sourceCounters.list(workspaceId, from - (from % 60_000), now + 1, source.id)) {
      if (row.kind === 'rejected') counts.set(row.reason, (counts.get(row.reason) ?? 0) + row.count);
      if (row.kind === 'dropped') dropCounts.set(row.reason, (dropCounts.get(row.reason) ?? 0) + row.count);
    }
    const [latest, drops] = await Promise.all([store.sourceCounters.rejections(workspaceId, source.id, from), store.sourceCounters.drops(workspaceId, source.id, from)]);
    return {
      from: new Date(from).toISOString(),
      rejections: latest.map((r) => ({
        code: r.code,
        message: r.message,
        // At least the one kept (its count may not be written yet: both are written about once a second).
        count: Math.max(counts.get(r.code) ?? 0, 1),
        lastAt: new Date(r.at).toISOString(),
        ...(r.example !== undefined && { example: r.example }),
      })),
      dropped: drops.map((d) => ({
        reason: d.reason,
        message: d.message,
        count: Math.max(dropCounts.get(d.reason) ?? 0, 1),
        lastAt: new Date(d.at).toISOString(),
        ...(d.example !== undefined && { example: d.example }),
      })),
    };
  });
};
