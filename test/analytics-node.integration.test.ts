import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;

type StoredEventView = Record<string, unknown> & { type: string; messageId: string };

async function storedEvents(query: string): Promise<StoredEventView[]> {
  const response = await fetch(`${sluice.url}/api/v1/events?${query}`, { headers: { authorization: `Bearer ${sluice.token}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { events: StoredEventView[] }).events;
}

async function waitForEvents(query: string, count: number): Promise<StoredEventView[]> {
  return eventually(async () => {
    const found = await storedEvents(query);
    return found.length >= count ? found : undefined;
  });
}

beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

describe('@segment/analytics-node pointed at Sluice (host changed, nothing else)', () => {
  it('stores identify, track, page, screen, group and alias with the client library fields', async () => {
    const errors: unknown[] = [];
    const analytics = new Analytics({ writeKey: sluice.writeKey, host: sluice.url, flushAt: 3, flushInterval: 60_000, maxRetries: 0 });
    analytics.on('error', (error) => errors.push(error));
    analytics.identify({ userId: 'node-1', traits: { email: 'ada@example.com', plan: 'pro' } });
    analytics.track({ userId: 'node-1', event: 'Order Completed', properties: { revenue: 42.5, currency: 'EUR' }, timestamp: new Date('2024-01-02T03:04:05.000Z') });
    analytics.page({ userId: 'node-1', category: 'Docs', name: 'Install', properties: { path: '/docs/install' } });
    analytics.screen({ userId: 'node-1', name: 'Home', properties: { variant: 'b' } });
    analytics.group({ userId: 'node-1', groupId: 'acme', traits: { employees: 50 } });
    analytics.alias({ userId: 'node-1', previousId: 'anon-node-1' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);

    const events = await waitForEvents('userId=node-1', 6);
    expect(events).toHaveLength(6);
    const byType = new Map(events.map((e) => [e.type, e]));
    expect([...byType.keys()].sort()).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
    for (const event of events) {
      expect(event.messageId).toMatch(/^node-next-\d+-/);
      expect(event).toMatchObject({ context: { library: { name: '@segment/analytics-node' } }, sourceId: expect.stringMatching(/^src_/) });
      expect(typeof event.receivedAt).toBe('string');
      expect(typeof event.sentAt).toBe('string');
    }
    expect(byType.get('identify')).toMatchObject({ traits: { email: 'ada@example.com', plan: 'pro' } });
    expect(byType.get('track')).toMatchObject({ event: 'Order Completed', properties: { revenue: 42.5, currency: 'EUR' }, originalTimestamp: '2024-01-02T03:04:05.000Z' });
    expect(byType.get('page')).toMatchObject({ name: 'Install', category: 'Docs', properties: { path: '/docs/install' } });
    expect(byType.get('screen')).toMatchObject({ name: 'Home', properties: { variant: 'b' } });
    expect(byType.get('group')).toMatchObject({ groupId: 'acme', traits: { employees: 50 } });
    expect(byType.get('alias')).toMatchObject({ previousId: 'anon-node-1' });
  });

  it('delivers everything queued on flush() and keeps working afterwards', async () => {
    const analytics = new Analytics({ writeKey: sluice.writeKey, host: sluice.url, flushAt: 1000, flushInterval: 60_000, maxRetries: 0 });
    const settled: string[] = [];
    for (let i = 0; i < 50; i++) {
      analytics.track({ anonymousId: 'node-anon-2', event: 'Tick', properties: { i } }, (error) => settled.push(error ? `error:${String(error)}` : 'ok'));
    }
    await analytics.flush();
    expect(settled.filter((s) => s === 'ok')).toHaveLength(50);
    analytics.track({ anonymousId: 'node-anon-2', event: 'After flush' });
    await analytics.closeAndFlush({ timeout: 10_000 });

    const events = await waitForEvents('anonymousId=node-anon-2&limit=1000', 51);
    expect(events).toHaveLength(51);
    expect(new Set(events.map((e) => e.messageId)).size).toBe(51);
    expect(events.filter((e) => e.event === 'Tick').map((e) => (e.properties as { i: number }).i).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('reports a wrong writeKey as a failed delivery instead of losing it silently', async () => {
    const analytics = new Analytics({ writeKey: 'not-a-real-key', host: sluice.url, flushAt: 1, maxRetries: 0 });
    const outcome = await new Promise<unknown>((resolve) => analytics.track({ userId: 'node-3', event: 'Nope' }, (error) => resolve(error)));
    await analytics.closeAndFlush({ timeout: 5_000 });
    expect(outcome).toBeDefined();
    // The library shows only the status line, which says what was wrong and how to fix it (decision 0011).
    expect(String((outcome as { reason?: unknown }).reason ?? outcome)).toMatch(/^Error: \[401\] Unauthorized: unknown_source: .*writeKey/);
  });
  it("shows why the library's events were rejected, with the shape of what it sent and none of its values", async () => {
    const source = (await (await fetch(`${sluice.url}/api/v1/sources`, { method: 'POST', headers: { authorization: `Bearer ${sluice.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Rejections' }) })).json()) as { id: string; writeKey: string };
    const analytics = new Analytics({ writeKey: source.writeKey, host: sluice.url, flushAt: 2, flushInterval: 60_000, maxRetries: 0 });
    // A timestamp the app got wrong: the library sends it as given; Sluice keeps the valid event of the batch.
    const outcomes = await Promise.all([
      new Promise<unknown>((resolve) => analytics.track({ userId: 'ada@example.com', event: 'Order Completed', timestamp: 'yesterday' as unknown as Date, properties: { total: 42.5, coupon: 'SPRING' } }, resolve)),
      new Promise<unknown>((resolve) => analytics.track({ userId: 'ada@example.com', event: 'Cart Viewed' }, resolve)),
    ]);
    await analytics.closeAndFlush({ timeout: 5_000 });
    // The library heard a 400 and reports its status line: the code and what was wrong, without the values sent.
    const reported = outcomes.filter((o) => o !== undefined).map((o) => String((o as { reason?: unknown }).reason ?? o));
    expect(reported.length).toBeGreaterThan(0);
    for (const line of reported) {
      expect(line).toMatch(/\[400\] Bad Request: invalid_timestamp: 1 of 2 events were rejected and 1 accepted\. First problem, event 0: .*timestamp "\.\.\." is not an ISO-8601 date/);
      expect(line).not.toMatch(/yesterday|ada@example\.com/);
    }
    const rejections = await eventually(async () => {
      const response = await fetch(`${sluice.url}/api/v1/sources/${source.id}/rejections`, { headers: { authorization: `Bearer ${sluice.token}` } });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { rejections: { code: string; count: number; message: string; example?: { event?: string; shape: { properties?: unknown; timestamp?: unknown } } }[] };
      return body.rejections.length > 0 ? body : undefined;
    });
    expect(rejections.rejections).toEqual([
      expect.objectContaining({ code: 'invalid_timestamp', count: 1, message: expect.stringContaining('timestamp "…" is not an ISO-8601 date') }),
    ]);
    const example = rejections.rejections[0]!.example!;
    expect(example).toMatchObject({ event: 'Order Completed', shape: { timestamp: 'string', properties: { total: 'number', coupon: 'string' } } });
    expect(JSON.stringify(example)).not.toMatch(/ada@example\.com|SPRING|42\.5/);
    // The client's 400 quoted the value; the kept message does not.
    expect(rejections.rejections[0]!.message).not.toContain('yesterday');
    // The valid event of the same batch was kept.
    await waitForEvents('event=Cart%20Viewed', 1);
  });
});
