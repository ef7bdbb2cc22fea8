import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WORKSPACE_ID } from '../src/core/workspace.js';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createWebhook } from './support/destinations.js';
import type { RecordingServer } from './support/recording-server.js';
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
  it('emails the engineers when a webhook starts failing and again when it delivers, and lists the episode', async () => {
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
    const open = await api('GET', '/delivery-alerts?status=open');
    expect(open.body.alerts).toEqual([expect.objectContaining({ destinationId: id, destinationName: 'Fulfilment', status: 'open', resolvedAt: null })]);

    // The endpoint is back: the waiting events go through on their next retry, and the alert closes.
    server.respond = () => ({ status: 200 });
    const [recovered] = await eventually(async () => {
      const found = await outbox('Destination "Fulfilment" is delivering again');
      return found.length > 0 ? found : undefined;
    }, 30_000);
    expect(recovered!.text).toContain('nothing is waiting for a retry');
    expect(server.events().map((e) => e.messageId).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `alert-${i}`).sort());
    // One email of each kind, to the engineer only (the owner token is no member; viewers are not told).
    expect((await api('GET', '/outbox')).body.messages).toHaveLength(2);
    const history = await api('GET', `/delivery-alerts?destinationId=${id}`);
    expect(history.body.alerts).toEqual([expect.objectContaining({ status: 'resolved', resolution: 'recovered' })]);
  });

  it('keeps its settings per workspace, validated and audited', async () => {
    expect((await api('GET', '/delivery-alerts/settings')).body).toEqual({ enabled: true, failurePercent: 50 });
    const bad = await api('PUT', '/delivery-alerts/settings', { failurePercent: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringMatching(/failurePercent must be at least 1 \(a whole number from 1 to 100/) } });
    const saved = await api('PUT', '/delivery-alerts/settings', { failurePercent: 20 });
    expect(saved.body).toEqual({ enabled: true, failurePercent: 20 });
    const audit = await api('GET', '/audit-log?action=delivery_alert_settings.update');
    expect(JSON.stringify(audit.body)).toContain('failurePercent');
  });
});
