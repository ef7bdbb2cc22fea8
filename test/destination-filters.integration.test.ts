import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api as call, sendTracking } from './support/api-client.js';
import { createWebhook, deliveriesOf } from './support/destinations.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
const servers: RecordingServer[] = [];
const api = (method: string, path: string, body?: unknown) => call(sluice.url, method, path, { token: sluice.token, ...(body !== undefined && { body }) });

const batch = (events: Record<string, unknown>[]) => sendTracking(sluice.url, sluice.writeKey, 'batch', { batch: events });

const webhook = (name: string, extra: Record<string, unknown> = {}) => createWebhook(sluice, servers, name, {}, extra);
const deliveries = (id: string) => deliveriesOf(sluice, id);

beforeAll(async () => {
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sluice?.stop();
});

describe('destination filters', () => {
  it('drops filtered events for one destination only, records why, and strips properties', async () => {
    const filters = [
      { if: "event = 'Debug Ping' or properties.test = true", action: 'drop' },
      { if: "type = 'track'", action: 'drop_properties', properties: ['properties.internal_note', 'context.ip'] },
      { if: "type = 'identify'", action: 'allow_properties', properties: ['plan'] },
    ];
    const filtered = await webhook('Filtered', { filters });
    expect(filtered.body.filters).toEqual(filters);
    const plain = await webhook('Unfiltered');
    expect(plain.body.filters).toEqual([]);

    await batch([
      { type: 'track', userId: 'flt-1', event: 'Debug Ping', messageId: 'flt-debug', properties: { n: 1 } },
      { type: 'track', userId: 'flt-1', event: 'Order Completed', messageId: 'flt-test-order', properties: { test: true, total: 1 } },
      { type: 'track', userId: 'flt-1', event: 'Order Completed', messageId: 'flt-order', properties: { total: 42, internal_note: 'vip' }, context: { ip: '203.0.113.9' } },
      { type: 'identify', userId: 'flt-1', messageId: 'flt-identify', traits: { plan: 'pro', nickname: 'Fil' } },
    ]);

    await eventually(async () => (plain.server.events().length === 4 ? true : undefined));
    await eventually(async () => (filtered.server.events().length === 2 ? true : undefined));
    const plainIds = plain.server.events().map((e) => e.messageId);
    expect(plainIds.sort()).toEqual(['flt-debug', 'flt-identify', 'flt-order', 'flt-test-order']);
    const unchanged = plain.server.events().find((e) => e.messageId === 'flt-order')!;
    expect(unchanged.properties).toEqual({ total: 42, internal_note: 'vip' });
    expect((unchanged.context as { ip?: string }).ip).toBe('203.0.113.9');

    const received = new Map(filtered.server.events().map((e) => [e.messageId, e]));
    expect([...received.keys()].sort()).toEqual(['flt-identify', 'flt-order']);
    expect(received.get('flt-order')!.properties).toEqual({ total: 42 });
    expect((received.get('flt-order')!.context as { ip?: string }).ip).toBeUndefined();
    expect(received.get('flt-identify')!.traits).toEqual({ plan: 'pro' });

    const log = await eventually(async () => {
      const rows = await deliveries(filtered.id);
      return rows.filter((r) => r.messageId.startsWith('flt-') && r.status !== 'queued').length === 4 ? rows : undefined;
    });
    expect(log.find((d) => d.messageId === 'flt-debug')).toMatchObject({ status: 'dropped', reason: 'filter' });
    expect(log.find((d) => d.messageId === 'flt-debug')!.lastError).toContain("event = 'Debug Ping'");
    expect(log.find((d) => d.messageId === 'flt-test-order')).toMatchObject({ status: 'dropped', reason: 'filter' });
    expect(log.find((d) => d.messageId === 'flt-order')).toMatchObject({ status: 'delivered' });
    expect((await deliveries(plain.id)).filter((d) => d.status === 'dropped')).toEqual([]);

    // "Where did it go": the event's page shows the drop at one destination and the delivery at the other
    // (the router writes "delivered" just after the sink has answered, so wait for it to leave "queued").
    const byDestination = await eventually(async () => {
      const where = await api('GET', '/events/flt-debug');
      const rows = new Map((where.body.deliveries as { destinationId: string; status: string; reason?: string }[]).map((d) => [d.destinationId, d]));
      return rows.get(plain.id)?.status === 'queued' ? undefined : rows;
    });
    expect(byDestination.get(filtered.id)).toMatchObject({ status: 'dropped', reason: 'filter' });
    expect(byDestination.get(plain.id)).toMatchObject({ status: 'delivered' });

    // The per-minute counters show the same.
    const stats = await eventually(async () => {
      const res = await api('GET', `/stats?minutes=5`);
      const mine = (res.body.destinations as { id: string; totals: Record<string, number> }[]).find((d) => d.id === filtered.id);
      return mine && mine.totals.delivered === 2 ? res : undefined;
    });
    const mine = (stats.body.destinations as { id: string; totals: Record<string, number>; droppedByReason: Record<string, number> }[]).find((d) => d.id === filtered.id)!;
    expect(mine.totals).toMatchObject({ dropped: 2, delivered: 2, queued: 2, failed: 0 });
    expect(mine.droppedByReason).toEqual({ filter: 2 });
  });

  it('applies a filter change to the next events, and removes filters with null', async () => {
    const { id, server } = await webhook('Changing');
    const patched = await api('PATCH', `/destinations/${id}`, { filters: [{ if: "event = 'Noise'", action: 'drop' }] });
    expect(patched.status).toBe(200);
    expect(patched.body.filters).toEqual([{ if: "event = 'Noise'", action: 'drop' }]);
    await batch([{ type: 'track', userId: 'chg', event: 'Noise', messageId: 'chg-1' }, { type: 'track', userId: 'chg', event: 'Signal', messageId: 'chg-2' }]);
    await eventually(async () => (server.events().some((e) => e.messageId === 'chg-2') ? true : undefined));
    await eventually(async () => ((await deliveries(id)).find((d) => d.messageId === 'chg-1')?.status === 'dropped' ? true : undefined));

    const cleared = await api('PATCH', `/destinations/${id}`, { filters: null });
    expect(cleared.status, cleared.text).toBe(200);
    expect(cleared.body.filters).toEqual([]);
    await batch([{ type: 'track', userId: 'chg', event: 'Noise', messageId: 'chg-3' }]);
    await eventually(async () => (server.events().some((e) => e.messageId === 'chg-3') ? true : undefined));
    expect(server.events().some((e) => e.messageId === 'chg-1')).toBe(false);
  });

  it('keeps a named filter switched off without applying it, and applies it once switched on, naming it in the log', async () => {
    const filter = { if: "event = 'Chatter'", action: 'drop', name: '  No chatter ', enabled: false };
    const { id, server } = await webhook('Switched', { filters: [filter] });
    const saved = await api('GET', `/destinations/${id}`);
    expect(saved.body.filters).toEqual([{ if: "event = 'Chatter'", action: 'drop', name: 'No chatter', enabled: false }]);
    await batch([{ type: 'track', userId: 'sw', event: 'Chatter', messageId: 'sw-1' }]);
    await eventually(async () => (server.events().some((e) => e.messageId === 'sw-1') ? true : undefined));

    const on = await api('PATCH', `/destinations/${id}`, { filters: [{ ...filter, enabled: true }] });
    expect(on.status, on.text).toBe(200);
    await batch([{ type: 'track', userId: 'sw', event: 'Chatter', messageId: 'sw-2' }]);
    const dropped = await eventually(async () => (await deliveries(id)).find((d) => d.messageId === 'sw-2' && d.status === 'dropped'));
    expect(dropped.lastError).toBe(`Dropped by filter 1 "No chatter" (event = 'Chatter').`);
    expect(server.events().some((e) => e.messageId === 'sw-2')).toBe(false);

    const bad = await api('PATCH', `/destinations/${id}`, { filters: [{ ...filter, enabled: 'no' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_filter', path: 'filters[0].enabled' });
  });

  it('rejects invalid FQL when saved, with the position of the error', async () => {
    const res = await api('POST', '/destinations', {
      name: 'Broken',
      type: 'webhook',
      config: { url: 'http://127.0.0.1:9/hook' },
      filters: [{ if: "event = 'A'", action: 'drop' }, { if: "event = 'A' and", action: 'drop' }],
    });
    expect(res.status).toBe(400);
    const error = res.body.error as { code: string; message: string; path: string; position: { offset: number; line: number; column: number } };
    expect(error.code).toBe('invalid_filter');
    expect(error.path).toBe('filters[1].if');
    expect(error.position).toEqual({ offset: 15, line: 1, column: 16 });
    expect(error.message).toMatch(/^filters\[1\]\.if is not valid FQL: line 1, column 16: /);
    expect((await api('GET', '/destinations')).body.destinations).not.toContainEqual(expect.objectContaining({ name: 'Broken' }));

    const { id } = await webhook('Kept');
    const badPatch = await api('PATCH', `/destinations/${id}`, { filters: [{ if: 'properties.total >', action: 'sample' }] });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.error).toMatchObject({ code: 'invalid_filter', path: 'filters[0].if' });
    const problems = (badPatch.body.error as { problems: { path: string }[] }).problems.map((p) => p.path);
    expect(problems).toEqual(['filters[0].if', 'filters[0].percent']);
    expect((await api('GET', `/destinations/${id}`)).body.filters).toEqual([]);
  });
});
