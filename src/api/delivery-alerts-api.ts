import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AlertWebhook, maskAlertWebhookUrl } from '../alerts/alert-webhook.js';
import { AlertWebhookOutbox } from '../alerts/alert-webhook-outbox.js';
import { AlertWebhookPostsView, alertWebhookPostsOf } from './alert-webhook-posts-view.js';
import { resolveOpenIncidents, samePagerDutyService } from '../alerts/pagerduty-handover.js';
import {
  ALERT_WEBHOOK_FORMATS,
  alertMutesOf,
  alertWebhookOf,
  DEFAULT_DELIVERY_ALERT_SETTINGS,
  deliveryAlertSettingsFor,
  deliveryAlertSettingsOf,
  destinationThresholdsOf,
  MAX_MUTE_MS,
  PAGERDUTY_EVENTS_URL,
  THRESHOLD_RANGES,
  withAlertMute,
  withDeliveryAlertChange,
  withDestinationThresholds,
  type AlertWebhookFormat,
  type AlertWebhookSettings,
} from '../alerts/delivery-alert-settings.js';
import { FAILING_WINDOW_MS, MIN_FAILURES, RECOVERY_WINDOW_MS } from '../alerts/delivery-health.js';
import { changedFields } from '../accounts/audit-changes.js';
import { AuditLog } from '../accounts/audit-log.js';
import type { Keys } from '../core/crypto/keys.js';
import { SluiceError } from '../core/errors.js';
import type { DestinationHttp } from '../destinations/destination.js';
import { createDestinationHttp, parseDestinationUrl } from '../destinations/http/destination-http.js';
import type { Workspace } from '../core/workspace.js';
import { ALERT_KINDS, ALERT_RESOLUTIONS } from '../store/destination-alert-repository.js';
import type { DestinationAlert, Store } from '../store/store.js';
import { auditContext } from './audit-context.js';
import { destinationOf } from './destination-of.js';
import { principalOf } from './principal.js';
import { EpisodeListQuery, orNull } from './schemas.js';
import { readableSchemaErrors } from './validation-messages.js';

const Settings = Type.Object({
  enabled: Type.Boolean({ description: "Email the workspace's owners, admins and engineers when a destination starts failing or falls behind, and when it delivers again or catches up. Default true." }),
  failurePercent: Type.Integer({
    ...THRESHOLD_RANGES.failurePercent,
    description: `Failing: at least this % of a destination's delivery attempts in the last ${FAILING_WINDOW_MS / 60_000} minutes failed (and at least ${MIN_FAILURES}); delivering again: it delivered in the last ${RECOVERY_WINDOW_MS / 60_000} minutes with under half this % failing. Default ${DEFAULT_DELIVERY_ALERT_SETTINGS.failurePercent}.`,
  }),
  behindMinutes: Type.Integer({
    ...THRESHOLD_RANGES.behindMinutes,
    description: `Falling behind: a destination's oldest delivery not yet tried has waited at least this many minutes (a slow endpoint, a long Retry-After, a large replay, no router running); caught up: nothing waits half as long. Default ${DEFAULT_DELIVERY_ALERT_SETTINGS.behindMinutes}.`,
  }),
});

const WebhookFormat = Type.Union(ALERT_WEBHOOK_FORMATS.map((f) => Type.Literal(f)), {
  description:
    'slack: a Slack incoming-webhook message ({"text": ...}); json: Sluice\'s own document (type destination.failing, destination.delivering_again, destination.falling_behind or destination.caught_up; text, workspace, destination, alert, link); pagerduty: PagerDuty Events API v2, an incident triggered when an episode opens and resolved when it ends (dedup_key sluice:<episode id>)',
});
const SettingsView = Type.Object({
  ...Settings.properties,
  webhook: Type.Union([Type.Object({ url: Type.String({ description: 'scheme and host only: the rest of the URL is a secret, kept encrypted' }), format: WebhookFormat }), Type.Null()], {
    description: 'where alerts are also posted (a Slack incoming webhook, or any URL that takes JSON); null when none',
  }),
});
const WebhookTestResult = Type.Object({ ok: Type.Boolean(), status: Type.Optional(Type.Integer()), error: Type.Optional(Type.String()) });

