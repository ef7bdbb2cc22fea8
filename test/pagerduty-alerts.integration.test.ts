import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WORKSPACE_ID } from '../src/core/workspace.js';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createWebhook } from './support/destinations.js';
import { RecordingServer, type RecordedRequest } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * Alerts to PagerDuty's Events API v2: a local server stands in for events.pagerduty.com (answering 202 as PagerDuty
 * does), reached through the alert webhook's URL; everything else is Sluice end to end with a real failing endpoint.
 */
let sluice: TestSluice;
let pagerDuty: RecordingServer;
const servers: RecordingServer[] = [];
const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);
const ROUTING_KEY = 'R0UT1NGKEYabcdef0123456789abcdef';

interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload?: { summary: string; source: string; severity: string; component: string; group: string; class: string; custom_details: Record<string, unknown> };
  links?: { href: string; text: string }[];
}
const eventsOf = (requests: readonly RecordedRequest[]) => requests.map((r) => r.body as PagerDutyEvent);
const usePagerDuty = async () => {
  const set = await api('PUT', '/delivery-alerts/settings', { webhook: { url: `${pagerDuty.url}/v2/enqueue`, format: 'pagerduty', routingKey: ROUTING_KEY } });
  expect(set.status, set.text).toBe(200);
};

beforeAll(async () => {
  // Destinations checked every second (default a minute).
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1', SLUICE_DELIVERY_ALERT_CHECK_SECONDS: '1' });
  await sluice.store.members.create({ workspaceId: DEFAULT_WORKSPACE_ID, email: 'oncall@shop.test', name: 'On call', role: 'engineer', status: 'active' });
  pagerDuty = await RecordingServer.start();
  servers.push(pagerDuty);
  pagerDuty.respond = () => ({ status: 202, body: '{"status":"success","message":"Event processed"}' });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sluice?.stop();
});

