import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api as call, sendTracking } from './support/api-client.js';
import { deliveriesOf } from './support/destinations.js';
import { startMockServer, type MockServer, type ReceivedRequest } from './support/mock-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
let amplitudeServer: MockServer;
const api = (method: string, path: string, body?: unknown) => call(sluice.url, method, path, { token: sluice.token, ...(body !== undefined && { body }) });

/**
 * A stand-in for Amplitude's HTTP V2 API, from its public documentation: POST /2/httpapi, a JSON body with
 * `api_key` and `events`; every event needs `event_type` and a `user_id` or `device_id` of at least 5
 * characters; at most 2,000 events per request (413 beyond); answers {code: 200, events_ingested, ...}.
 */
function amplitudeDocs(request: ReceivedRequest) {
  if (request.method !== 'POST' || request.path !== '/2/httpapi') return { status: 404, body: { error: 'not found' } };
  if (!String(request.headers['content-type']).startsWith('application/json')) return { status: 400, body: { code: 400, error: 'Invalid content type' } };
  const body = request.json as { api_key?: string; events?: Record<string, unknown>[] };
  if (body.api_key !== 'AMP-KEY-123') return { status: 400, body: { code: 400, error: 'Invalid API key' } };
  const events = body.events ?? [];
  if (events.length > 2000) return { status: 413, body: { code: 413, error: 'Payload too large' } };
  const missing = events.flatMap((e, i) => (typeof e.event_type !== 'string' || (!e.user_id && !e.device_id) ? [i] : []));
  if (missing.length > 0) return { status: 400, body: { code: 400, error: 'Request missing required field', events_with_missing_fields: { event_type: missing } } };
  return { status: 200, body: { code: 200, events_ingested: events.length, payload_size_bytes: request.raw.length, server_upload_time: Date.now() } };
}

const batch = (events: Record<string, unknown>[]) => sendTracking(sluice.url, sluice.writeKey, 'batch', { batch: events });

const deliveries = (id: string) => deliveriesOf(sluice, id);

beforeAll(async () => {
  amplitudeServer = await startMockServer(amplitudeDocs);
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
});
afterAll(async () => {
  await sluice?.stop();
  await amplitudeServer?.close();
});

describe('a catalog destination through the whole pipeline', () => {
  it('sends Amplitude exactly the documented HTTP V2 payload, in order, and logs every outcome', async () => {
    const created = await api('POST', '/destinations', { name: 'Amplitude', type: 'amplitude', config: { apiKey: 'AMP-KEY-123', baseUrl: amplitudeServer.url } });
    expect(created.status, created.text).toBe(201);
    const id = String(created.body.id);
    const at = '2026-11-30T09:00:00.000Z';
    await batch([
      { type: 'identify', userId: 'amp-user-1', anonymousId: 'amp-anon-1', messageId: 'amp-1', timestamp: at, traits: { plan: 'pro', logins: 3 }, context: { locale: 'de-DE' } },
      { type: 'track', userId: 'amp-user-1', anonymousId: 'amp-anon-1', messageId: 'amp-2', timestamp: at, event: 'Order Completed', properties: { total: 42.5, products: [{ sku: 'mug' }] }, context: { os: { name: 'iOS', version: '17.1' }, location: { country: 'DE', city: 'Berlin' } } },
      { type: 'page', anonymousId: 'amp-anon-2', messageId: 'amp-3', timestamp: at, name: 'Pricing', properties: { path: '/pricing' } },
      { type: 'alias', userId: 'amp-user-1', previousId: 'amp-anon-1', messageId: 'amp-4', timestamp: at },
    ]);

    const log = await eventually(async () => {
      const rows = (await deliveries(id)).filter((d) => d.messageId.startsWith('amp-'));
      return rows.length === 4 && rows.every((r) => r.status === 'delivered' || r.status === 'failed') ? rows : undefined;
    });
    const byId = new Map(log.map((d) => [d.messageId, d]));
    expect(byId.get('amp-1')).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(byId.get('amp-2')).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(byId.get('amp-3')).toMatchObject({ status: 'delivered', attempts: 1 });
    // Amplitude's HTTP V2 API has no alias call: refused before sending, with the reason.
    expect(byId.get('amp-4')).toMatchObject({ status: 'failed', reason: 'unsupported:alias' });

    const requests = amplitudeServer.received.filter((r) => r.path === '/2/httpapi');
    expect(requests.length).toBeGreaterThanOrEqual(1);
    for (const r of requests) {
      expect(r.method).toBe('POST');
      expect(r.headers['content-type']).toBe('application/json');
      expect((r.json as { api_key: string }).api_key).toBe('AMP-KEY-123');
    }
    const sent = requests.flatMap((r) => (r.json as { events: Record<string, unknown>[] }).events);
    const time = Date.parse(at);
    // The exact wire events (the ingest adds context.ip = the client address, which Amplitude takes as ip).
    expect(sent).toEqual([
      { event_type: '$identify', time, insert_id: 'amp-1', library: 'sluice', user_id: 'amp-user-1', device_id: 'amp-anon-1', user_properties: { $set: { plan: 'pro', logins: 3 } }, ip: '127.0.0.1', language: 'de-DE' },
      {
        event_type: 'Order Completed', time, insert_id: 'amp-2', library: 'sluice', user_id: 'amp-user-1', device_id: 'amp-anon-1',
        event_properties: { total: 42.5, products: [{ sku: 'mug' }] }, ip: '127.0.0.1', os_name: 'iOS', os_version: '17.1', country: 'DE', city: 'Berlin',
      },
      { event_type: 'Viewed Pricing Page', time, insert_id: 'amp-3', library: 'sluice', device_id: 'amp-anon-2', event_properties: { path: '/pricing', name: 'Pricing' }, ip: '127.0.0.1' },
    ]);
  });
});