const Alert = Type.Object({
  id: Type.String(),
  destinationId: Type.String(),
  destinationName: Type.Union([Type.String(), Type.Null()], { description: 'null when the destination was deleted since' }),
  kind: Type.Union(ALERT_KINDS.map((k) => Type.Literal(k)), { description: 'failing (most recent attempts failed) or falling_behind (the oldest delivery not yet tried waited too long)' }),
  status: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
  openedAt: Type.String({ format: 'date-time' }),
  failures: Type.Integer({ description: 'failing: failed attempts in the 15 minutes before it opened (0 for falling_behind)' }),
  attempts: Type.Integer({ description: 'failing: attempts with an outcome in those 15 minutes (0 for falling_behind)' }),
  topReason: Type.String({ description: "the commonest reason code among those failed attempts (http_503, timeout, network_error, ...; '' for retries counted before retries carried a reason)" }),
  lastError: Type.Union([Type.String(), Type.Null()], { description: "the latest failed attempt's error as the delivery log had it when the alert opened" }),
  waiting: Type.Union([Type.Integer(), Type.Null()], { description: 'falling_behind: deliveries not yet tried when it opened (null for failing)' }),
  oldestWaitingAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'falling_behind: when the oldest of them was queued (null for failing)' }),
  notifiedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: "when the workspace's people were told it began; null while they were not (it opened while the destination's alerts were muted)" }),
  resolvedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  resolution: Type.Union([...ALERT_RESOLUTIONS.map((r) => Type.Literal(r)), Type.Null()], {
    description: 'recovered (failing: delivering again), caught_up (falling_behind: nothing waits half the limit), destination_disabled, destination_deleted, or alerts_off (the workspace turned alerts off)',
  }),
  webhookPosts: AlertWebhookPostsView,
});

const DestinationThresholdsView = Type.Object({
  destinationId: Type.String(),
  failurePercent: Type.Integer({ description: 'the share of failed attempts in 15 minutes that makes this destination failing (its own, or the workspace\'s)' }),
  behindMinutes: Type.Integer({ description: 'how long its oldest delivery not yet tried may wait before it is falling behind (its own, or the workspace\'s)' }),
  own: Type.Object({ failurePercent: Type.Optional(Type.Integer()), behindMinutes: Type.Optional(Type.Integer()) }, { description: 'the thresholds this destination set for itself; absent ones are the workspace\'s' }),
});

/** The thresholds that judge a destination, and which of them are its own. */
function destinationThresholdsView(workspace: Pick<Workspace, 'settings'> | undefined, destinationId: string) {
  const { failurePercent, behindMinutes } = deliveryAlertSettingsFor(workspace, destinationId);
  return { destinationId, failurePercent, behindMinutes, own: destinationThresholdsOf(workspace, destinationId) };
}

