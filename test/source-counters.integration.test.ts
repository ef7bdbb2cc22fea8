import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, ownerApi, sendTracking } from './support/api-client.js';
import { deleteStreams, natsAvailable, TEST_QUEUE_URL, uniqueQueuePrefix } from './support/nats.js';
import { createTestSchema, postgresAvailable, schemaUrl, type TestSchema } from './support/postgres.js';
import { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

type Series = {
  totals: Record<'received' | 'stored' | 'rejected' | 'dropped' | 'withheld', number>;
  rejectedByReason: Record<string, number>;
  droppedByReason: Record<string, number>;
  withheldByReason: Record<string, number>;
  perMinute: ({ at: string } & Record<'received' | 'stored' | 'rejected' | 'dropped' | 'withheld', number>)[];
};
type SourceStats = { id: string; name: string } & Series;
type Stats = { from: string; to: string; sources: SourceStats[]; unassigned: Series };

let sluice: TestSluice;
let api: ReturnType<typeof ownerApi>;
const servers: RecordingServer[] = [];

async function post(path: string, body: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(`${sluice.url}/v1/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  await response.arrayBuffer();
  return response.status;
}

async function newSource(name: string): Promise<{ id: string; writeKey: string }> {
  const res = await api<{ id: string; writeKey: string }>('POST', '/sources', { name });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

async function stats(query = ''): Promise<Stats> {
  const res = await api<Stats>('GET', `/stats/sources?minutes=10${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** Waits until the counters reach `expected` (they are written about once a second), then checks nothing more arrives. */
async function settled(pick: (s: Stats) => unknown, expected: unknown): Promise<Stats> {
  await eventually(async () => {
    const now = await stats();
    return isDeepStrictEqual(pick(now), expected) ? now : undefined;
  }).catch(async (error: unknown) => {
    expect(pick(await stats())).toEqual(expected);
    throw error;
  });
  await new Promise((r) => setTimeout(r, 1500));
  const last = await stats();
  expect(pick(last)).toEqual(expected);
  return last;
}

beforeAll(async () => {
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1', SLUICE_RATE_LIMIT_PER_SOURCE: '3' });
  api = ownerApi(sluice);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sluice?.stop();
});

describe('per-source counters (GET /api/v1/stats/sources)', () => {
  it('counts received and rejected events per source and reason, and installation-wide refusals apart', async () => {
    const web = await newSource('Counted web');
    // 3 accepted in one batch; a batch of 3 with 2 invalid events (no identifier, no event name): 1 accepted.
    await sendTracking(sluice.url, web.writeKey, 'batch', { batch: [1, 2, 3].map((i) => ({ type: 'track', userId: 'c-1', event: 'Viewed', messageId: `cnt-${i}` })) });
    const mixed = await post('batch', JSON.stringify({ batch: [{ type: 'track', userId: 'c-1', event: 'Ok', messageId: 'cnt-4' }, { type: 'track', event: 'Anon' }, { type: 'track', userId: 'c-1' }] }), { authorization: basicAuth(web.writeKey) });
    expect(mixed).toBe(400);

    // A disabled source: a batch of 2 refused, counted against it.
    const off = await newSource('Counted disabled');
    expect((await api('PATCH', `/sources/${off.id}`, { enabled: false })).status).toBe(200);
    expect(await post('batch', JSON.stringify({ batch: [{ type: 'track', userId: 'd', event: 'X' }, { type: 'track', userId: 'd', event: 'Y' }] }), { authorization: basicAuth(off.writeKey) })).toBe(401);

    // Rate limit (3 requests per second per source): 8 single events at once, the 429s counted.
    const busy = await newSource('Counted busy');
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, i) => post('track', JSON.stringify({ userId: 'r', event: 'Burst', messageId: `burst-${i}` }), { authorization: basicAuth(busy.writeKey) })));
    const limited = statuses.filter((s) => s === 429).length;
    const passed = statuses.filter((s) => s === 200).length;
    expect(limited).toBeGreaterThan(0);
    expect(limited + passed).toBe(8);

    // A body over the limit with the writeKey in Basic auth: unread, but the header names the source.
    const tooLarge = JSON.stringify({ userId: 'u', event: 'A', properties: { pad: 'x'.repeat(600 * 1024) } });
    expect(await post('track', tooLarge, { authorization: basicAuth(web.writeKey) })).toBe(413);
    // No source can be named: an unknown writeKey (batch of 2), no writeKey, a body over the limit without one.
    expect(await post('batch', JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'A' }, { type: 'track', userId: 'u', event: 'B' }] }), { authorization: basicAuth('no-such-key') })).toBe(401);
    expect(await post('track', JSON.stringify({ userId: 'u', event: 'A' }), {})).toBe(401);
    expect(await post('track', tooLarge, {})).toBe(413);

    const last = await settled((s) => ({
      web: s.sources.find((x) => x.id === web.id)?.totals,
      webRejected: s.sources.find((x) => x.id === web.id)?.rejectedByReason,
      off: s.sources.find((x) => x.id === off.id)?.rejectedByReason,
      busy: s.sources.find((x) => x.id === busy.id)?.totals,
      busyRejected: s.sources.find((x) => x.id === busy.id)?.rejectedByReason,
      unassigned: s.unassigned.rejectedByReason,
    }), {
      web: { received: 4, stored: 4, rejected: 3, dropped: 0, withheld: 0 },
      webRejected: { no_user_anon_id: 1, event_not_string: 1, request_too_large: 1 },
      off: { source_disabled: 2 },
      busy: { received: passed, stored: passed, rejected: limited, dropped: 0, withheld: 0 },
      busyRejected: { too_many_requests: limited },
      unassigned: { unknown_source: 2, missing_write_key: 1, request_too_large: 1 },
    });
    // The per-minute series covers the window, oldest first, and adds up to the totals.
    const webStats = last.sources.find((x) => x.id === web.id)!;
    expect(webStats.perMinute).toHaveLength(10);
    expect(webStats.perMinute.reduce((n, m) => n + m.received, 0)).toBe(4);
    expect(Date.parse(webStats.perMinute[9]!.at)).toBeLessThanOrEqual(Date.now());

    // One source only; an unknown one is a 404.
    const one = await api<Stats>('GET', `/stats/sources?sourceId=${web.id}`);
    expect(one.body.sources.map((s) => s.id)).toEqual([web.id]);
    expect((await api('GET', '/stats/sources?sourceId=src_nope')).status).toBe(404);
  });

  it('counts the processor\'s drops (suppressed, duplicate) and fan-out\'s withheld pairs (filter) per source', async () => {
    const app = await newSource('Counted app');
    const server = await RecordingServer.start();
    servers.push(server);
    const dest = await api<{ id: string }>('POST', '/destinations', { name: 'Filtered hook', type: 'webhook', config: { url: server.url }, sourceIds: [app.id], filters: [{ if: "event = 'Noise'", action: 'drop' }] });
    expect(dest.status, dest.text).toBe(201);
    await sluice.privacy.suppressions.suppress(sluice.bootstrap.workspaceId, [{ type: 'userId', value: 'gone-user' }], { requestId: null, hashed: false });

    await sendTracking(sluice.url, app.writeKey, 'batch', {
      batch: [
        { type: 'track', userId: 'kept', event: 'Signal', messageId: 'p-1' },
        { type: 'track', userId: 'kept', event: 'Noise', messageId: 'p-2' },
        { type: 'track', userId: 'gone-user', event: 'Signal', messageId: 'p-3' },
        { type: 'identify', userId: 'gone-user', messageId: 'p-4', traits: { plan: 'x' } },
      ],
    });
    await eventually(async () => (server.events().some((e) => e.messageId === 'p-1') ? true : undefined));
    // The same messageId again: stored once, the second one dropped as a duplicate.
    await sendTracking(sluice.url, app.writeKey, 'track', { userId: 'kept', event: 'Signal', messageId: 'p-1' });

    await settled((s) => {
      const mine = s.sources.find((x) => x.id === app.id);
      return mine && { totals: mine.totals, dropped: mine.droppedByReason, withheld: mine.withheldByReason };
    }, {
      // Stored: p-1 and p-2 (withheld from the destination by its filter, but stored); not the suppressed two, nor p-1 again.
      totals: { received: 5, stored: 2, rejected: 0, dropped: 3, withheld: 1 },
      dropped: { suppressed: 2, duplicate: 1 },
      withheld: { filter: 1 },
    });
    // The destination's own counters say the same from its side.
    const delivery = await api<{ destinations: { id: string; droppedByReason: Record<string, number> }[] }>('GET', `/stats?minutes=10&destinationId=${dest.body.id}`);
    expect(delivery.body.destinations[0]!.droppedByReason).toEqual({ filter: 1 });
  });

  it('answers events stored per minute from the stored counters: every event this instance stored, once', async () => {
    const src = await newSource('Counted per minute');
    await sendTracking(sluice.url, src.writeKey, 'batch', { batch: [1, 2, 3].map((i) => ({ type: 'track', userId: 'm-1', event: 'Minute', messageId: `min-${i}` })) });
    await sendTracking(sluice.url, src.writeKey, 'track', { userId: 'm-1', event: 'Minute', messageId: 'min-1' });
    const perMinute = async () => {
      const res = await api<{ minutes: { at: string; count: number }[] }>('GET', '/stats/events-per-minute?minutes=10');
      expect(res.status, res.text).toBe(200);
      expect(res.body.minutes).toHaveLength(10);
      return res.body.minutes.reduce((n, m) => n + m.count, 0);
    };
    // This file's instance stored every event of the workspace within the last 10 minutes: the sum is the table's count
    // (the duplicate min-1 in neither), once the processor's counts are written (about once a second).
    await eventually(async () => {
      const stored = await sluice.store.events.count(sluice.bootstrap.workspaceId);
      return (await stats()).sources.find((s) => s.id === src.id)?.totals.stored === 3 && (await perMinute()) === stored ? true : undefined;
    });
    expect(await perMinute()).toBe(await sluice.store.events.count(sluice.bootstrap.workspaceId));
  });

  it('needs sources:read', async () => {
    const res = await fetch(`${sluice.url}/api/v1/stats/sources`);
    expect(res.status).toBe(401);
  });
});

