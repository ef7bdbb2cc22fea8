import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createWebhook } from './support/destinations.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * Events are deduplicated per source (source, messageId): two sources may each send an event with the same
 * messageId, and both are stored and delivered. Each keeps its own delivery state, end to end: the delivery
 * log, the event lookup and a manual retry.
 */
let sluice: TestSluice;
const servers: RecordingServer[] = [];
const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);

interface Row { messageId: string; sourceId: string; status: string; attempts: number; reason?: string }
interface EventDelivery { destinationId: string; status: string; attempts: number; reason?: string }
interface EventWithDeliveries { event: Record<string, unknown>; deliveries: EventDelivery[] }

let defaultSource: string;
let second: { id: string; writeKey: string };

beforeAll(async () => {
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
  defaultSource = (await sluice.store.sources.byWriteKey(sluice.writeKey))!.id;
  const created = await api('POST', '/sources', { name: 'Second' });
  expect(created.status, created.text).toBe(201);
  second = { id: String(created.body.id), writeKey: String(created.body.writeKey) };
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sluice?.stop();
});

describe('two sources sending the same messageId to one webhook', () => {
  it('keeps a delivery-log row for each, shows each event with its own deliveries, and retries the one that failed', async () => {
    const { id, server } = await createWebhook(sluice, servers, 'Both sources');
    // The webhook refuses the second source's event (a 400 fails the delivery without retrying) until told otherwise.
    let refuse = true;
    server.respond = (req) => (refuse && (req.body as { event?: string }).event === 'from s2' ? { status: 400, body: '{"error":"bad"}' } : { status: 200 });
    await sendTracking(sluice.url, second.writeKey, 'track', { userId: 'x', event: 'from s2', messageId: 'shared-2' });
    await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'x', event: 'from default', messageId: 'shared-2' });

    const rowsOf = async () => (await api('GET', `/destinations/${id}/deliveries?messageId=shared-2`)).body.deliveries as Row[];
    const rows = await eventually(async () => {
      const found = await rowsOf();
      return found.length === 2 && found.every((r) => r.status === 'delivered' || r.status === 'failed') ? found : undefined;
    });
    const bySource = (list: readonly Row[]) => Object.fromEntries(list.map((r) => [r.sourceId, [r.status, r.attempts, r.reason ?? null]]));
    expect(bySource(rows)).toEqual({ [second.id]: ['failed', 1, 'http_400'], [defaultSource]: ['delivered', 1, null] });
    expect(server.events().map((e) => e.event)).toEqual(['from default']);
    expect(server.failures.map((r) => (r.body as { event: string }).event)).toEqual(['from s2']);
    const onlySecond = await api('GET', `/destinations/${id}/deliveries?messageId=shared-2&sourceId=${second.id}`);
    expect((onlySecond.body.deliveries as Row[]).map((r) => r.status)).toEqual(['failed']);

    // The event lookup: every stored event with the messageId, each with its source and its own deliveries.
    const both = await api('GET', '/events/shared-2');
    expect(both.status, both.text).toBe(200);
    const events = both.body.events as EventWithDeliveries[];
    expect(events.map((e) => [e.event.sourceId, e.event.event, e.deliveries.map((d) => [d.destinationId, d.status])])).toEqual([
      [defaultSource, 'from default', [[id, 'delivered']]],
      [second.id, 'from s2', [[id, 'failed']]],
    ]);
    // The fields an earlier client reads: the newest event and its deliveries.
    expect((both.body.event as Record<string, unknown>).event).toBe('from default');
    expect((both.body.deliveries as EventDelivery[]).map((d) => d.status)).toEqual(['delivered']);
    const narrowed = await api('GET', `/events/shared-2?sourceId=${second.id}`);
    expect((narrowed.body.event as Record<string, unknown>).event).toBe('from s2');
    expect((narrowed.body.deliveries as EventDelivery[]).map((d) => [d.status, d.reason])).toEqual([['failed', 'http_400']]);
    expect(narrowed.body.events).toHaveLength(1);
    expect((await api('GET', '/events/shared-2?sourceId=src_nope')).status).toBe(404);

    // Retrying "shared-2" retries the one failed delivery, the second source's; the other row is left as it was.
    refuse = false;
    const retried = await api('POST', `/destinations/${id}/deliveries/retry`, { messageId: 'shared-2' });
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body).toMatchObject({ queued: 1, dropped: 0 });
    const after = await eventually(async () => {
      const found = await rowsOf();
      return found.every((r) => r.status === 'delivered') ? found : undefined;
    });
    expect(bySource(after)).toEqual({ [second.id]: ['delivered', 1, null], [defaultSource]: ['delivered', 1, null] });
    expect(server.events().map((e) => e.event)).toEqual(['from default', 'from s2']);
  });

  it('asks which source to retry when the deliveries of both failed', async () => {
    const { id, server } = await createWebhook(sluice, servers, 'Refuses both');
    let refuse = true;
    server.respond = () => (refuse ? { status: 400, body: '{"error":"bad"}' } : { status: 200 });
    await sendTracking(sluice.url, second.writeKey, 'track', { userId: 'y', event: 'from s2', messageId: 'shared-3' });
    await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'y', event: 'from default', messageId: 'shared-3' });
    await eventually(async () => {
      const rows = (await api('GET', `/destinations/${id}/deliveries?messageId=shared-3&status=failed`)).body.deliveries as Row[];
      return rows.length === 2 ? rows : undefined;
    });
    refuse = false;
    const ambiguous = await api('POST', `/destinations/${id}/deliveries/retry`, { messageId: 'shared-3' });
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body).toMatchObject({ error: { code: 'conflict', sourceIds: expect.arrayContaining([second.id, defaultSource]) } });
    expect(String((ambiguous.body.error as { message: string }).message)).toMatch(/send sourceId/);
    // A messageId (or source) with no delivery to this destination: a 404 that says so, not a 409 "is unknown".
    const typo = await api('POST', `/destinations/${id}/deliveries/retry`, { messageId: 'shared-3x' });
    expect(typo.status).toBe(404);
    expect(typo.body).toMatchObject({ error: { code: 'not_found', message: expect.stringContaining(`No delivery of messageId "shared-3x" to destination ${id}`) } });
    expect((await api('POST', `/destinations/${id}/deliveries/retry`, { messageId: 'shared-3', sourceId: 'src_nope' })).status).toBe(404);
    const one = await api('POST', `/destinations/${id}/deliveries/retry`, { messageId: 'shared-3', sourceId: defaultSource });
    expect(one.status, one.text).toBe(200);
    await eventually(async () => (server.events().some((e) => e.messageId === 'shared-3') ? true : undefined));
    const rows = await eventually(async () => {
      const found = (await api('GET', `/destinations/${id}/deliveries?messageId=shared-3`)).body.deliveries as Row[];
      return found.some((r) => r.status === 'delivered') ? found : undefined;
    });
    expect(Object.fromEntries(rows.map((r) => [r.sourceId, r.status]))).toEqual({ [defaultSource]: 'delivered', [second.id]: 'failed' });
    expect(server.events().map((e) => e.event)).toEqual(['from default']);
  });

  it('answers 404 not_found for a retry of a delivery that is not in the log (a mistyped messageId, or another source)', async () => {
    const { id, server } = await createWebhook(sluice, servers, 'Nothing to retry');
    await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'z', event: 'only default', messageId: 'shared-4' });
    await eventually(async () => (server.events().some((e) => e.messageId === 'shared-4') ? true : undefined));
    // The sink has it; the log says so once the router has recorded the answer (a moment later).
    await eventually(async () => {
      const rows = (await api('GET', `/destinations/${id}/deliveries?messageId=shared-4`)).body.deliveries as Row[];
      return rows.some((r) => r.status === 'delivered') ? true : undefined;
    });
    const unknown = await api('POST', `/destinations/${id}/deliveries/retry`, { messageId: 'shared-4-typo' });
    expect(unknown.status, unknown.text).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'not_found' } });
    expect(String((unknown.body.error as { message: string }).message)).toMatch(/No delivery of messageId "shared-4-typo"/);
    const otherSource = await api('POST', `/destinations/${id}/deliveries/retry`, { messageId: 'shared-4', sourceId: second.id });
    expect(otherSource.status, otherSource.text).toBe(404);
    // One that is in the log but not failed is still a conflict, saying its state.
    const delivered = await api('POST', `/destinations/${id}/deliveries/retry`, { messageId: 'shared-4' });
    expect(delivered.status).toBe(409);
    expect(String((delivered.body.error as { message: string }).message)).toMatch(/"delivered"/);
  });
});
