import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WORKSPACE_ID } from '../src/core/workspace.js';
import { ownerApi } from './support/api-client.js';
import { createWebhook } from './support/destinations.js';
import { RecordingServer } from './support/recording-server.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * Fields where null removes a setting (keep events for ever, every source, the workspace's threshold, no webhook):
 * only JSON null does. "", 0 or false taken for null would silently remove the setting instead of refusing the value
 * (as they were while request bodies were type-coerced like query strings: decision 0302).
 */
describe('"null removes it" fields take JSON null only', () => {
  let sluice: TestSluice;
  const servers: RecordingServer[] = [];
  const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);

  beforeAll(async () => {
    sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await sluice?.stop();
  });

  it('keeps event and IP retention when sent "" or false for null', async () => {
    expect((await api('PATCH', '/privacy/settings', { eventRetentionDays: 30, ipRetentionDays: 7, policyVersion: 'v3' })).status).toBe(200);
    for (const body of [{ eventRetentionDays: '' }, { eventRetentionDays: false }, { ipRetentionDays: '' }]) {
      const res = await api('PATCH', '/privacy/settings', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'validation_failed' } });
    }
    expect((await api('GET', '/privacy/settings')).body).toMatchObject({ eventRetentionDays: 30, ipRetentionDays: 7, policyVersion: 'v3' });
    expect((await api('PATCH', '/privacy/settings', { eventRetentionDays: null })).body).toMatchObject({ eventRetentionDays: null, ipRetentionDays: 7 });
  });

  it("keeps a destination's sources and consent categories, its own alert thresholds, and the alert webhook", async () => {
    const sourceId = (await sluice.store.sources.list(DEFAULT_WORKSPACE_ID))[0]!.id;
    const { id } = await createWebhook(sluice, servers, 'Narrow', {}, { sourceIds: [sourceId], consentCategories: ['advertising'] });
    for (const body of [{ sourceIds: '' }, { consentCategories: '' }]) {
      expect((await api('PATCH', `/destinations/${id}`, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await api('GET', `/destinations/${id}`)).body).toMatchObject({ sourceIds: [sourceId], consentCategories: ['advertising'] });

    expect((await api('PUT', `/delivery-alerts/destinations/${id}`, { failurePercent: 10, behindMinutes: 5 })).status).toBe(200);
    for (const body of [{ failurePercent: 0 }, { behindMinutes: '' }, { behindMinutes: false }]) {
      expect((await api('PUT', `/delivery-alerts/destinations/${id}`, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await api('GET', `/delivery-alerts/destinations/${id}`)).body).toMatchObject({ own: { failurePercent: 10, behindMinutes: 5 } });

    const receiver = await RecordingServer.start();
    servers.push(receiver);
    expect((await api('PUT', '/delivery-alerts/settings', { webhook: { url: `${receiver.url}/alerts` } })).status).toBe(200);
    expect((await api('PUT', '/delivery-alerts/settings', { webhook: '' })).status).toBe(400);
    expect((await api('PUT', '/delivery-alerts/settings', { webhook: 0 })).status).toBe(400);
    expect((await api('GET', '/delivery-alerts/settings')).body.webhook).toMatchObject({ format: 'json' });
  });
});