const scaleAvailable = (await postgresAvailable()) && (await natsAvailable());

/** Scale mode: two ingest processes (two Sluice instances on one PostgreSQL schema) add to the same rows. */
describe.runIf(scaleAvailable)('per-source counters in scale mode (PostgreSQL + JetStream, two ingest instances)', () => {
  let schema: TestSchema;
  let full: TestSluice;
  let ingestOnly: TestSluice;
  const prefix = uniqueQueuePrefix('counters');

  beforeAll(async () => {
    schema = await createTestSchema('counters');
    const env = {
      SLUICE_DATABASE_URL: schemaUrl(schema),
      SLUICE_QUEUE_URL: TEST_QUEUE_URL,
      SLUICE_QUEUE_PREFIX: prefix,
      SLUICE_SECRET_KEY: 'counters-test-secret-key-0123456789',
    };
    full = await startTestSluice(env);
    ingestOnly = await startTestSluice({ ...env, SLUICE_ROLES: 'ingest' });
  });
  afterAll(async () => {
    await ingestOnly?.stop();
    await full?.stop();
    await schema?.drop();
    await deleteStreams(prefix);
  });

  it('sums what both ingest instances counted in the same minute rows', async () => {
    const batch = (tag: string) => ({ batch: Array.from({ length: 25 }, (_, i) => ({ type: 'track', userId: `s${i % 4}`, event: 'Scaled', messageId: `${tag}-${i}` })) });
    await Promise.all([
      ...[1, 2, 3].map((n) => sendTracking(full.url, full.writeKey, 'batch', batch(`full-${n}`))),
      ...[1, 2].map((n) => sendTracking(ingestOnly.url, full.writeKey, 'batch', batch(`ingest-${n}`))),
      fetch(`${ingestOnly.url}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basicAuth(full.writeKey) }, body: JSON.stringify({ event: 'No one' }) }).then((r) => r.arrayBuffer()),
    ]);
    const owner = ownerApi(full);
    const totals = await eventually(async () => {
      const res = await owner<Stats>('GET', `/stats/sources?minutes=5`);
      const source = res.body.sources.find((s) => s.totals.received > 0);
      return source && source.totals.received === 125 && source.totals.rejected === 1 && source.totals.stored === 125 ? source : undefined;
    });
    expect(totals.rejectedByReason).toEqual({ no_user_anon_id: 1 });
    // The events were processed once each: no processor drops.
    expect(totals.totals.dropped).toBe(0);
    expect(full.store.dialect).toBe('postgres');
  });
});