const Mute = Type.Object({
  destinationId: Type.String(),
  destinationName: Type.String(),
  until: Type.String({ format: 'date-time' }),
});

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Delivery alerts (src/alerts/): the workspace's settings and its episodes of destinations failing.
 * GET /delivery-alerts?status=open lists what is failing now (the console's destinations page).
 */
export interface DeliveryAlertsApiDeps {
  readonly store: Store;
  readonly keys: Keys;
  /** SLUICE_ALLOW_PRIVATE_DESTINATIONS: the alert webhook goes through the destinations' address guard. */
  readonly allowPrivate: readonly string[];
  /** The outbound client (tests inject one); by default one of the API's own. */
  readonly http?: DestinationHttp;
}

/** Hosts of PagerDuty's Events API: a URL there without a format is taken as format pagerduty. */
const PAGERDUTY_HOSTS = new Set(['events.pagerduty.com', 'events.eu.pagerduty.com']);

/**
 * The webhook a `PUT /delivery-alerts/settings` asks for, sealed: its format (given, or by the URL's host), the URL
 * (PagerDuty's own by default for format pagerduty) and the PagerDuty integration key encrypted. Refuses a PagerDuty
 * webhook without its key, a key for any other format, and a Slack or JSON webhook without a URL.
 */
function sealedWebhook(given: { url?: string; format?: AlertWebhookFormat; routingKey?: string }, keys: Keys): AlertWebhookSettings {
  const url = given.url === undefined ? undefined : parseDestinationUrl(given.url);
  const format = given.format ?? (url === undefined ? undefined : PAGERDUTY_HOSTS.has(url.hostname) ? 'pagerduty' : url.hostname === 'hooks.slack.com' ? 'slack' : 'json');
  if (format === 'pagerduty') {
    if (given.routingKey === undefined) {
      throw new SluiceError('validation_failed', "webhook.routingKey is missing: PagerDuty needs the Integration Key of the service's Events API v2 integration (in PagerDuty: the service, Integrations, Events API V2).");
    }
    const target = url ?? new URL(PAGERDUTY_EVENTS_URL);
    return { sealedUrl: keys.encrypt(target.toString()), maskedUrl: maskAlertWebhookUrl(target), format, sealedRoutingKey: keys.encrypt(given.routingKey) };
  }
  if (given.routingKey !== undefined) throw new SluiceError('validation_failed', `webhook.routingKey is only for format "pagerduty" (this webhook's format is ${format === undefined ? 'taken from its URL' : `"${format}"`}): remove it, or set "format": "pagerduty".`);
  if (url === undefined || format === undefined) throw new SluiceError('validation_failed', 'webhook.url is missing: give the Slack incoming webhook or the URL that takes the JSON POST (only format "pagerduty" has a default URL).');
  return { sealedUrl: keys.encrypt(url.toString()), maskedUrl: maskAlertWebhookUrl(url), format };
}

/** The settings as the API shows them: the webhook's URL masked. */
function settingsView(workspace: Pick<Workspace, 'settings'> | undefined) {
  const webhook = alertWebhookOf(workspace);
  return { ...deliveryAlertSettingsOf(workspace), webhook: webhook ? { url: webhook.maskedUrl, format: webhook.format } : null };
}

export const deliveryAlertsApi: FastifyPluginAsyncTypebox<DeliveryAlertsApiDeps> = async (app, { store, keys, allowPrivate, http: given }) => {
  const audit = new AuditLog(store.audit);
  let owned: ReturnType<typeof createDestinationHttp> | undefined;
  const webhooks = () => new AlertWebhook(given ?? (owned ??= createDestinationHttp({ allowPrivate })), keys);
  app.addHook('onClose', async () => {
    await owned?.close();
  });

  app.get('/delivery-alerts', {
    config: { permission: 'destinations:read' },
    schema: {
      tags: ['destinations'],
      summary: 'Episodes of destinations failing or falling behind, newest first: open ones (status=open), or every one kept (90 days after it ended)',
      querystring: Type.Object({ ...EpisodeListQuery, destinationId: Type.Optional(Type.String()) }),
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
    const postsOf = await alertWebhookPostsOf(store, workspaceId, alerts.map((a) => a.id));
    return {
      alerts: alerts.map((a) => ({
        id: a.id,
        destinationId: a.destinationId,
        destinationName: names.get(a.destinationId) ?? null,
        kind: a.kind,
        status: a.resolvedAt === null ? ('open' as const) : ('resolved' as const),
        openedAt: iso(a.openedAt),
        failures: a.failures,
        attempts: a.attempts,
        topReason: a.topReason,
        lastError: a.lastError,
        waiting: a.waiting,
        oldestWaitingAt: a.oldestWaitingAt === null ? null : iso(a.oldestWaitingAt),
        notifiedAt: a.notifiedAt === null ? null : iso(a.notifiedAt),
        resolvedAt: a.resolvedAt === null ? null : iso(a.resolvedAt),
        resolution: a.resolution,
        webhookPosts: postsOf(a.id),
      })),
    };
  });

  /** Mutes a destination until `until` (null: unmutes it) in one settings change; answers the mute it replaced, if one was in force. */
  const changeMute = async (workspaceId: string, destinationId: string, until: number | null, now: number): Promise<number | undefined> => {
    let before: number | undefined;
    await store.workspaces.changeSettings(workspaceId, (settings) => {
      before = alertMutesOf({ settings }, now).get(destinationId);
      return withAlertMute(settings, destinationId, until, now);
    });
    return before;
  };

  app.get('/delivery-alerts/mutes', {
    config: { permission: 'destinations:read' },
    schema: {
      tags: ['destinations'],
      summary: 'Destinations whose alerts are muted now, and until when',
      response: { 200: Type.Object({ mutes: Type.Array(Mute) }) },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const workspace = await store.workspaces.get(workspaceId);
    const names = new Map((await store.destinations.list(workspaceId)).map((d) => [d.id, d.name]));
    // A deleted destination's mute is left to run out in the settings; it is not listed.
    return { mutes: [...alertMutesOf(workspace, Date.now())].filter(([destinationId]) => names.has(destinationId)).map(([destinationId, until]) => ({ destinationId, destinationName: names.get(destinationId)!, until: iso(until) })) };
  });

  app.put('/delivery-alerts/mutes/:destinationId', {
    config: { permission: 'destinations:write' },
    schema: {
      tags: ['destinations'],
      summary: "Mute a destination's alerts until a time (at most 30 days ahead): its episodes still open and close, nobody is emailed or posted to; one still open when the mute ends is told then",
      params: Type.Object({ destinationId: Type.String() }),
      body: Type.Object({ until: Type.String({ format: 'date-time', description: 'when the mute ends (ISO 8601 with a time zone)' }) }, { additionalProperties: false }),
      response: { 200: Mute },
    },
    schemaErrorFormatter: readableSchemaErrors((path) => path.join('.'), { until: 'a date and time such as 2026-03-02T18:00:00Z: when the mute ends' }),
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const destination = await destinationOf(store, workspaceId, request.params.destinationId);
    const now = Date.now();
    const until = Date.parse(request.body.until);
    if (until <= now) throw new SluiceError('validation_failed', `until (${request.body.until}) is not in the future: give a later time for the mute to end (or unmute to end it now).`);
    if (until > now + MAX_MUTE_MS) throw new SluiceError('validation_failed', `until (${request.body.until}) is more than ${MAX_MUTE_MS / 86_400_000} days ahead: mute for a known, bounded problem and mute again if it lasts (or turn delivery alerts off for the workspace).`);
    const before = await changeMute(workspaceId, destination.id, until, now);
    await audit.record({ ...auditContext(request), action: 'delivery_alerts.mute', resourceType: 'destination', resourceId: destination.id, before: { mutedUntil: before === undefined ? null : iso(before) }, after: { mutedUntil: iso(until) } });
    return { destinationId: destination.id, destinationName: destination.name, until: iso(until) };
  });

  app.delete('/delivery-alerts/mutes/:destinationId', {
    config: { permission: 'destinations:write' },
    schema: {
      tags: ['destinations'],
      summary: "Unmute a destination's alerts now (an episode still open and not yet told is told at the next check)",
      params: Type.Object({ destinationId: Type.String() }),
      response: { 204: Type.Null() },
    },
  }, async (request, reply) => {
    const { workspaceId } = principalOf(request);
    const destination = await destinationOf(store, workspaceId, request.params.destinationId);
    const before = await changeMute(workspaceId, destination.id, null, Date.now());
    if (before !== undefined) await audit.record({ ...auditContext(request), action: 'delivery_alerts.unmute', resourceType: 'destination', resourceId: destination.id, before: { mutedUntil: iso(before) }, after: { mutedUntil: null } });
    return reply.code(204).send(null);
  });

  app.get('/delivery-alerts/destinations/:destinationId', {
    config: { permission: 'destinations:read' },
    schema: {
      tags: ['destinations'],
      summary: "The thresholds that judge one destination (its own where it has them, else the workspace's), and its own",
      params: Type.Object({ destinationId: Type.String() }),
      response: { 200: DestinationThresholdsView },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const destination = await destinationOf(store, workspaceId, request.params.destinationId);
    return destinationThresholdsView(await store.workspaces.get(workspaceId), destination.id);
  });

  app.put('/delivery-alerts/destinations/:destinationId', {
    config: { permission: 'destinations:write' },
    schema: {
      tags: ['destinations'],
      summary: "Set a destination's own alert thresholds (a number), or go back to the workspace's (null); absent fields are left as they are",
      params: Type.Object({ destinationId: Type.String() }),
      body: Type.Object({
        failurePercent: Type.Optional(orNull(Settings.properties.failurePercent)),
        behindMinutes: Type.Optional(orNull(Settings.properties.behindMinutes)),
      }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: DestinationThresholdsView },
    },
    schemaErrorFormatter: readableSchemaErrors((path) => path.join('.'), {
      failurePercent: 'a whole number from 1 to 100, or null for the workspace\'s',
      behindMinutes: 'a whole number of minutes from 1 to 1440, or null for the workspace\'s',
    }),
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const destination = await destinationOf(store, workspaceId, request.params.destinationId);
    let before: ReturnType<typeof destinationThresholdsOf> = {};
    const saved = await store.workspaces.changeSettings(workspaceId, (settings) => {
      before = destinationThresholdsOf({ settings }, destination.id);
      return withDestinationThresholds(settings, destination.id, request.body);
    });
    const after = destinationThresholdsOf({ settings: saved }, destination.id);
    await audit.record({ ...auditContext(request), action: 'delivery_alerts.destination_thresholds', resourceType: 'destination', resourceId: destination.id, resourceName: destination.name, before, after });
    return destinationThresholdsView({ settings: saved }, destination.id);
  });

  app.get('/delivery-alerts/settings', {
    config: { permission: 'destinations:read' },
    schema: { tags: ['destinations'], summary: "The workspace's delivery alert settings (the webhook's URL masked)", response: { 200: SettingsView } },
  }, async (request) => settingsView(await store.workspaces.get(principalOf(request).workspaceId)));

  app.put('/delivery-alerts/settings', {
    config: { permission: 'destinations:write' },
    schema: {
      tags: ['destinations'],
      summary: 'Turn delivery alerts on or off; how large a share of failed attempts makes a destination failing; how long a wait makes it falling behind; where they are also posted',
      body: Type.Object({
        enabled: Type.Optional(Settings.properties.enabled),
        failurePercent: Type.Optional(Settings.properties.failurePercent),
        behindMinutes: Type.Optional(Settings.properties.behindMinutes),
        webhook: Type.Optional(orNull(
          Type.Object({
            url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: `a Slack incoming webhook (https://hooks.slack.com/services/...) or any URL that takes a JSON POST; kept encrypted, shown masked. Format pagerduty: optional, ${PAGERDUTY_EVENTS_URL} unless given (https://events.eu.pagerduty.com/v2/enqueue for the EU region)` })),
            format: Type.Optional(WebhookFormat),
            routingKey: Type.Optional(Type.String({ minLength: 20, maxLength: 128, pattern: '^\\S+$', description: "format pagerduty only, and needed there: the Integration Key of the PagerDuty service's Events API v2 integration; kept encrypted, never shown" })),
          }, { additionalProperties: false }),
          { description: 'null removes it; absent leaves it as it is' },
        )),
      }, { additionalProperties: false }),
      response: { 200: SettingsView },
    },
    schemaErrorFormatter: readableSchemaErrors((path) => path.join('.'), {
      failurePercent: 'a whole number from 1 to 100: the share of failed attempts in 15 minutes that makes a destination failing',
      behindMinutes: 'a whole number of minutes from 1 to 1440 (a day): how long the oldest delivery not yet tried may wait before the destination counts as falling behind',
      format: '"slack" for a Slack incoming webhook, "pagerduty" for PagerDuty\'s Events API v2, "json" for any other URL',
      routingKey: "the Integration Key of a PagerDuty service's Events API v2 integration (about 32 letters and digits, no spaces)",
    }),
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const { webhook: givenWebhook, ...fields } = request.body;
    let webhook: AlertWebhookSettings | null | undefined;
    if (givenWebhook) webhook = sealedWebhook(givenWebhook, keys);
    else if (givenWebhook === null) webhook = null;
    let before: ReturnType<typeof settingsView> = { ...DEFAULT_DELIVERY_ALERT_SETTINGS, webhook: null };
    let previous: AlertWebhookSettings | undefined;
    const saved = await store.workspaces.changeSettings(workspaceId, (settings) => {
      before = settingsView({ settings });
      previous = alertWebhookOf({ settings });
      return withDeliveryAlertChange(settings, { ...fields, ...(webhook !== undefined && { webhook }) });
    });
    const after = settingsView({ settings: saved });
    // The audit log keeps the masked URL only; a URL set again (even to the same host) is recorded as set.
    const changes = changedFields(before, after);
    if (webhook) changes.after.webhookUrlSet = true;
    if (webhook?.sealedRoutingKey !== undefined) changes.after.routingKeySet = true;
    await audit.record({ ...auditContext(request), action: 'delivery_alert_settings.update', resourceType: 'delivery_alert_settings', resourceId: workspaceId, ...changes });
    // Moving off a PagerDuty service: the incidents of episodes still open are resolved there (in the background, through
    // the webhook's durable outbox), since their end will not reach it.
    const left = previous;
    if (left?.format === 'pagerduty' && webhook !== undefined && !samePagerDutyService(left, webhook, keys)) {
      const workspace = { id: workspaceId, name: (await store.workspaces.get(workspaceId))?.name ?? workspaceId };
      const log = request.log;
      void resolveOpenIncidents({ store, webhook: new AlertWebhookOutbox({ webhook: webhooks(), posts: store.alertWebhookPosts, keys }), previous: left, workspace, consoleUrl: `${request.protocol}://${request.host}` }).then(
        (handover) => {
          if (handover.failed > 0 || handover.pending > 0) log.warn({ workspaceId, ...handover }, 'alert webhook moved off PagerDuty: some incidents of open alerts could not be resolved there yet (pending ones are retried for up to an hour)');
          else if (handover.resolved > 0) log.info({ workspaceId, resolved: handover.resolved }, 'alert webhook moved off PagerDuty: incidents of open alerts resolved there');
        },
        (error: unknown) => log.warn({ err: error, workspaceId }, 'alert webhook moved off PagerDuty: could not resolve the incidents of open alerts there'),
      );
    }
    return after;
  });

  app.post('/delivery-alerts/settings/test-webhook', {
    config: { permission: 'destinations:write' },
    schema: {
      tags: ['destinations'],
      summary: "Post a sample alert to the workspace's alert webhook now and answer what it said (ok false with the error when it refused or could not be reached)",
      response: { 200: WebhookTestResult },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const workspace = await store.workspaces.get(workspaceId);
    const webhook = alertWebhookOf(workspace);
    if (!workspace || !webhook) throw new SluiceError('not_found', 'No alert webhook is set: PUT /api/v1/delivery-alerts/settings with {"webhook": {"url": "..."}} first.');
    const now = Date.now();
    const destination = { id: 'dst_example', name: 'Example destination', type: 'webhook' };
    const alert: DestinationAlert = { id: `alert_test_${now}`, workspaceId, destinationId: destination.id, kind: 'failing', openedAt: now, failures: 12, attempts: 12, topReason: 'http_503', lastError: 'HTTP 503: Service Unavailable', waiting: null, oldestWaitingAt: null, notifiedAt: now, resolvedAt: null, resolution: null };
    const notice = { kind: 'failing' as const, subject: 'Test alert from Sluice', paragraphs: [`This is a test of the delivery alerts of the workspace "${workspace.name}": nothing is failing. Real alerts look like this, with the destination, the counts and the latest error.`] };
    const context = { workspace: { id: workspace.id, name: workspace.name }, about: { destination, alert }, link: `${request.protocol}://${request.host}/destinations` };
    const posted = await webhooks().post(webhook, notice, context);
    // PagerDuty's test incident is resolved at once: it pages whoever is on call once and does not stay open.
    const resolveTest = posted.ok && webhook.format === 'pagerduty';
    const result = resolveTest ? await webhooks().post(webhook, { kind: 'delivering_again', subject: 'Test alert from Sluice resolved', paragraphs: [] }, context) : posted;
    await audit.record({ ...auditContext(request), action: 'delivery_alert_settings.test_webhook', resourceType: 'delivery_alert_settings', resourceId: workspaceId, after: { ok: result.ok, ...(result.ok ? {} : { error: result.error }) } });
    return result;
  });
};
