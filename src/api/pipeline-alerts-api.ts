import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PIPELINE_ALERT_KINDS, PIPELINE_ALERT_RESOLUTIONS } from '../store/pipeline-alert-repository.js';
import type { Store } from '../store/store.js';
import { AlertWebhookPostsView, alertWebhookPostsOf } from './alert-webhook-posts-view.js';
import { principalOf } from './principal.js';
import { EpisodeListQuery } from './schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();

const PipelineAlertView = Type.Object({
  id: Type.String(),
  kind: Type.Union(PIPELINE_ALERT_KINDS.map((k) => Type.Literal(k)), { description: 'processing_behind: events accepted long ago were still not processed' }),
  status: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
  openedAt: Type.String({ format: 'date-time' }),
  waitingSince: Type.String({ format: 'date-time', description: 'events accepted before this time were still waiting when it opened' }),
  backlog: Type.Integer({ description: 'events accepted and not yet processed when it opened' }),
  resolvedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  resolution: Type.Union([...PIPELINE_ALERT_RESOLUTIONS.map((r) => Type.Literal(r)), Type.Null()], { description: 'caught_up, or alerts_off (no workspace has delivery alerts on)' }),
  webhookPosts: AlertWebhookPostsView,
});

/**
 * Pipeline alerts (src/alerts/processing-alerts.ts): episodes of the installation's processing falling behind. They
 * concern every workspace (the inbox is shared), so any member who may read destinations sees them.
 */
export const pipelineAlertsApi: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get('/pipeline-alerts', {
    config: { permission: 'destinations:read' },
    schema: {
      tags: ['destinations'],
      summary: "Episodes of the installation's processing falling behind (events accepted long ago still waiting in the inbox), newest first: open ones (status=open) or every one kept (90 days after it ended)",
      querystring: Type.Object(EpisodeListQuery),
      response: { 200: Type.Object({ alerts: Type.Array(PipelineAlertView) }) },
    },
  }, async (request) => {
    const { status = 'all', limit = 100 } = request.query;
    const alerts = status === 'open' ? (await store.pipelineAlerts.openNow()).slice(0, limit) : await store.pipelineAlerts.list(limit);
    const postsOf = await alertWebhookPostsOf(store, principalOf(request).workspaceId, alerts.map((a) => a.id));
    return {
      alerts: alerts.map((a) => ({
        id: a.id,
        kind: a.kind,
        status: a.resolvedAt === null ? ('open' as const) : ('resolved' as const),
        openedAt: iso(a.openedAt),
        waitingSince: iso(a.waitingSince),
        backlog: a.backlog,
        resolvedAt: a.resolvedAt === null ? null : iso(a.resolvedAt),
        resolution: a.resolution,
        webhookPosts: postsOf(a.id),
      })),
    };
  });
};