describe('POST /destinations/:id/preview', () => {
  it('shows the exact Amplitude request for a given event, secrets masked, without sending it', async () => {
    const created = await api('POST', '/destinations', { name: 'Amp preview', type: 'amplitude', config: { apiKey: 'AMP-KEY-123', secretKey: 'AMP-SECRET-456', baseUrl: amplitudeServer.url } });
    const id = String(created.body.id);
    const before = amplitudeServer.received.length;
    const event = { type: 'track', userId: 'prev-user-1', event: 'Signed Up', messageId: 'prev-1', timestamp: '2026-11-30T09:00:00.000Z', properties: { plan: 'pro' } };
    const res = await api('POST', `/destinations/${id}/preview`, { event });
    expect(res.status, res.text).toBe(200);
    expect(res.text).not.toContain('AMP-KEY-123');
    expect(res.text).not.toContain('AMP-SECRET-456');
    expect(res.body.events).toEqual([{ messageId: 'prev-1', outcome: 'sent' }]);
    const requests = res.body.requests as { method: string; url: string; headers: Record<string, string>; body: string }[];
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'POST', url: `${amplitudeServer.url}/2/httpapi`, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(requests[0]!.body)).toEqual({
      api_key: '****',
      events: [{ event_type: 'Signed Up', time: Date.parse(event.timestamp), insert_id: 'prev-1', library: 'sluice', user_id: 'prev-user-1', event_properties: { plan: 'pro' } }],
    });
    expect(res.body.warnings).toEqual([]);
    expect(amplitudeServer.received.length).toBe(before);
  });

  it('marks an event the type cannot send as failed with its reason, not as sent', async () => {
    const created = await api('POST', '/destinations', {
      name: 'Amp preview refusals', type: 'amplitude', config: { apiKey: 'AMP-KEY-123', baseUrl: amplitudeServer.url },
      filters: [{ if: "event = 'Debug'", action: 'drop' }],
    });
    const res = await api('POST', `/destinations/${String(created.body.id)}/preview`, {
      events: [
        { type: 'track', userId: 'prev-user-3', event: 'Debug', messageId: 'p-dbg' },
        { type: 'track', userId: 'prev-user-3', event: 'Signed Up', messageId: 'p-sign' },
        { type: 'alias', userId: 'prev-user-3', previousId: 'anon-3', messageId: 'p-alias' },
      ],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.events).toEqual([
      { messageId: 'p-dbg', outcome: 'dropped', reason: 'filter', message: "Dropped by filter 1 (event = 'Debug')." },
      { messageId: 'p-sign', outcome: 'sent' },
      { messageId: 'p-alias', outcome: 'failed', reason: 'unsupported:alias', message: 'Amplitude has no alias call in the HTTP V2 API; alias events are not sent.' },
    ]);
    expect(res.body.warnings).toEqual([]);
    const requests = res.body.requests as { body: string }[];
    expect(requests).toHaveLength(1);
    expect((JSON.parse(requests[0]!.body) as { events: { insert_id: string }[] }).events.map((e) => e.insert_id)).toEqual(['p-sign']);
  });

  it('masks credentials in headers whatever their encoding (Basic auth of a Mixpanel token)', async () => {
    const created = await api('POST', '/destinations', { name: 'Mixpanel preview', type: 'mixpanel', config: { projectToken: 'MIXPANEL-TOKEN-789', baseUrl: amplitudeServer.url } });
    expect(created.status, created.text).toBe(201);
    // No body at all, as docs/destinations.md offers (it was refused, "the body must be an object").
    const res = await api('POST', `/destinations/${String(created.body.id)}/preview`);
    expect(res.status, res.text).toBe(200);
    expect(res.text).not.toContain('MIXPANEL-TOKEN-789');
    expect(res.text).not.toContain(Buffer.from('MIXPANEL-TOKEN-789:').toString('base64'));
    const requests = res.body.requests as { url: string; headers: Record<string, string>; body: string }[];
    expect(requests.length).toBeGreaterThanOrEqual(1);
    expect(requests[0]!.url).toContain(`${amplitudeServer.url}/import`);
    expect(requests[0]!.headers.authorization).toBe('Basic ****');
    // No event given: the sample Order Completed event is shown.
    expect(requests[0]!.body).toContain('Order Completed');
    expect(res.body.events).toEqual([{ messageId: 'preview-sample-1', outcome: 'sent' }]);
  });

  it("applies the destination's filters: a filtered event sends nothing and says why, a transform shows in the body", async () => {
    const created = await api('POST', '/destinations', {
      name: 'Hook preview',
      type: 'webhook',
      config: { url: 'http://127.0.0.1:9/hook', signingSecret: 'hook-signing-secret', headers: { authorization: 'Bearer hook-header-token' } },
      filters: [{ if: "event = 'Debug'", action: 'drop' }, { if: 'true', action: 'drop_properties', properties: ['email'] }],
    });
    const id = String(created.body.id);
    const res = await api('POST', `/destinations/${id}/preview`, {
      events: [
        { type: 'track', userId: 'prev-user-2', event: 'Debug', messageId: 'dbg' },
        { type: 'track', userId: 'prev-user-2', event: 'Checkout', messageId: 'chk', properties: { email: 'a@example.com', step: 2 } },
      ],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.events).toEqual([
      { messageId: 'dbg', outcome: 'dropped', reason: 'filter', message: "Dropped by filter 1 (event = 'Debug')." },
      { messageId: 'chk', outcome: 'sent' },
    ]);
    const requests = res.body.requests as { url: string; headers: Record<string, string>; body: string }[];
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url).toBe('http://127.0.0.1:9/hook');
    expect(requests[0]!.headers.authorization).toBe('Bearer ****');
    expect(requests[0]!.headers['x-sluice-signature']).toBe('sha256=<signature>');
    const body = JSON.parse(requests[0]!.body) as { messageId: string; properties: Record<string, unknown> };
    expect(body).toMatchObject({ messageId: 'chk', properties: { step: 2 } });
    expect(body.properties.email).toBeUndefined();
    expect(res.text).not.toContain('hook-header-token');
    expect(res.text).not.toContain('hook-signing-secret');
  });

  it('refuses an invalid event and an unknown destination with clear errors', async () => {
    const created = await api('POST', '/destinations', { name: 'Amp preview 2', type: 'amplitude', config: { apiKey: 'AMP-KEY-123', baseUrl: amplitudeServer.url } });
    const bad = await api('POST', `/destinations/${String(created.body.id)}/preview`, { event: { type: 'track', event: 'No One' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', message: 'events[0] needs a userId or an anonymousId.' });
    const missing = await api('POST', '/destinations/dst_nope/preview', {});
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'not_found' });
  });
});
