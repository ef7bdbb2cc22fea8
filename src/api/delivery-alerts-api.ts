import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DEFAULT_DELIVERY_ALERT_SETTINGS, deliveryAlertSettingsOf, type DeliveryAlertSettings } from '../alerts/delivery-alert-settings.js';
import { FAILING_WINDOW_MS, MIN_FAILURES, RECOVERY_WINDOW_MS } from '../alerts/delivery-health.js';
import { changedFields } from '../accounts/audit-changes.js';
import type { AuditLog } from '../accounts/audit-log.js';
import { ALERT_RESOLUTIONS } from '../store/destination-alert-repository.js';
import type { DestinationAlert, Store } from '../store/store.js';
import { auditContext } from './audit-context.js';
import { principalOf } from './principal.js';
import { readableSchemaErrors } from './validation-messages.js';

const Settings = Type.Object({
  enabled: Type.Boolean({ description: "Email the workspace's owners, admins and engineers when a destination starts failing and when it delivers again. Default true." }),
  failurePercent: Type.Integer({
    minimum: 1,
    maximum: 100,
    description: `Failing: at least this % of a destination's delivery attempts in the last ${FAILING_WINDOW_MS / 60_000} minutes failed (and at least ${MIN_FAILURES}); delivering again: it delivered in the last ${RECOVERY_WINDOW_MS / 60_000} minutes with under half this % failing. Default ${DEFAULT_DELIVERY_ALERT_SETTINGS.failurePercent}.`,
  }),
});

const Alert = Type.Object({
  id: Type.String(),
  destinationId: Type.String(),
  destinationName: Type.Union([Type.String(), Type.Null()], { description: 'null when the destination was deleted since' }),
  status: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
  openedAt: Type.String({ format: 'date-time' }),
  failures: Type.Integer({ description: 'failed attempts in the 15 minutes before it opened' }),
  attempts: Type.Integer({ description: 'attempts with an outcome in those 15 minutes' }),
  topReason: Type.String({ description: "the commonest reason code among those failed attempts (http_503, timeout, network_error, ...; '' for retries counted before retries carried a reason)" }),
  lastError: Type.Union([Type.String(), Type.Null()], { description: "the latest failed attempt's error as the delivery log had it when the alert opened" }),
  resolvedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  resolution: Type.Union([...ALERT_RESOLUTIONS.map((r) => Type.Literal(r)), Type.Null()], {
    description: 'recovered (delivering again), destination_disabled, destination_deleted, or alerts_off (the workspace turned alerts off)',
  }),
});

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Delivery alerts (src/alerts/): the workspace's settings and its episodes of destinations failing.
 * GET /delivery-alerts?status=open lists what is failing now (the console's destinations page).
 */
export const deliveryAlertsApi: FastifyPluginAsyncTypebox<{ store: Store; audit: AuditLog }> = async (app, { store, audit }) => {
  app.get('/delivery-alerts', {
    config: { permission: 'destinations:read' },
    schema: {
      tags: ['destinations'],
      summary: 'Episodes of destinations failing, newest first: open ones (status=open), or every one kept (90 days after it ended)',
      querystring: Type.Object({
        status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('all')], { default: 'all' })),
        destinationId: Type.Optional(Type.String()),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
      }),
      response: { 200: Type.Object({ alerts: Type.Array(Alert) }) },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const { status = 'all', destinationId, limit = 100 } = request.query;
    const alerts: DestinationAlert[] =
      status === 'open'
        ? (await store.destinationAlerts.openOf(workspaceId)).filter((a) => destinationId === undefined || a.destinationId === destinationId).slice(0, limit)
        : await store.destinationAlerts.list(workspaceId, { ...(destinationId !== undefined && { destinationId }), limit });
    const names = new Map((await store.destinations.list(workspaceId)).map((d) => [d.id, d.name]));
    return {
      alerts: alerts.map((a) => ({
        id: a.id,
        destinationId: a.destinationId,
        destinationName: names.get(a.destinationId) ?? null,
        status: a.resolvedAt === null ? ('open' as const) : ('resolved' as const),
        openedAt: iso(a.openedAt),
        failures: a.failures,
        attempts: a.attempts,
        topReason: a.topReason,
        lastError: a.lastError,
        resolvedAt: a.resolvedAt === null ? null : iso(a.resolvedAt),
        resolution: a.resolution,
      })),
    };
  });

  app.get('/delivery-alerts/settings', {
    config: { permission: 'destinations:read' },
    schema: { tags: ['destinations'], summary: "The workspace's delivery alert settings", response: { 200: Settings } },
  }, async (request) => deliveryAlertSettingsOf(await store.workspaces.get(principalOf(request).workspaceId)));

  app.put('/delivery-alerts/settings', {
    config: { permission: 'destinations:write' },
    schema: {
      tags: ['destinations'],
      summary: 'Turn delivery alerts on or off; how large a share of failed attempts makes a destination failing',
      body: Type.Object({ enabled: Type.Optional(Settings.properties.enabled), failurePercent: Type.Optional(Settings.properties.failurePercent) }, { additionalProperties: false }),
      response: { 200: Settings },
    },
    schemaErrorFormatter: readableSchemaErrors((path) => path.join('.'), {
      failurePercent: 'a whole number from 1 to 100: the share of failed attempts in 15 minutes that makes a destination failing',
    }),
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    let before: DeliveryAlertSettings = DEFAULT_DELIVERY_ALERT_SETTINGS;
    let next = before;
    await store.workspaces.changeSettings(workspaceId, (settings) => {
      before = deliveryAlertSettingsOf({ settings });
      next = { ...before, ...request.body };
      return { ...settings, deliveryAlerts: next };
    });
    await audit.record({ ...auditContext(request), action: 'delivery_alert_settings.update', resourceType: 'delivery_alert_settings', resourceId: workspaceId, ...changedFields(before, next) });
    return next;
  });
};
