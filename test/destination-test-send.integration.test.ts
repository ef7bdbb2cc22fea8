import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './support/api-client.js';
import { ConsoleClient } from './support/console-client.js';
import { startMockServer } from './support/mock-server.js';
import { RecordingServer } from './support/recording-server.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

interface TestAnswer {
  ok: boolean;
  outcome: string;
  reason?: string;
  error?: string;
  messageId: string;
  durationMs: number;
}

describe('destination catalog and test send', () => {
  let sluice: TestSluice;
  let hook: RecordingServer;
  let destinationId: string;

  beforeAll(async () => {
    hook = await RecordingServer.start();
    sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
    const created = await api<{ id: string }>(sluice.url, 'POST', '/destinations', { token: sluice.token, body: { name: 'Hook', type: 'webhook', config: { url: hook.url, signingSecret: 'sign-me-please' } } });
    expect(created.status, created.text).toBe(201);
    destinationId = created.body.id;
  });
  afterAll(async () => {
    await sluice?.stop();
    await hook?.close();
  });

  it('lists every destination type with the JSON Schema of its config and its write-only secret fields', async () => {
    const res = await api<{ types: { type: string; displayName: string; configSchema: { properties: Record<string, unknown>; required?: string[] }; secretFields: string[]; urlFields: string[]; deletes: boolean; noDeletion?: string }[] }>(sluice.url, 'GET', '/destination-types', { token: sluice.token });
    expect(res.status).toBe(200);
    const types = new Map(res.body.types.map((t) => [t.type, t]));
    for (const name of ['webhook', 'postgres', 'amplitude', 'mixpanel', 'ga4', 'posthog', 'customerio', 'braze', 'hubspot', 'intercom', 'slack', 'segment', 's3']) expect(types.has(name), name).toBe(true);
    const webhook = types.get('webhook')!;
    expect(webhook.displayName).toBe('Webhook');
    expect(webhook.configSchema.required).toEqual(['url']);
    expect(Object.keys(webhook.configSchema.properties)).toEqual(expect.arrayContaining(['url', 'headers', 'signingSecret']));
    expect(webhook.secretFields).toEqual(['signingSecret', 'headers']);
    expect(webhook.urlFields).toEqual(['url']);
    expect(types.get('amplitude')!.secretFields).toContain('apiKey');
    // Whether a deletion request reaches the tool, and why not where it cannot.
    expect(webhook.deletes).toBe(true);
    for (const name of ['slack', 'segment']) expect(types.get(name), name).toMatchObject({ deletes: false, noDeletion: expect.stringMatching(/./) });
  });

  it('sends one sample event to a healthy destination now, signed like any delivery, without a delivery record', async () => {
    const res = await api<TestAnswer>(sluice.url, 'POST', `/destinations/${destinationId}/test`, { token: sluice.token });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ ok: true, outcome: 'ok' });
    const received = hook.events().find((e) => e.messageId === res.body.messageId);
    expect(received).toMatchObject({ type: 'track', event: 'Sluice Test Event', properties: { test: true } });
    expect(hook.requests.at(-1)!.headers['x-sluice-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    const log = await api<{ deliveries: unknown[] }>(sluice.url, 'GET', `/destinations/${destinationId}/deliveries`, { token: sluice.token });
    expect(log.body.deliveries).toEqual([]);
    const audit = await api<{ entries: { action: string; resourceId: string }[] }>(sluice.url, 'GET', '/audit-log', { token: sluice.token });
    expect(audit.body.entries.some((e) => e.action === 'destination.test' && e.resourceId === destinationId)).toBe(true);
  });

  it('sends the event given instead of the sample, so a tool that cannot take the sample (HubSpot) can be tested', async () => {
    const hubspot = await startMockServer((r) => (r.headers.authorization === 'Bearer pat-test-1' && r.path === '/crm/v3/objects/contacts/batch/upsert' ? { status: 200, body: { status: 'COMPLETE', results: [] } } : { status: 401, body: { category: 'INVALID_AUTHENTICATION' } }));
    try {
      const created = await api<{ id: string }>(sluice.url, 'POST', '/destinations', { token: sluice.token, body: { name: 'HubSpot', type: 'hubspot', config: { accessToken: 'pat-test-1', baseUrl: hubspot.url } } });
      expect(created.status, created.text).toBe(201);
      const sample = await api<TestAnswer>(sluice.url, 'POST', `/destinations/${created.body.id}/test`, { token: sluice.token });
      expect(sample.body).toMatchObject({ ok: false, outcome: 'abort', reason: 'unmapped_event' });
      expect(hubspot.received).toHaveLength(0);

      const event = { type: 'identify', userId: 'sluice-test-user', traits: { email: 'sluice-test@example.com', firstName: 'Test' } };
      const res = await api<TestAnswer>(sluice.url, 'POST', `/destinations/${created.body.id}/test`, { token: sluice.token, body: { event } });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ ok: true, outcome: 'ok', messageId: expect.stringMatching(/^sluice-test-/) });
      expect(hubspot.received.map((r) => r.json)).toEqual([{ inputs: [{ id: 'sluice-test@example.com', idProperty: 'email', properties: { email: 'sluice-test@example.com', firstname: 'Test' } }] }]);

      const bad = await api<{ error: { code: string; message: string } }>(sluice.url, 'POST', `/destinations/${created.body.id}/test`, { token: sluice.token, body: { event: { type: 'identify' } } });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'validation_failed', message: 'event needs a userId or an anonymousId.' });
    } finally {
      await hubspot.close();
    }
  });

  it('answers what a failing destination said, as a value: retry for a 5xx, abort with the reason for a 4xx', async () => {
    hook.respond = () => ({ status: 503, body: '{"error":"down for maintenance"}' });
    const down = await api<TestAnswer>(sluice.url, 'POST', `/destinations/${destinationId}/test`, { token: sluice.token });
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ ok: false, outcome: 'retry' });
    expect(down.body.error).toContain('503');

    hook.respond = () => ({ status: 401, body: '{"error":"bad key"}' });
    const refused = await api<TestAnswer>(sluice.url, 'POST', `/destinations/${destinationId}/test`, { token: sluice.token });
    expect(refused.body).toMatchObject({ ok: false, outcome: 'abort' });
    expect(refused.body.reason).toBeTruthy();
    expect(refused.body.error).toContain('401');
    hook.respond = () => ({ status: 200 });
  });

  it('reports an unreachable destination as a failed test, and an unknown destination as not found', async () => {
    await hook.close();
    const res = await api<TestAnswer>(sluice.url, 'POST', `/destinations/${destinationId}/test`, { token: sluice.token });
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(false);
    expect(res.body.error).toBeTruthy();
    const missing = await api<{ error: { code: string } }>(sluice.url, 'POST', '/destinations/dst_nope/test', { token: sluice.token });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('lets a viewer read the catalog but not send test events', async () => {
    const created = await api<{ token: string }>(sluice.url, 'POST', '/tokens', { token: sluice.token, body: { name: 'viewer', role: 'viewer' } });
    const viewer = created.body.token;
    expect((await api(sluice.url, 'GET', '/destination-types', { token: viewer })).status).toBe(200);
    const res = await api<{ error: { code: string } }>(sluice.url, 'POST', `/destinations/${destinationId}/test`, { token: viewer });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it('serves /metrics to a console session (the overview reads it) as well as to a Bearer token', async () => {
    const owner = new ConsoleClient(sluice.url);
    const setup = await owner.call('POST', '/auth/setup', { token: sluice.bootstrap.setupToken, email: 'o@example.com', name: 'O', password: 'long enough password' });
    expect(setup.status, JSON.stringify(setup.body)).toBe(200);
    const withCookie = await fetch(`${sluice.url}/metrics`, { headers: { cookie: owner.cookie! } });
    expect(withCookie.status).toBe(200);
    expect(await withCookie.text()).toContain('# HELP');
    expect((await fetch(`${sluice.url}/metrics`)).status).toBe(401);
  });
});
