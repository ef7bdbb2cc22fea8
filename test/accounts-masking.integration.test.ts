import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './support/api-client.js';
import { createWebhook, deliveriesOf, type DeliveryRow } from './support/destinations.js';
import { joinedMember } from './support/members.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

// What roles without pii_access see of personal data (split from accounts.integration.test.ts).
let sluice: TestSluice;

beforeAll(async () => {
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' } /* local destinations: the delivery log's masking test */);
});
afterAll(async () => {
  await sluice?.stop();
});

const member = (email: string, role: string, password?: string) => joinedMember(sluice, email, role, password);

describe('personal data masking', () => {
  it('masks personal data in events for roles without pii_access', async () => {
    const response = await fetch(`${sluice.url}/v1/identify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${sluice.writeKey}:`).toString('base64')}` },
      body: JSON.stringify({ userId: 'ada@example.com', traits: { name: 'Ada', plan: 'pro' }, context: { ip: '203.0.113.9' } }),
    });
    expect(response.status).toBe(200);
    const viewer = (await member('viewer@example.com', 'viewer')).client;
    const events = await eventually(async () => {
      const res = await viewer.call<{ events: Record<string, unknown>[] }>('GET', '/events?type=identify');
      return res.body.events.length > 0 ? res.body.events : undefined;
    });
    expect(events[0]).toMatchObject({ type: 'identify', userId: '[masked]', traits: { name: '[masked]', plan: '[masked]' }, context: { ip: '[masked]' } });
    const full = await api<{ events: Record<string, unknown>[] }>(sluice.url, 'GET', '/events?type=identify', { token: sluice.token });
    expect(full.body.events[0]).toMatchObject({ userId: 'ada@example.com', traits: { name: 'Ada' } });
  });

  it("masks a person's linked identities in their consent profile for roles without pii_access", async () => {
    const response = await fetch(`${sluice.url}/v1/identify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${sluice.writeKey}:`).toString('base64')}` },
      body: JSON.stringify({ userId: 'consent-masked-1', anonymousId: 'anon-masked-1', traits: { email: 'hedy@example.com' } }),
    });
    expect(response.status).toBe(200);
    const viewer = (await member('consent-viewer@example.com', 'viewer')).client;
    const full = await eventually(async () => {
      const res = await api<{ identities: { type: string; value: string }[] }>(sluice.url, 'GET', '/profiles/consent-masked-1/consent', { token: sluice.token });
      return res.body.identities.some((i) => i.type === 'email') ? res.body : undefined;
    });
    expect(full.identities).toContainEqual({ type: 'email', value: 'hedy@example.com' });
    const masked = await viewer.call<{ identities: { type: string; value: string }[] }>('GET', '/profiles/consent-masked-1/consent');
    expect(masked.status).toBe(200);
    expect(masked.body.identities).toContainEqual({ type: 'email', value: '[masked]' });
    expect(JSON.stringify(masked.body)).not.toContain('hedy@example.com');
    // Looking the person up by email would tell a viewer they are a customer: refused, by userId still answered.
    for (const path of ['/profiles/hedy@example.com', '/profiles/hedy@example.com/consent']) {
      const byEmail = await viewer.call<{ error: { code: string; message: string } }>('GET', path);
      expect(byEmail.status).toBe(403);
      expect(byEmail.body.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('pii_access') });
    }
    expect((await viewer.call('GET', '/profiles/consent-masked-1')).status).toBe(200);
    expect((await api(sluice.url, 'GET', '/profiles/hedy@example.com', { token: sluice.token })).status).toBe(200);
  });

  it("masks an email a destination's error quotes in the delivery log, for roles without pii_access", async () => {
    const servers: RecordingServer[] = [];
    try {
      const crm = await createWebhook(sluice, servers, 'CRM that quotes emails');
      crm.server.respond = () => ({ status: 400, body: '{"error":"contact grace@example.com is invalid"}' });
      const response = await fetch(`${sluice.url}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${sluice.writeKey}:`).toString('base64')}` },
        body: JSON.stringify({ userId: 'grace-1', event: 'Signed Up', messageId: 'masked-error-1' }),
      });
      expect(response.status).toBe(200);
      const failed = await eventually(async () => (await deliveriesOf(sluice, crm.id)).find((d) => d.messageId === 'masked-error-1' && d.status === 'failed'));
      expect(failed.lastError).toContain('grace@example.com'); // the owner sees the answer as it was
      const viewer = (await member('viewer-deliveries@example.com', 'viewer')).client;
      const listed = await viewer.call<{ deliveries: DeliveryRow[] }>('GET', `/destinations/${crm.id}/deliveries?status=failed`);
      expect(listed.status).toBe(200);
      const row = listed.body.deliveries.find((d) => d.messageId === 'masked-error-1');
      expect(row?.lastError).toBe('HTTP 400: {"error":"contact [masked] is invalid"}');
      const detail = await viewer.call<{ deliveries: DeliveryRow[] }>('GET', '/events/masked-error-1');
      expect(detail.body.deliveries.map((d) => d.lastError)).toEqual(['HTTP 400: {"error":"contact [masked] is invalid"}']);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});
