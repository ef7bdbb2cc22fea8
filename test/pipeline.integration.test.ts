import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api as apiOf, ownerApi, sendTracking } from './support/api-client.js';
import { createWebhook, deliveriesOf } from './support/destinations.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
const servers: RecordingServer[] = [];

const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);

const batch = (events: Record<string, unknown>[]) => sendTracking(sluice.url, sluice.writeKey, 'batch', { batch: events });

const webhook = (name: string, config: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => createWebhook(sluice, servers, name, config, extra);
const deliveries = (id: string, query = '') => deliveriesOf(sluice, id, query);

const track = (userId: string, i: number, extra: Record<string, unknown> = {}) => ({ type: 'track', userId, event: 'Step', messageId: `${userId}-${i}`, properties: { i }, ...extra });

beforeAll(async () => {
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sluice?.stop();
});

describe('routing to webhook destinations', () => {
  it('delivers every accepted event with its messageId, signed, in order per user, and logs it', async () => {
    const { id, server } = await webhook('Signed', { signingSecret: 'signing-secret-1', headers: { 'x-team': 'data' } });
    const events = Array.from({ length: 30 }, (_, i) => track(`ord-${i % 3}`, i));
    await batch(events);
    await eventually(async () => (server.events().length >= 30 ? true : undefined), 20_000);
    const received = server.events();
    expect(received.map((e) => e.messageId).sort()).toEqual(events.map((e) => e.messageId).sort());
    for (const user of ['ord-0', 'ord-1', 'ord-2']) {
      const order = received.filter((e) => e.userId === user).map((e) => (e.properties as { i: number }).i);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    const request = server.requests[0]!;
    expect(request.headers['x-team']).toBe('data');
    expect(request.headers['x-sluice-signature']).toBe(`sha256=${createHmac('sha256', 'signing-secret-1').update(request.raw).digest('hex')}`);
    // The timestamped signature: the time it was sent, signed with the body, so a receiver can refuse a replay.
    const v2 = /^t=(\d+),sha256=([0-9a-f]{64})$/.exec(String(request.headers['x-sluice-signature-v2']));
    expect(v2, String(request.headers['x-sluice-signature-v2'])).not.toBeNull();
    expect(Math.abs(Number(v2![1]) * 1000 - request.at)).toBeLessThan(5_000);
    expect(v2![2]).toBe(createHmac('sha256', 'signing-secret-1').update(`${v2![1]}.${request.raw}`).digest('hex'));
    expect(v2![2]).not.toBe(createHmac('sha256', 'signing-secret-1').update(request.raw).digest('hex'));
    const log = await eventually(async () => {
      const rows = await deliveries(id, '&status=delivered');
      return rows.length === 30 ? rows : undefined;
    });
    expect(log[0]).toMatchObject({ status: 'delivered', attempts: 1 });
    const where = await api('GET', '/events/ord-0-0');
    expect(where.body.deliveries).toEqual([expect.objectContaining({ destinationId: id, destinationName: 'Signed', status: 'delivered', attempts: 1 })]);
  });

  it('batches as {"batch":[...]} when batching is on', async () => {
    const { server } = await webhook('Batched', { batching: true });
    await batch(Array.from({ length: 20 }, (_, i) => track('batcher', i)));
    await eventually(async () => (server.events().filter((e) => e.userId === 'batcher').length === 20 ? true : undefined), 20_000);
    expect(server.requests.some((r) => Array.isArray((r.body as { batch?: unknown }).batch))).toBe(true);
    expect(server.requests.length).toBeLessThan(20);
  });

  it('sends a backlog in batches of the batchSize the destination asks for, and refuses one past 4,000 with the reason', async () => {
    const { server } = await webhook('Batches of 40', { batching: true, batchSize: 40 });
    // The first request is answered late, so the rest queue up behind it and fill whole batches.
    let first = true;
    server.respond = () => (first ? ((first = false), { status: 200, delayMs: 1000 }) : { status: 200 });
    await batch(Array.from({ length: 200 }, (_, i) => track(`sized-${i % 10}`, i)));
    await eventually(async () => (server.events().filter((e) => String(e.userId).startsWith('sized-')).length === 200 ? true : undefined), 20_000);
    const sizes = server.requests.map((r) => ((r.body as { batch?: unknown[] }).batch ?? []).length);
    expect(Math.max(...sizes)).toBe(40);
    expect(sizes.filter((n) => n === 40).length).toBeGreaterThanOrEqual(3);

    const refused = await api('POST', '/destinations', { name: 'Too big', type: 'webhook', config: { url: server.url, batching: true, batchSize: 5000 } });
    expect(refused.status).toBe(400);
    expect((refused.body as { error: { message: string } }).error.message).toMatch(/batchSize.*4000/);
    // A batchSize without batching would send one event per request all the same: refused, saying what to add.
    const unbatched = await api('POST', '/destinations', { name: 'Not batched', type: 'webhook', config: { url: server.url, batchSize: 100 } });
    expect(unbatched.status).toBe(400);
    expect(unbatched.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('config: batchSize takes effect only with "batching": true') } });
  });

  it('delivers a backlog to an endpoint with a small body limit in requests it takes (413 cuts the batch), in order per user', async () => {
    const { id, server } = await webhook('Body limit', { batching: true });
    // As a receiver behind a body parser with a 4 kB limit: 413 for anything larger. The first request is
    // answered late, so the rest queue up into one batch far over the limit.
    const limit = 4096;
    let first = true;
    server.respond = (r) => (Buffer.byteLength(r.raw) > limit ? { status: 413, body: '{"error":"request entity too large"}' } : first ? ((first = false), { status: 200, delayMs: 1000 }) : { status: 200 });
    await batch([track('limited-0', 0)]);
    const events = Array.from({ length: 300 }, (_, i) => track(`limited-${i % 4}`, i + 1));
    await batch(events);
    const log = await eventually(async () => {
      const rows = await deliveries(id, '&status=delivered');
      return rows.length === 301 ? rows : undefined;
    }, 30_000);
    expect(log.every((row) => row.attempts === 1)).toBe(true);
    expect(server.failures.length).toBeGreaterThan(0);
    expect(server.requests.every((r) => Buffer.byteLength(r.raw) <= limit)).toBe(true);
    const received = server.events();
    expect(received.map((e) => e.messageId).sort()).toEqual([track('limited-0', 0), ...events].map((e) => e.messageId).sort());
    for (let u = 0; u < 4; u++) {
      const order = received.filter((e) => e.userId === `limited-${u}`).map((e) => (e.properties as { i: number }).i);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });

  it('honours the integrations object and records the drop reason', async () => {
    const { id, server } = await webhook('Picky');
    await batch([
      track('int', 1, { integrations: { All: false } }),
      track('int', 2, { integrations: { All: false, Picky: true } }),
      track('int', 3, { integrations: { Picky: false } }),
      track('int', 4),
    ]);
    await eventually(async () => ((await deliveries(id)).filter((d) => d.messageId.startsWith('int-')).length === 4 ? true : undefined));
    await eventually(async () => (server.events().length === 2 ? true : undefined));
    const log = await deliveries(id);
    expect(log.find((d) => d.messageId === 'int-1')).toMatchObject({ status: 'dropped', reason: 'integrations' });
    expect(log.find((d) => d.messageId === 'int-3')).toMatchObject({ status: 'dropped', reason: 'integrations' });
    expect(server.events().map((e) => e.messageId).sort()).toEqual(['int-2', 'int-4']);
  });

  it("honours Segment's catalog name of a destination's type in the integrations object, after the destination's own name", async () => {
    // Instrumentation written for Segment names the tool as Segment's catalog does ("Webhooks"), not our destination.
    const { id, server } = await webhook('Orders feed');
    await batch([
      track('catalog', 1, { integrations: { Webhooks: false } }),
      track('catalog', 2, { integrations: { All: false, Webhooks: true } }),
      track('catalog', 3, { integrations: { Webhooks: false, 'Orders feed': true } }),
      track('catalog', 4, { integrations: { Mixpanel: false } }),
      track('catalog', 5, { integrations: { 'Webhooks (Actions)': false } }),
    ]);
    await eventually(async () => ((await deliveries(id)).filter((d) => d.messageId.startsWith('catalog-')).length === 5 ? true : undefined));
    const log = await deliveries(id);
    for (const dropped of ['catalog-1', 'catalog-5']) expect(log.find((d) => d.messageId === dropped), dropped).toMatchObject({ status: 'dropped', reason: 'integrations' });
    await eventually(async () => (server.events().length === 3 ? true : undefined));
    expect(server.events().map((e) => e.messageId).sort()).toEqual(['catalog-2', 'catalog-3', 'catalog-4']);
  });

  it('retries a failing event with backoff while that user waits and other users flow', async () => {
    const { id, server } = await webhook('Flaky');
    let failuresLeft = 3;
    server.respond = (req) => {
      const body = req.body as { messageId: string };
      if (body.messageId === 'slowpoke-0' && failuresLeft > 0) {
        failuresLeft -= 1;
        return { status: 503, body: '{"error":"busy"}' };
      }
      return { status: 200 };
    };
    await batch([track('slowpoke', 0), track('slowpoke', 1), track('breezy', 0), track('breezy', 1)]);
    // The other user is delivered while slowpoke-0 is still retrying; slowpoke-1 waits behind it.
    await eventually(async () => (server.events().filter((e) => e.userId === 'breezy').length === 2 ? true : undefined));
    const during = await deliveries(id);
    if (failuresLeft > 0 || !server.events().some((e) => e.messageId === 'slowpoke-0')) {
      expect(server.events().some((e) => e.messageId === 'slowpoke-1')).toBe(false);
      expect(during.find((d) => d.messageId === 'slowpoke-0')?.status).toMatch(/retrying|queued/);
    }
    // While it retries (three failures: at least 0.5 + 1 + 2 s), the log says when it is tried next.
    const retrying = await eventually(async () => (await deliveries(id)).find((d) => d.messageId === 'slowpoke-0' && d.status === 'retrying'));
    expect(Date.parse(retrying.nextAttemptAt!)).toBeGreaterThan(Date.parse(retrying.updatedAt));
    expect(retrying).toMatchObject({ reason: 'http_503', lastError: 'HTTP 503: {"error":"busy"}' });
    await eventually(async () => (server.events().filter((e) => e.userId === 'slowpoke').length === 2 ? true : undefined), 20_000);
    expect(server.events().filter((e) => e.userId === 'slowpoke').map((e) => e.messageId)).toEqual(['slowpoke-0', 'slowpoke-1']);
    const first = server.failures[0]!.at;
    const retried = server.failures[1]!.at;
    expect(retried - first).toBeLessThan(2500); // first retry within about 2 s
    // The lane writes outcomes after the batches it sends (up to 10 within 100 ms): the log can trail the sink.
    const row = await eventually(async () => (await deliveries(id)).find((d) => d.messageId === 'slowpoke-0' && d.status === 'delivered'));
    expect(row).toMatchObject({ status: 'delivered', attempts: 4 });
    expect(row).not.toHaveProperty('nextAttemptAt');
    expect(row.reason ?? null).toBeNull();
    // The counters say why it waited: three attempts answered 503; slowpoke-1, when it was in the same request
    // as a failing slowpoke-0, was held back unsent behind it (held_for_user), never for any other reason.
    const stats = (await api('GET', `/stats?minutes=5&destinationId=${id}`)).body as { destinations: { retryingByReason: Record<string, number>; totals: { retrying: number } }[] };
    const { http_503: answered503, ...others } = stats.destinations[0]!.retryingByReason;
    expect(answered503).toBe(3);
    expect(Object.keys(others).filter((reason) => reason !== 'held_for_user')).toEqual([]);
    expect(stats.destinations[0]!.totals.retrying).toBe(3 + (others.held_for_user ?? 0));
  });

  it("shows a destination's backlog while it is down (waiting, retrying, since when) and none once it recovers", async () => {
    const { id, server } = await webhook('Down for a while');
    let down = true;
    server.respond = () => (down ? { status: 503, body: '{"error":"maintenance"}' } : { status: 200 });
    const before = Date.now();
    await batch([track('backlog-a', 0), track('backlog-b', 0)]);
    type Backlog = { waiting: number; retrying: number; oldestQueuedAt?: string; oldestRetryingSince?: string };
    const backlog = async (until: (b: Backlog) => boolean) =>
      eventually(async () => {
        const res = await api('GET', `/destinations/${id}/backlog`);
        return res.status === 200 && until(res.body as Backlog) ? (res.body as Backlog) : undefined;
      });
    const retrying = await backlog((b) => b.retrying === 2);
    expect(retrying).toMatchObject({ waiting: 2 });
    expect(retrying.oldestQueuedAt).toBeUndefined();
    expect(Date.parse(retrying.oldestRetryingSince!)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(retrying.oldestRetryingSince!)).toBeLessThanOrEqual(Date.now());
    // A later event of a retrying user waits behind it, not yet tried.
    const queuedAfter = Date.now();
    await batch([track('backlog-a', 1)]);
    const during = await backlog((b) => b.waiting === 3 && b.oldestQueuedAt !== undefined);
    expect(during.retrying).toBe(2);
    // The same figure for alerting, per destination.
    const metrics = await fetch(`${sluice.url}/metrics`, { headers: { authorization: `Bearer ${sluice.token}` } });
    expect(await metrics.text()).toContain(`sluice_destination_backlog{destination_id="${id}"} 3`);
    expect(Date.parse(during.oldestQueuedAt!)).toBeGreaterThanOrEqual(queuedAfter - 1000);
    down = false;
    const after = await eventually(async () => {
      const body = (await api('GET', `/destinations/${id}/backlog`)).body as Backlog;
      return body.waiting === 0 && body.retrying === 0 ? body : undefined;
    }, 20_000);
    expect(after).toEqual({ waiting: 0, retrying: 0 });
    expect((await api('GET', '/destinations/dst_nope/backlog')).status).toBe(404);
  });

  it.each([true, false])('shows in the backlog that a destination asked to wait (429 with Retry-After), and until when (batching %s)', async (batching) => {
    const { id, server } = await webhook(`Throttled ${batching}`, { batching });
    server.respond = () => ({ status: 429, headers: { 'retry-after': '30' }, body: '{"error":"slow down"}' });
    const asked = Date.now();
    await batch([track(`throttled-${batching}`, 0)]);
    const backlog = await eventually(async () => {
      const body = (await api('GET', `/destinations/${id}/backlog`)).body as { waiting: number; retrying: number; pausedUntil?: string; pauseReason?: string };
      return body.pausedUntil ? body : undefined;
    });
    expect(Date.parse(backlog.pausedUntil!) - asked).toBeGreaterThan(25_000);
    expect(Date.parse(backlog.pausedUntil!) - asked).toBeLessThan(40_000);
    expect(backlog.pauseReason).toContain('429');
    expect(backlog).toMatchObject({ waiting: 1, retrying: 1 });
  });

  it('fails a 4xx at once with the reason, and delivers it after a manual retry', async () => {
    const { id, server } = await webhook('Strict');
    server.respond = () => ({ status: 400, body: '{"error":"bad"}' });
    await batch([track('rejected', 0)]);
    const failed = await eventually(async () => (await deliveries(id)).find((d) => d.messageId === 'rejected-0' && d.status === 'failed'));
    expect(failed).toMatchObject({ attempts: 1, reason: 'http_400' });
    expect(failed.lastError).toContain('HTTP 400');
    // A filter the delivery log does not take is refused, naming those it does (it listed every delivery as if they matched).
    const unknownFilter = await api('GET', `/destinations/${id}/deliveries?userId=u1`);
    expect(unknownFilter.status).toBe(400);
    expect(unknownFilter.text).toContain('query parameter userId is not a field this request takes. GET /destinations/:id/deliveries takes status, messageId, sourceId, limit, cursor');
    server.respond = () => ({ status: 200 });
    // Sent without a body, as `curl -X POST .../deliveries/retry` does: every failed delivery (was refused, "the body must be an object").
    const retry = await api('POST', `/destinations/${id}/deliveries/retry`);
    expect(retry.status, retry.text).toBe(200);
    // Every failed delivery is retried as a replay of kind "failed": finished within the call here.
    expect(retry.body).toMatchObject({ queued: 1, dropped: 0, replay: { kind: 'failed', status: 'completed', total: 1, read: 1, queued: 1 } });
    const listed = (await api('GET', `/destinations/${id}/replays`)).body.replays as { kind: string; from?: string }[];
    expect(listed).toEqual([expect.objectContaining({ kind: 'failed' })]);
    expect(listed[0]!.from).toBeUndefined();
    await eventually(async () => ((await deliveries(id)).find((d) => d.messageId === 'rejected-0')?.status === 'delivered' ? true : undefined));
    expect(server.events().map((e) => e.messageId)).toEqual(['rejected-0']);
  });

  it('refuses to replay or retry to a disabled destination (nothing would be sent until it is enabled) and says how to enable it', async () => {
    const { id, server } = await webhook('Switched off');
    server.respond = () => ({ status: 400 });
    await batch([track('switched-off', 0)]);
    await eventually(async () => (await deliveries(id)).find((d) => d.messageId === 'switched-off-0' && d.status === 'failed'));
    expect((await api('PATCH', `/destinations/${id}`, { enabled: false })).status).toBe(200);
    server.respond = () => ({ status: 200 });
    const range = { from: new Date(Date.now() - 60_000).toISOString(), to: new Date().toISOString() };
    const replay = await api('POST', `/destinations/${id}/replay`, range);
    expect(replay.status).toBe(409);
    expect(replay.body).toMatchObject({ error: { code: 'conflict', message: expect.stringContaining(`Destination ${id} (Switched off) is disabled: it is sent nothing while disabled, so the replay would only wait. Enable it first (PATCH /api/v1/destinations/${id} with {"enabled": true}`) } });
    const retryAll = await api('POST', `/destinations/${id}/deliveries/retry`, {});
    expect(retryAll.status).toBe(409);
    expect(retryAll.body).toMatchObject({ error: { code: 'conflict', message: expect.stringContaining('so the retry would only wait') } });
    expect((await api('POST', `/destinations/${id}/deliveries/retry`, { messageId: 'switched-off-0' })).status).toBe(409);
    // Nothing was recorded or queued; enabled again, the retry goes out.
    expect((await api('GET', `/destinations/${id}/replays`)).body.replays).toEqual([]);
    expect((await deliveries(id)).find((d) => d.messageId === 'switched-off-0')?.status).toBe('failed');
    expect((await api('PATCH', `/destinations/${id}`, { enabled: true })).status).toBe(200);
    expect((await api('POST', `/destinations/${id}/deliveries/retry`, { messageId: 'switched-off-0' })).status).toBe(200);
    await eventually(async () => ((await deliveries(id)).find((d) => d.messageId === 'switched-off-0')?.status === 'delivered' ? true : undefined));
    expect(server.events().map((e) => e.messageId)).toEqual(['switched-off-0']);
  });

  it('fails an event whose webhook answers 302 (a POST is not re-sent as a GET without its body) and says where it moved', async () => {
    const { id, server } = await webhook('Moved');
    server.respond = (request) => (request.path === '/new' ? { status: 200 } : { status: 302, headers: { location: '/new' } });
    await batch([track('moved', 0)]);
    const failed = await eventually(async () => (await deliveries(id)).find((d) => d.messageId === 'moved-0' && d.status === 'failed'));
    expect(failed).toMatchObject({ attempts: 1, reason: 'http_302' });
    expect(failed.lastError).toContain('moved to /new');
    expect(server.failures.map((r) => [r.method, r.path])).toEqual([['POST', '/hook']]);
    expect(server.requests).toEqual([]);
  });

  it('keeps a healthy destination flowing while another answers after 5 s', async () => {
    const slow = await webhook('Slow', {}, {});
    slow.server.respond = () => ({ status: 200, delayMs: 5000 });
    const healthy = await webhook('Healthy');
    const sentAt = Date.now();
    await batch(Array.from({ length: 10 }, (_, i) => track(`iso-${i}`, i)));
    await eventually(async () => (healthy.server.events().filter((e) => String(e.userId).startsWith('iso-')).length === 10 ? true : undefined));
    const healthyDone = Date.now() - sentAt;
    expect(healthyDone).toBeLessThan(4000);
    expect(slow.server.events().filter((e) => String(e.userId).startsWith('iso-')).length).toBeLessThan(10);
  });

  it('replays a time range of stored events to one destination', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    // A destination there before the events: once it has their delivery rows, their fan-out is over, so the one
    // connected next receives them only by the replay (one connected between the store write and the fan-out would
    // get them live, as any destination connected at that moment does).
    const witness = await webhook('Witness', {}, {});
    await batch([track('replayed', 0), track('replayed', 1, { event: 'Other' })]);
    for (const messageId of ['replayed-0', 'replayed-1']) await eventually(async () => ((await deliveries(witness.id, `&messageId=${messageId}`)).length === 1 ? true : undefined));
    const { id, server } = await webhook('Late', {}, {});
    // Sent without a body, the replay says which field it needs (it said "the body must be an object").
    const bodyless = await api('POST', `/destinations/${id}/replay`);
    expect(bodyless.status).toBe(400);
    expect((bodyless.body as { error: { message: string } }).error.message).toContain('the body needs a "from" field');
    const res = await api('POST', `/destinations/${id}/replay`, { from: before, to: new Date(Date.now() + 1000).toISOString(), event: 'Step' });
    // A small replay finishes within the call: 200 with the finished replay.
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ status: 'completed', destinationId: id, event: 'Step', dropped: 0 });
    expect((res.body.queued as number)).toBeGreaterThanOrEqual(1);
    expect(res.body.read).toBe(res.body.queued);
    await eventually(async () => (server.events().some((e) => e.messageId === 'replayed-0') ? true : undefined));
    expect(server.events().some((e) => e.messageId === 'replayed-1')).toBe(false);
    // Without `to`, up to the time of asking (as `sluice replay` without --to): the other event goes too.
    const open = await api('POST', `/destinations/${id}/replay`, { from: before, event: 'Other' });
    expect(open.status, open.text).toBe(200);
    expect(open.body).toMatchObject({ status: 'completed', queued: 1 });
    await eventually(async () => (server.events().some((e) => e.messageId === 'replayed-1') ? true : undefined));
  });

  it('runs a replay in the background when asked to answer at once, and shows its progress, history and audit entry', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    await batch([track('bg-replay', 0), track('bg-replay', 1)]);
    await eventually(async () => ((await api('GET', '/events?userId=bg-replay')).body.events as unknown[]).length === 2 ? true : undefined);
    const { id, server } = await webhook('Backfill', {}, {});
    const res = await fetch(`${sluice.url}/api/v1/destinations/${id}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sluice.token}`, 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ from: before, to: new Date(Date.now() + 1000).toISOString(), type: 'track' }),
    });
    expect(res.status).toBe(202);
    const started = (await res.json()) as { id: string; status: string; total: number };
    expect(started.status).toBe('running');
    expect(started.total).toBeGreaterThanOrEqual(2);
    expect(res.headers.get('location')).toBe(`/api/v1/destinations/${id}/replays/${started.id}`);
    const done = await eventually(async () => {
      const got = await api('GET', `/destinations/${id}/replays/${started.id}`);
      return got.body.status === 'completed' ? got.body : undefined;
    });
    expect(done).toMatchObject({ read: started.total, requestedBy: expect.stringContaining('token:') });
    expect(done.finishedAt).toBeDefined();
    expect(done.waitingSince).toBeUndefined();
    await eventually(async () => (['bg-replay-0', 'bg-replay-1'].every((m) => server.events().some((e) => e.messageId === m)) ? true : undefined));
    // Listed with the destination's replays, newest first; unknown and finished replays are refused clearly.
    const listed = await api('GET', `/destinations/${id}/replays`);
    expect((listed.body.replays as { id: string }[]).map((r) => r.id)).toEqual([started.id]);
    const cancelDone = await api('POST', `/destinations/${id}/replays/${started.id}/cancel`);
    expect(cancelDone.status).toBe(409);
    expect((cancelDone.body.error as { message: string }).message).toContain('already completed');
    expect((await api('GET', `/destinations/${id}/replays/rpl_nope`)).status).toBe(404);
    const audit = await api('GET', '/audit-log?action=destination.replay');
    expect((audit.body.entries as { resourceId: string }[]).some((e) => e.resourceId === id)).toBe(true);
    // A range with `from` after `to` is refused before anything is recorded.
    const backwards = await api('POST', `/destinations/${id}/replay`, { from: new Date().toISOString(), to: before });
    expect(backwards.status).toBe(400);
    expect((await api('GET', `/destinations/${id}/replays`)).body.replays).toHaveLength(1);
  });

  it('refuses a replay narrowed by an unknown event type or source instead of completing it with 0 events', async () => {
    const { id } = await webhook('Narrowed', {}, {});
    const range = { from: new Date(Date.now() - 60_000).toISOString(), to: new Date().toISOString() };
    const typo = await api('POST', `/destinations/${id}/replay`, { ...range, type: 'tracks' });
    expect(typo.status).toBe(400);
    expect(typo.body).toMatchObject({ error: { code: 'validation_failed', message: 'type "tracks" is not an event type: use one of identify, track, page, screen, group, alias.' } });
    const identifyNamed = await api('POST', `/destinations/${id}/replay`, { ...range, type: 'identify', event: 'Order Completed' });
    expect(identifyNamed.body).toMatchObject({ error: { code: 'validation_failed', message: 'event names track events, so with type "identify" the replay would match nothing: use type "track", or leave one of them out.' } });
    const blankName = await api('POST', `/destinations/${id}/replay`, { ...range, event: ' ' });
    expect(blankName.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('event is empty') } });
    const source = await api('POST', `/destinations/${id}/replay`, { ...range, sourceId: 'src_nope' });
    expect(source.status).toBe(400);
    expect(source.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('sourceId: no source src_nope in this workspace') } });
    // Nothing was recorded; a known type and source still replay.
    expect((await api('GET', `/destinations/${id}/replays`)).body.replays).toEqual([]);
    const sourceId = ((await api('GET', '/sources')).body.sources as { id: string }[])[0]!.id;
    expect((await api('POST', `/destinations/${id}/replay`, { ...range, type: 'identify', sourceId })).status).toBe(200);
    // A source the destination does not receive: the replay would read its events and send none ("completed, 0 queued").
    const other = (await api('POST', '/sources', { name: 'Narrowed elsewhere' })).body.id as string;
    const onlyOther = await webhook('Narrowed to a source', {}, { sourceIds: [other] });
    const unconnected = await api('POST', `/destinations/${onlyOther.id}/replay`, { ...range, sourceId });
    expect(unconnected.status).toBe(400);
    expect(unconnected.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining(`sourceId: destination ${onlyOther.id} does not receive source ${sourceId} (its sourceIds: ${other})`) } });
    expect((await api('GET', `/destinations/${onlyOther.id}/replays`)).body.replays).toEqual([]);
    expect((await api('POST', `/destinations/${onlyOther.id}/replay`, { ...range, sourceId: other })).status).toBe(200);
  });

  it('replays a range only up to when it was asked for: later events reach the destination live, not twice', async () => {
    const { id } = await webhook('Up to now', {}, {});
    const asked = Date.now();
    const open = await api('POST', `/destinations/${id}/replay`, { from: new Date(asked - 60_000).toISOString(), to: new Date(asked + 86_400_000).toISOString(), event: 'Up To Now' });
    expect(open.status).toBe(200);
    // The range ends when it was asked for, not tomorrow: events stored while it runs are not read a second time.
    expect(Date.parse(open.body.to as string)).toBeGreaterThanOrEqual(asked);
    expect(Date.parse(open.body.to as string)).toBeLessThanOrEqual(Date.now());
    const future = await api('POST', `/destinations/${id}/replay`, { from: new Date(Date.now() + 3_600_000).toISOString(), to: new Date(Date.now() + 7_200_000).toISOString() });
    expect(future.status).toBe(400);
    expect(future.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('is in the future: no event received then is stored yet') } });
  });

  it('says when no process is running a replay (no process with the jobs role)', async () => {
    const noJobs = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1', SLUICE_ROLES: 'ingest,processor,router,api' });
    try {
      const { id } = await createWebhook(noJobs, servers, 'No runner');
      const asked = await apiOf(noJobs.url, 'POST', `/destinations/${id}/replay`, {
        token: noJobs.token,
        headers: { prefer: 'respond-async' },
        body: { from: new Date(Date.now() - 60_000).toISOString(), to: new Date().toISOString() },
      });
      expect(asked.status).toBe(202);
      expect(asked.body).toMatchObject({ status: 'running', waitingSince: asked.body.createdAt });
      const listed = await ownerApi(noJobs)<{ replays: { waitingSince?: string }[] }>('GET', `/destinations/${id}/replays`);
      expect(listed.body.replays[0]?.waitingSince).toBe(asked.body.createdAt);
    } finally {
      await noJobs.stop();
    }
  });
});