describe('alerts to PagerDuty (Events API v2)', () => {
  it('refuses a PagerDuty webhook without its integration key, a key for another format, and a key with spaces, in words', async () => {
    const missing = await api('PUT', '/delivery-alerts/settings', { webhook: { format: 'pagerduty' } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('webhook.routingKey is missing') } });
    const wrongFormat = await api('PUT', '/delivery-alerts/settings', { webhook: { url: `${pagerDuty.url}/hooks`, format: 'json', routingKey: ROUTING_KEY } });
    expect(wrongFormat.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('only for format "pagerduty"') } });
    const spaces = await api('PUT', '/delivery-alerts/settings', { webhook: { format: 'pagerduty', routingKey: 'not a key with spaces in it' } });
    expect(spaces.status).toBe(400);
    expect(spaces.text).toContain('routingKey');
    expect(spaces.text).toContain('Integration Key');
    const noUrl = await api('PUT', '/delivery-alerts/settings', { webhook: { format: 'slack' } });
    expect(noUrl.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('webhook.url is missing') } });
    expect((await api('GET', '/delivery-alerts/settings')).body).toMatchObject({ webhook: null });
  });

  it("defaults to PagerDuty's own endpoint, keeps the key encrypted and out of every answer, and audits that it was set", async () => {
    const set = await api('PUT', '/delivery-alerts/settings', { webhook: { format: 'pagerduty', routingKey: ROUTING_KEY } });
    expect(set.status, set.text).toBe(200);
    expect(set.body.webhook).toEqual({ url: 'https://events.pagerduty.com/********', format: 'pagerduty' });
    expect(set.text).not.toContain(ROUTING_KEY);
    expect((await api('GET', '/delivery-alerts/settings')).text).not.toContain(ROUTING_KEY);
    const audit = await api('GET', '/audit-log?action=delivery_alert_settings.update');
    expect(audit.text).toContain('routingKeySet');
    expect(audit.text).not.toContain(ROUTING_KEY);
    // At rest: the workspace's settings hold the key sealed, not in clear.
    const stored = await sluice.store.workspaces.get(DEFAULT_WORKSPACE_ID);
    expect(JSON.stringify(stored?.settings)).not.toContain(ROUTING_KEY);
    // The EU region's host is recognised as PagerDuty without a format.
    const eu = await api('PUT', '/delivery-alerts/settings', { webhook: { url: 'https://events.eu.pagerduty.com/v2/enqueue', routingKey: ROUTING_KEY } });
    expect(eu.body.webhook).toEqual({ url: 'https://events.eu.pagerduty.com/********', format: 'pagerduty' });
  });

  it('sends a test incident and resolves it at once', async () => {
    await usePagerDuty();
    const before = pagerDuty.requests.length;
    const tested = await api('POST', '/delivery-alerts/settings/test-webhook');
    expect(tested.body).toEqual({ ok: true, status: 202 });
    const [trigger, resolve] = eventsOf(pagerDuty.requests.slice(before));
    expect(trigger).toMatchObject({ routing_key: ROUTING_KEY, event_action: 'trigger', payload: { summary: 'Test alert from Sluice', severity: 'error' } });
    expect(resolve).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: trigger!.dedup_key });
    expect(pagerDuty.requests.slice(before)[0]!.path).toMatch(/\/v2\/enqueue$/);
  });

  it('triggers an incident when a destination starts failing and resolves the same incident when it delivers again', async () => {
    await usePagerDuty();
    const before = pagerDuty.requests.length;
    const { id, server } = await createWebhook(sluice, servers, 'Warehouse sync');
    server.respond = () => ({ status: 503, body: '{"error":"maintenance"}' });
    await sendTracking(sluice.url, sluice.writeKey, 'batch', {
      batch: Array.from({ length: 8 }, (_, i) => ({ type: 'track', userId: `pd-buyer-${i}`, event: 'Order Completed', messageId: `pd-alert-${i}` })),
    });
    const trigger = await eventually(async () => eventsOf(pagerDuty.requests.slice(before)).find((e) => e.event_action === 'trigger'));
    const [episode] = (await api('GET', `/delivery-alerts?destinationId=${id}&status=open`)).body.alerts as { id: string }[];
    expect(trigger).toMatchObject({
      routing_key: ROUTING_KEY,
      dedup_key: `sluice:${episode!.id}`,
      payload: { summary: 'Destination "Warehouse sync" is failing', severity: 'error', component: 'Warehouse sync', class: 'failing', group: 'Default workspace' },
      links: [{ href: expect.stringMatching(new RegExp(`/destinations/${id}$`)) as string, text: 'Open in the Sluice console' }],
    });
    expect(trigger.payload!.custom_details).toMatchObject({ text: expect.stringContaining('Latest error: HTTP 503') as string, alert: { id: episode!.id, topReason: 'http_503' }, destination: { id, name: 'Warehouse sync' } });

    server.respond = () => ({ status: 200 });
    const resolve = await eventually(async () => eventsOf(pagerDuty.requests.slice(before)).find((e) => e.event_action === 'resolve'), 30_000);
    expect(resolve).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: `sluice:${episode!.id}` });
    expect(eventsOf(pagerDuty.requests.slice(before)).map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
  });

  it('resolves the incident of a failing destination that is disabled, though nobody is emailed of that', async () => {
    await usePagerDuty();
    const before = pagerDuty.requests.length;
    const { id, server } = await createWebhook(sluice, servers, 'Flaky CRM');
    server.respond = () => ({ status: 500 });
    await sendTracking(sluice.url, sluice.writeKey, 'batch', {
      batch: Array.from({ length: 8 }, (_, i) => ({ type: 'track', userId: `pd-crm-${i}`, event: 'Signed Up', messageId: `pd-crm-${i}` })),
    });
    const trigger = await eventually(async () => eventsOf(pagerDuty.requests.slice(before)).find((e) => e.event_action === 'trigger'));
    expect(trigger.payload).toMatchObject({ component: 'Flaky CRM' });
    expect((await api('PATCH', `/destinations/${id}`, { enabled: false })).status).toBe(200);
    const resolve = await eventually(async () => eventsOf(pagerDuty.requests.slice(before)).find((e) => e.event_action === 'resolve'));
    expect(resolve).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: trigger.dedup_key });
    const [episode] = (await api('GET', `/delivery-alerts?destinationId=${id}`)).body.alerts as { resolution: string }[];
    expect(episode!.resolution).toBe('destination_disabled');
    const emails = (await api('GET', '/outbox')).body.messages as { subject: string }[];
    expect(emails.map((m) => m.subject)).toContain('Destination "Flaky CRM" is failing');
    expect(emails.map((m) => m.subject)).not.toContain('Destination "Flaky CRM" is delivering again');
  });

  it('resolves the incident of an episode that ends while its destination is muted (nobody is told of the end)', async () => {
    await usePagerDuty();
    const before = pagerDuty.requests.length;
    const { id, server } = await createWebhook(sluice, servers, 'Muted ads');
    server.respond = () => ({ status: 502 });
    await sendTracking(sluice.url, sluice.writeKey, 'batch', {
      batch: Array.from({ length: 8 }, (_, i) => ({ type: 'track', userId: `pd-ads-${i}`, event: 'Clicked', messageId: `pd-ads-${i}` })),
    });
    const trigger = await eventually(async () => eventsOf(pagerDuty.requests.slice(before)).find((e) => e.event_action === 'trigger'));
    const muted = await api('PUT', `/delivery-alerts/mutes/${id}`, { until: new Date(Date.now() + 3600_000).toISOString() });
    expect(muted.status, muted.text).toBe(200);
    server.respond = () => ({ status: 200 });
    const resolve = await eventually(async () => eventsOf(pagerDuty.requests.slice(before)).find((e) => e.event_action === 'resolve'), 30_000);
    expect(resolve).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: trigger.dedup_key });
    const emails = (await api('GET', '/outbox')).body.messages as { subject: string }[];
    expect(emails.map((m) => m.subject)).not.toContain('Destination "Muted ads" is delivering again');
  });

  it('resolves the open incidents on the PagerDuty service the workspace moves its alert webhook off, and tells the new webhook of the end', async () => {
    await usePagerDuty();
    const before = pagerDuty.requests.length;
    const { id, server } = await createWebhook(sluice, servers, 'Moving CRM');
    server.respond = () => ({ status: 503 });
    await sendTracking(sluice.url, sluice.writeKey, 'batch', {
      batch: Array.from({ length: 8 }, (_, i) => ({ type: 'track', userId: `pd-move-${i}`, event: 'Signed Up', messageId: `pd-move-${i}` })),
    });
    const trigger = await eventually(async () => eventsOf(pagerDuty.requests.slice(before)).find((e) => e.event_action === 'trigger' && e.payload?.component === 'Moving CRM'));
    const ofEpisode = () => eventsOf(pagerDuty.requests.slice(before)).filter((e) => e.dedup_key === trigger.dedup_key).map((e) => e.event_action);
    // Saved again with the same service and key: nothing to hand over.
    await usePagerDuty();
    // Moved to a JSON webhook: the incident is resolved on the old service, with the old key; the episode stays open.
    const json = await RecordingServer.start();
    servers.push(json);
    json.respond = () => ({ status: 200 });
    const moved = await api('PUT', '/delivery-alerts/settings', { webhook: { url: `${json.url}/alerts`, format: 'json' } });
    expect(moved.status, moved.text).toBe(200);
    const resolve = await eventually(async () => eventsOf(pagerDuty.requests.slice(before)).find((e) => e.event_action === 'resolve' && e.dedup_key === trigger.dedup_key));
    expect(resolve).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: trigger.dedup_key });
    expect(ofEpisode()).toEqual(['trigger', 'resolve']);
    expect(((await api('GET', `/delivery-alerts?destinationId=${id}&status=open`)).body.alerts as unknown[]).length).toBe(1);
    // Its end reaches the new webhook, and nothing more reaches PagerDuty.
    server.respond = () => ({ status: 200 });
    const ended = await eventually(async () => json.requests.map((r) => r.body as { type: string; destination?: { id: string } }).find((b) => b.type === 'destination.delivering_again' && b.destination?.id === id), 30_000);
    expect(ended).toBeDefined();
    expect(ofEpisode()).toEqual(['trigger', 'resolve']);
  });
});
