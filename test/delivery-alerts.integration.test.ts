import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryAlerts } from '../src/alerts/delivery-alerts.js';
import { DEFAULT_WORKSPACE_ID } from '../src/core/workspace.js';
import { DevelopmentOutbox } from '../src/mail/development-outbox.js';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createWebhook, deliveriesOf } from './support/destinations.js';
import { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
const servers: RecordingServer[] = [];
const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);

interface OutboxMessage {
  to: string;
  subject: string;
  text: string;
}
const outbox = async (subject: string): Promise<OutboxMessage[]> =>
  ((await api('GET', '/outbox')).body.messages as OutboxMessage[]).filter((m) => m.subject === subject);

beforeAll(async () => {
  // Destinations checked every second (default a minute).
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1', SLUICE_DELIVERY_ALERT_CHECK_SECONDS: '1' });
  await sluice.store.members.create({ workspaceId: DEFAULT_WORKSPACE_ID, email: 'dev@shop.test', name: 'Dev', role: 'engineer', status: 'active' });
  await sluice.store.members.create({ workspaceId: DEFAULT_WORKSPACE_ID, email: 'reader@shop.test', name: 'Reader', role: 'viewer', status: 'active' });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sluice?.stop();
});

describe('delivery alerts (Sluice end to end, a real failing endpoint)', () => {
  it('emails the engineers when a webhook starts failing and again when it delivers, posts both to Slack, and lists the episode', async () => {
    // The workspace's alert webhook: a local server standing in for a Slack incoming webhook.
    const slack = await RecordingServer.start();
    servers.push(slack);
    const slackUrl = `${slack.url}/services/T000/B000/secret-part-of-the-url`;
    // Slack is down for the first post: the alert is kept and posted again a little later (the outbox's retries).
    let slackDown = true;
    slack.respond = () => (slackDown ? ((slackDown = false), { status: 503 }) : { status: 200 });
    const set = await api('PUT', '/delivery-alerts/settings', { webhook: { url: slackUrl, format: 'slack' } });
    expect(set.status, set.text).toBe(200);
    const { id, server } = await createWebhook(sluice, servers, 'Fulfilment');
    server.respond = () => ({ status: 503, body: '{"error":"maintenance"}' });
    await sendTracking(sluice.url, sluice.writeKey, 'batch', {
      batch: Array.from({ length: 8 }, (_, i) => ({ type: 'track', userId: `buyer-${i}`, event: 'Order Completed', messageId: `alert-${i}` })),
    });

    const [failing] = await eventually(async () => {
      const found = await outbox('Destination "Fulfilment" is failing');
      return found.length > 0 ? found : undefined;
    });
    expect(failing!.to).toBe('dev@shop.test');
    expect(failing!.text).toMatch(/\d+ of \d+ delivery attempts in the last 15 minutes failed/);
    expect(failing!.text).toContain('Latest error: HTTP 503');
    const posted = await eventually(async () => slack.requests.find((r) => r.path.endsWith('/services/T000/B000/secret-part-of-the-url')));
    expect(slack.failures).toHaveLength(1);
    expect(posted.headers['content-type']).toBe('application/json');
    expect(posted.headers['idempotency-key']).toMatch(/:failing$/);
    const text = (posted.body as { text: string }).text;
    expect(Object.keys(posted.body as object)).toEqual(['text']);
    expect(text).toMatch(/^\*Destination "Fulfilment" is failing\*\n/);
    expect(text).toContain('Commonest reason: HTTP 503.');
    expect(text).toMatch(new RegExp(`\\n<http://[^|>]+/destinations/${id}\\|Open the delivery log>$`));
    const open = await api('GET', '/delivery-alerts?status=open');
    expect(open.body.alerts).toEqual([expect.objectContaining({ destinationId: id, destinationName: 'Fulfilment', status: 'open', resolvedAt: null })]);

    // The endpoint is back: the waiting events go through on their next retry, and the alert closes.
    server.respond = () => ({ status: 200 });
    const [recovered] = await eventually(async () => {
      const found = await outbox('Destination "Fulfilment" is delivering again');
      return found.length > 0 ? found : undefined;
    }, 30_000);
    expect(recovered!.text).toContain('nothing is waiting for a retry');
    await eventually(async () => (slack.requests.some((r) => (r.body as { text?: string }).text?.startsWith('*Destination "Fulfilment" is delivering again*')) ? true : undefined));
    expect(slack.requests).toHaveLength(2);
    expect(server.events().map((e) => e.messageId).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `alert-${i}`).sort());
    // One email of each kind, to the engineer only (the owner token is no member; viewers are not told).
    expect((await api('GET', '/outbox')).body.messages).toHaveLength(2);
    const history = await api('GET', `/delivery-alerts?destinationId=${id}`);
    expect(history.body.alerts).toEqual([expect.objectContaining({ status: 'resolved', resolution: 'recovered' })]);
    // Each notice's post to the webhook, as listed: the opening taken at the second attempt, the end at the first.
    expect((history.body.alerts as { webhookPosts: unknown }[])[0]!.webhookPosts).toEqual([
      expect.objectContaining({ notice: 'failing', state: 'delivered', format: 'slack', attempts: 2, lastStatus: 200, lastError: null, nextAttemptAt: null, finishedAt: expect.any(String) }),
      expect.objectContaining({ notice: 'delivering_again', state: 'delivered', format: 'slack', attempts: 1, lastStatus: 200 }),
    ]);
    // The outbox keeps the URL (a Slack webhook's credential) and the body sealed.
    expect(JSON.stringify(await sluice.store.alertWebhookPosts.ofAlerts(DEFAULT_WORKSPACE_ID, [(history.body.alerts as { id: string }[])[0]!.id]))).not.toContain('secret-part-of-the-url');
  });

  it('keeps its settings per workspace, validated and audited', async () => {
    // The first test set a webhook: shown as scheme and host only, never the URL's secret path.
    const shown = await api('GET', '/delivery-alerts/settings');
    expect(shown.body).toEqual({ enabled: true, failurePercent: 50, behindMinutes: 30, webhook: { url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/\*{8}$/), format: 'slack' } });
    expect((await api('PUT', '/delivery-alerts/settings', { webhook: null })).body).toEqual({ enabled: true, failurePercent: 50, behindMinutes: 30, webhook: null });
    const bad = await api('PUT', '/delivery-alerts/settings', { failurePercent: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringMatching(/failurePercent must be at least 1 \(a whole number from 1 to 100/) } });
    const late = await api('PUT', '/delivery-alerts/settings', { behindMinutes: 1441 });
    expect(late.status).toBe(400);
    expect(late.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringMatching(/behindMinutes must be at most 1440 \(a whole number of minutes from 1 to 1440/) } });
    const saved = await api('PUT', '/delivery-alerts/settings', { failurePercent: 20, behindMinutes: 10 });
    expect(saved.body).toEqual({ enabled: true, failurePercent: 20, behindMinutes: 10, webhook: null });
    const audit = await api('GET', '/audit-log?action=delivery_alert_settings.update');
    expect(JSON.stringify(audit.body)).toContain('failurePercent');
    expect(JSON.stringify(audit.body)).toContain('behindMinutes');
    expect(JSON.stringify(audit.body)).toContain('webhookUrlSet');
    expect(JSON.stringify(audit.body)).not.toContain('secret-part-of-the-url');
    // Nor is it kept in clear in the store.
    expect(JSON.stringify(await sluice.store.workspaces.get(DEFAULT_WORKSPACE_ID))).not.toContain('secret-part-of-the-url');
  });

  it("mutes one destination's alerts until a time: its episode opens unannounced, and is told once it is unmuted", async () => {
    const { id, server } = await createWebhook(sluice, servers, 'Flaky CRM');
    const in2h = new Date(Date.now() + 2 * 3600_000).toISOString();
    const muted = await api('PUT', `/delivery-alerts/mutes/${id}`, { until: in2h });
    expect(muted.status, muted.text).toBe(200);
    expect(muted.body).toEqual({ destinationId: id, destinationName: 'Flaky CRM', until: in2h });
    expect((await api('GET', '/delivery-alerts/mutes')).body.mutes).toEqual([{ destinationId: id, destinationName: 'Flaky CRM', until: in2h }]);

    server.respond = () => ({ status: 500, body: 'crm down' });
    await sendTracking(sluice.url, sluice.writeKey, 'batch', {
      batch: Array.from({ length: 6 }, (_, i) => ({ type: 'track', userId: `crm-${i}`, event: 'Lead Created', messageId: `mute-${i}` })),
    });
    const [episode] = await eventually(async () => {
      const open = (await api('GET', `/delivery-alerts?status=open&destinationId=${id}`)).body.alerts as { kind: string; notifiedAt: string | null }[];
      return open.length > 0 ? open : undefined;
    });
    expect(episode).toMatchObject({ kind: 'failing', notifiedAt: null });
    expect(await outbox('Destination "Flaky CRM" is failing')).toEqual([]);

    const unmuted = await api('DELETE', `/delivery-alerts/mutes/${id}`);
    expect(unmuted.status).toBe(204);
    expect((await api('GET', '/delivery-alerts/mutes')).body.mutes).toEqual([]);
    const [told] = await eventually(async () => {
      const found = await outbox('Destination "Flaky CRM" is failing');
      return found.length > 0 ? found : undefined;
    });
    expect(told!.text).toMatch(/^This began at .* UTC, while alerts for this destination were muted; the mute has ended and it is still so\./);
    const audit = JSON.stringify((await api('GET', '/audit-log?action=delivery_alerts.mute')).body);
    expect(audit).toContain(in2h);
    expect(JSON.stringify((await api('GET', '/audit-log?action=delivery_alerts.unmute')).body)).toContain(id);
    // Deleted: its episode closes without a message, so no later alert of it reaches the next test's webhook; a mute of it
    // is no longer listed.
    expect((await api('PUT', `/delivery-alerts/mutes/${id}`, { until: in2h })).status).toBe(200);
    expect((await api('DELETE', `/destinations/${id}`)).status).toBe(204);
    expect((await api('GET', '/delivery-alerts/mutes')).body.mutes).toEqual([]);
  });

  it("keeps a destination's own thresholds over the workspace's, back to the workspace's with null, validated and audited", async () => {
    const { id } = await createWebhook(sluice, servers, 'Billing');
    const path = `/delivery-alerts/destinations/${id}`;
    expect((await api('PUT', '/delivery-alerts/settings', { failurePercent: 50, behindMinutes: 30 })).status).toBe(200);
    expect((await api('GET', path)).body).toEqual({ destinationId: id, failurePercent: 50, behindMinutes: 30, own: {} });
    const set = await api('PUT', path, { failurePercent: 10, behindMinutes: 5 });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toEqual({ destinationId: id, failurePercent: 10, behindMinutes: 5, own: { failurePercent: 10, behindMinutes: 5 } });
    // The workspace's change applies to what the destination did not set itself.
    expect((await api('PUT', '/delivery-alerts/settings', { failurePercent: 40 })).status).toBe(200);
    expect((await api('PUT', path, { behindMinutes: null })).body).toEqual({ destinationId: id, failurePercent: 10, behindMinutes: 30, own: { failurePercent: 10 } });
    expect((await api('PUT', path, { failurePercent: null })).body).toEqual({ destinationId: id, failurePercent: 40, behindMinutes: 30, own: {} });
    await api('PUT', '/delivery-alerts/settings', { failurePercent: 50 });

    const zero = await api('PUT', path, { behindMinutes: 0 });
    expect(zero.status).toBe(400);
    expect(zero.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('behindMinutes must be at least 1 (a whole number of minutes from 1 to 1440, or null') } });
    const empty = await api('PUT', path, {});
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ error: { code: 'validation_failed' } });
    expect((await api('PUT', '/delivery-alerts/destinations/dst_nope', { failurePercent: 10 })).status).toBe(404);
    const audit = JSON.stringify((await api('GET', '/audit-log?action=delivery_alerts.destination_thresholds')).body);
    expect(audit).toContain(id);
    expect(audit).toContain('behindMinutes');
    expect((await api('DELETE', `/destinations/${id}`)).status).toBe(204);
  });

  it('refuses a mute in the past, too far ahead, not a time, or of a destination not in the workspace, in words', async () => {
    const { id } = await createWebhook(sluice, servers, 'Muted later');
    const past = await api('PUT', `/delivery-alerts/mutes/${id}`, { until: new Date(Date.now() - 60_000).toISOString() });
    expect(past.status).toBe(400);
    expect(past.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('is not in the future') } });
    const far = await api('PUT', `/delivery-alerts/mutes/${id}`, { until: new Date(Date.now() + 31 * 86_400_000).toISOString() });
    expect(far.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('more than 30 days ahead') } });
    const notATime = await api('PUT', `/delivery-alerts/mutes/${id}`, { until: 'tomorrow' });
    expect(notATime.status).toBe(400);
    expect(notATime.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('a date and time such as 2026-03-02T18:00:00Z') } });
    expect((await api('PUT', '/delivery-alerts/mutes/dst_nope', { until: new Date(Date.now() + 60_000).toISOString() })).status).toBe(404);
    expect((await api('GET', '/delivery-alerts/mutes')).body.mutes).toEqual([]);
  });

  it('posts a test alert to the webhook on request, says what it answered, and refuses a URL that is not http(s)', async () => {
    expect((await api('POST', '/delivery-alerts/settings/test-webhook')).body).toMatchObject({ error: { code: 'not_found', message: expect.stringContaining('No alert webhook is set') } });
    const bad = await api('PUT', '/delivery-alerts/settings', { webhook: { url: 'ftp://hooks.example.com/x' } });
    expect(bad.body).toMatchObject({ error: { code: 'destination_url_invalid' } });
    const receiver = await RecordingServer.start();
    servers.push(receiver);
    // Not Slack's host and no format given: Sluice's own JSON document.
    expect((await api('PUT', '/delivery-alerts/settings', { webhook: { url: `${receiver.url}/alerts?token=abc` } })).body).toMatchObject({ webhook: { format: 'json' } });
    const ok = await api('POST', '/delivery-alerts/settings/test-webhook');
    expect(ok.body).toEqual({ ok: true, status: 200 });
    expect(receiver.requests[0]!.body).toMatchObject({ type: 'destination.failing', text: expect.stringContaining('Test alert from Sluice'), workspace: { id: DEFAULT_WORKSPACE_ID }, alert: { topReason: 'http_503' } });
    receiver.respond = () => ({ status: 404, body: 'no_service' });
    expect((await api('POST', '/delivery-alerts/settings/test-webhook')).body).toEqual({ ok: false, status: 404, error: 'HTTP 404: no_service' });
    // Through the destinations' address guard: a private address not allowed by SLUICE_ALLOW_PRIVATE_DESTINATIONS is refused.
    await api('PUT', '/delivery-alerts/settings', { webhook: { url: 'http://10.1.2.3/hooks/alerts', format: 'json' } });
    expect((await api('POST', '/delivery-alerts/settings/test-webhook')).body).toMatchObject({ ok: false, error: expect.stringContaining('destination_address_refused') });
    await api('PUT', '/delivery-alerts/settings', { webhook: null });
  });
});

