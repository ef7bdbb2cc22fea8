import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ROLES } from '../config/config.js';
import { ROLE_ALERT_RESOLUTIONS } from '../store/role-alert-repository.js';
import type { Store } from '../store/store.js';
import { AlertWebhookPostsView, alertWebhookPostsOf } from './alert-webhook-posts-view.js';
import { principalOf } from './principal.js';
import { EpisodeListQuery } from './schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();

const RoleAlertView = Type.Object({
  id: Type.String(),
  role: Type.Union(ROLES.map((r) => Type.Literal(r))),
  status: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
  missingSince: Type.String({ format: 'date-time', description: 'the last time a process with the role was seen, or when the checker first looked' }),
  openedAt: Type.String({ format: 'date-time' }),
  resolvedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  resolution: Type.Union([...ROLE_ALERT_RESOLUTIONS.map((r) => Type.Literal(r)), Type.Null()], {
    description: 'running (a process runs it again), alerts_off (no workspace had alerts on; nobody was told), or null while open or for an episode ended before this was recorded',
  }),
  webhookPosts: AlertWebhookPostsView,
});

/**
 * Role alerts (src/alerts/role-alerts.ts): episodes of a role running in no process of the installation for 5 minutes or
 * more. Like `GET /processes`, any member may read them (metrics:read).
 */
export const roleAlertsApi: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get('/role-alerts', {
    config: { permission: 'metrics:read' },
    schema: {
      tags: ['installation'],
      summary: 'Episodes of a role (ingest, processor, router, jobs, api) running in no process for 5 minutes or more, newest first: open ones (status=open) or every one kept (90 days after it ended)',
      querystring: Type.Object(EpisodeListQuery),
      response: { 200: Type.Object({ alerts: Type.Array(RoleAlertView) }) },
    },
  }, async (request) => {
    const { status = 'all', limit = 100 } = request.query;
    const alerts = status === 'open' ? (await store.roleAlerts.openNow()).reverse().slice(0, limit) : await store.roleAlerts.list(limit);
    const postsOf = await alertWebhookPostsOf(store, principalOf(request).workspaceId, alerts.map((a) => a.id));
    return {
      alerts: alerts.map((a) => ({
        id: a.id,
        role: a.role,
        status: a.resolvedAt === null ? ('open' as const) : ('resolved' as const),
        missingSince: iso(a.missingSince),
        openedAt: iso(a.openedAt),
        resolvedAt: a.resolvedAt === null ? null : iso(a.resolvedAt),
        resolution: a.resolution,
        webhookPosts: postsOf(a.id),
      })),
    };
  });
};
