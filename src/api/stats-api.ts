import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../store/store.js';
import { principalOf } from './principal.js';

const MINUTE = 60_000;

/** Figures for the console's overview, read from the store (so they survive restarts and cover every process). */
export const statsApi: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get('/stats/events-per-minute', {
    config: { permission: 'events:read' },
    schema: {
      tags: ['stats'],
      summary: 'Stored events per minute of receivedAt, oldest first, zeros included',
      querystring: Type.Object({ minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, default: 60 })) }),
      response: { 200: Type.Object({ minutes: Type.Array(Type.Object({ at: Type.String({ format: 'date-time' }), count: Type.Integer() })) }) },
    },
  }, async (request) => {
    const minutes = request.query.minutes ?? 60;
    const end = Math.floor(Date.now() / MINUTE) * MINUTE + MINUTE; // end of the current minute
    const start = end - minutes * MINUTE;
    const counts = new Map((await store.events.countPerMinute(principalOf(request).workspaceId, start, end)).map((r) => [r.minute, r.count]));
    const result: { at: string; count: number }[] = [];
    for (let at = start; at < end; at += MINUTE) result.push({ at: new Date(at).toISOString(), count: counts.get(at) ?? 0 });
    return { minutes: result };
  });
};