describe('falling behind (Sluice end to end, a real endpoint that answers slowly)', () => {
  let slow: TestSluice;
  beforeAll(async () => {
    // Sluice's own checker does not run during the test (an hour): the test checks with a clock it moves.
    slow = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1', SLUICE_DELIVERY_ALERT_CHECK_SECONDS: '3600' });
    await slow.store.members.create({ workspaceId: DEFAULT_WORKSPACE_ID, email: 'dev@shop.test', name: 'Dev', role: 'engineer', status: 'active' });
  });
  afterAll(async () => {
    await slow?.stop();
  });

  it("lists the installation's pipeline episodes (processing behind) to members who may read destinations", async () => {
    // This Sluice's own checker runs hourly, so the episode stays as the test leaves it.
    const openedAt = Date.now() - 60_000;
    await slow.store.pipelineAlerts.open({ id: 'palert_api', kind: 'processing_behind', openedAt, waitingSince: openedAt - 600_000, backlog: 321 });
    // Its notice to this workspace's webhook, waiting for a retry; another workspace's post is not shown.
    for (const workspaceId of [DEFAULT_WORKSPACE_ID, 'ws_other']) {
      const post = { id: `awp_${workspaceId}`, workspaceId, alertId: 'palert_api', noticeKind: 'processing_behind', receiver: `r_${workspaceId}`, format: 'json', sealedUrl: 'x', sealedBody: 'x', createdAt: openedAt, nextAttemptAt: openedAt };
      expect(await slow.store.alertWebhookPosts.add(post, openedAt)).toBe(true);
      await slow.store.alertWebhookPosts.record(post.id, { state: 'pending', at: openedAt, status: 503, error: 'HTTP 503: busy', nextAttemptAt: openedAt + 2_000 });
    }
    const open = await ownerApi(slow)('GET', '/pipeline-alerts?status=open');
    expect(open.status, open.text).toBe(200);
    expect(open.body.alerts).toEqual([
      {
        id: 'palert_api', kind: 'processing_behind', status: 'open', openedAt: new Date(openedAt).toISOString(), waitingSince: new Date(openedAt - 600_000).toISOString(), backlog: 321, resolvedAt: null, resolution: null,
        webhookPosts: [{ notice: 'processing_behind', state: 'pending', format: 'json', attempts: 1, lastStatus: 503, lastError: 'HTTP 503: busy', createdAt: new Date(openedAt).toISOString(), nextAttemptAt: new Date(openedAt + 2_000).toISOString(), finishedAt: null }],
      },
    ]);
    await slow.store.pipelineAlerts.resolve('processing_behind', Date.now(), 'caught_up');
    expect((await ownerApi(slow)('GET', '/pipeline-alerts?status=open')).body.alerts).toEqual([]);
    expect((await ownerApi(slow)('GET', '/pipeline-alerts')).body.alerts).toEqual([expect.objectContaining({ id: 'palert_api', status: 'resolved', resolution: 'caught_up' })]);
  });

  it('alerts while events wait behind a slow endpoint, lists the episode with what waited, and closes it once they are delivered', async () => {
    const { id, server } = await createWebhook(slow, servers, 'Warehouse loader', { batching: true, timeoutMs: 60_000 });
    let release: () => void = () => {};
    const answered = new Promise<void>((resolve) => (release = resolve));
    let arrived = 0;
    server.respond = () => {
      arrived++;
      return { status: 200, until: answered };
    };
    // The first batch hangs at the endpoint; everything sent meanwhile waits behind it.
    await sendTracking(slow.url, slow.writeKey, 'batch', { batch: Array.from({ length: 5 }, (_, i) => ({ type: 'track', userId: `u-${i}`, event: 'Loaded', messageId: `slow-first-${i}` })) });
    await eventually(async () => (arrived > 0 ? true : undefined));
    await sendTracking(slow.url, slow.writeKey, 'batch', { batch: Array.from({ length: 20 }, (_, i) => ({ type: 'track', userId: `u-${i}`, event: 'Loaded', messageId: `slow-then-${i}` })) });
    await eventually(async () => ((await deliveriesOf(slow, id, '&status=queued')).length === 25 ? true : undefined));

    const mail = new DevelopmentOutbox('Sluice <sluice@localhost>', pino({ level: 'silent' }));
    const alerts = new DeliveryAlerts({ store: slow.store, mailer: mail, publicUrl: slow.url, logger: pino({ level: 'silent' }), intervalMs: 3600_000, retryWindowMs: 4 * 3600_000 });
    const later = Date.now() + 31 * 60_000;
    const check = await alerts.check(later);
    expect(check.opened).toEqual([expect.objectContaining({ destinationId: id, kind: 'falling_behind', waiting: 25 })]);
    expect(mail.list().map((m) => `${m.to}: ${m.subject}`)).toEqual(['dev@shop.test: Destination "Warehouse loader" is falling behind']);
    expect(mail.list()[0]!.text).toContain('and 25 deliveries wait to be sent');
    const open = await ownerApi(slow)('GET', '/delivery-alerts?status=open');
    expect(open.body.alerts).toEqual([
      expect.objectContaining({ destinationId: id, destinationName: 'Warehouse loader', kind: 'falling_behind', status: 'open', waiting: 25, failures: 0, oldestWaitingAt: expect.any(String) }),
    ]);
    expect(Date.parse((open.body.alerts as { oldestWaitingAt: string }[])[0]!.oldestWaitingAt)).toBeLessThan(Date.now());

    // The endpoint answers: the first batch, then the twenty that waited, are delivered; the next check closes it.
    server.respond = () => ({ status: 200 });
    release();
    await eventually(async () => ((await deliveriesOf(slow, id, '&status=delivered')).length === 25 ? true : undefined), 90_000);
    expect((await alerts.check(later + 60_000)).resolved).toEqual([expect.objectContaining({ destinationId: id, kind: 'falling_behind', resolution: 'caught_up' })]);
    expect(mail.list().find((m) => m.subject === 'Destination "Warehouse loader" has caught up')!.text).toContain('nothing waits to be sent now');
    expect((await ownerApi(slow)('GET', `/delivery-alerts?destinationId=${id}`)).body.alerts).toEqual([expect.objectContaining({ kind: 'falling_behind', status: 'resolved', resolution: 'caught_up' })]);
  }, 120_000);
});
