import { describe, expect, it } from 'vitest';
import type { StoreContractContext } from '../store-contract.js';
import { FIRST_PAGE, type EventPageCursor } from '../../../src/privacy/requests/subject-data.js';
import { freshWorkspace, segmentEvent } from './fixtures.js';

export function privacyContract({ store }: StoreContractContext): void {
  describe('suppressions', () => {
    it('adds idempotently, matches by hash, lists per workspace and removes', async () => {
      const a = await freshWorkspace(store());
      const b = await freshWorkspace(store());
      const row = { workspaceId: a, identifier: 'ada@example.com', identifierHash: 'h1', hashed: false, type: 'email' as const, requestId: 'pr_1' };
      const [added] = await store().suppressions.add([row], 1000);
      expect(added).toMatchObject({ ...row, createdAt: 1000 });
      const again = await store().suppressions.add([{ ...row, requestId: 'pr_2' }, { ...row, identifier: 'h2', identifierHash: 'h2', hashed: true, type: 'userId' }], 2000);
      expect(again.find((s) => s.identifierHash === 'h1')?.requestId).toBe('pr_1');
      expect([...(await store().suppressions.matching(a, ['h1', 'h2', 'h3']))].sort()).toEqual(['h1', 'h2']);
      expect((await store().suppressions.matching(b, ['h1'])).size).toBe(0);
      expect(await store().suppressions.list(b)).toEqual([]);
      expect(await store().suppressions.list(a)).toHaveLength(2);
      expect(await store().suppressions.remove(a, ['h1'])).toBe(1);
      expect([...(await store().suppressions.matching(a, ['h1', 'h2']))]).toEqual(['h2']);
    });
  });

  describe('consent ledger', () => {
    it('appends entries and folds them into the latest choice per category, GPC kept apart', async () => {
      const ws = await freshWorkspace(store());
      const subject = { type: 'userId' as const, value: 'u1' };
      const base = { workspaceId: ws, subject, source: 'api' as const, gpc: false };
      await store().consent.append([
        { ...base, at: 100, categories: { analytics: true, advertising: true }, ipHash: 'iph', userAgent: 'UA', policyVersion: 'v1' },
        { ...base, at: 200, categories: { advertising: false } },
      ]);
      await store().consent.append([{ ...base, at: 150, categories: { analytics: false } }, { ...base, at: 300, source: 'gpc', gpc: true, categories: { advertising: false } }]);
      const [state] = await store().consent.states(ws, [subject, { type: 'userId', value: 'other' }]);
      expect(state).toEqual({ subject, choices: { analytics: { granted: false, at: 150 }, advertising: { granted: false, at: 200 } }, gpcAt: 300 });
      const history = await store().consent.history(ws, [subject], 10);
      expect(history.map((h) => h.at)).toEqual([100, 150, 200, 300]);
      expect(history[0]).toMatchObject({ ipHash: 'iph', userAgent: 'UA', policyVersion: 'v1', source: 'api' });
      expect(history[3]).toMatchObject({ source: 'gpc', gpc: true });
      expect(await store().consent.states(await freshWorkspace(store()), [subject])).toEqual([]);
    });

    it('normalizes email subjects', async () => {
      const ws = await freshWorkspace(store());
      await store().consent.append([{ workspaceId: ws, subject: { type: 'email', value: ' Ada@Example.COM ' }, at: 1, categories: { analytics: true }, source: 'banner', gpc: false }]);
      expect(await store().consent.states(ws, [{ type: 'email', value: 'ada@example.com' }])).toHaveLength(1);
    });

    it("pseudonymizes an erased subject's entries (proof kept, identifier gone) and deletes their states, leaving others", async () => {
      const ws = await freshWorkspace(store());
      const ada = { type: 'email' as const, value: 'ada@example.com' };
      const bob = { type: 'userId' as const, value: 'bob' };
      await store().consent.append([
        { workspaceId: ws, subject: ada, at: 1, categories: { analytics: true }, source: 'banner', gpc: false, ipHash: 'iph' },
        { workspaceId: ws, subject: ada, at: 2, categories: { analytics: false }, source: 'api', gpc: false },
        { workspaceId: ws, subject: bob, at: 3, categories: { analytics: true }, source: 'banner', gpc: false },
      ]);
      expect(await store().consent.countNamed(ws, [{ type: 'email', value: 'ADA@example.com' }])).toBe(3); // 2 entries + 1 state
      expect(await store().consent.pseudonymize(ws, [{ type: 'email', value: 'ADA@example.com' }], (s) => `~h(${s.value})`)).toBe(2);
      expect(await store().consent.countNamed(ws, [ada])).toBe(0);
      expect(await store().consent.states(ws, [ada])).toEqual([]);
      const kept = await store().consent.history(ws, [{ type: 'email', value: '~h(ada@example.com)' }], 10);
      expect(kept.map((r) => [r.at, r.categories, r.ipHash ?? null])).toEqual([[1, { analytics: true }, 'iph'], [2, { analytics: false }, null]]);
      expect(await store().consent.countNamed(ws, [bob])).toBe(2);
    });
  });

  describe("a subject's events", () => {
    it("leave out someone else's event that carries the subject's anonymousId (a shared device), in reads, counts, deliveries and deletion", async () => {
      const ws = await freshWorkspace(store());
      const ev = (userId: string | null, anonymousId: string | null) => segmentEvent({ userId, anonymousId });
      const ada = [ev('ada', 'anon-a'), ev(null, 'anon-a'), ev('ada', null), ev('ada-old', null)];
      const ivans = ev('ivan', 'anon-a');
      await store().events.insertMany([...ada, ivans, ev('ivan', null)].map((event) => ({ workspaceId: ws, sourceId: 'src_a', event })));
      const keys = { userIds: ['ada', 'ada-old'], anonymousIds: ['anon-a'] };
      const adaIds = ada.map((e) => e.messageId).sort();

      expect(await store().subjectData.countEvents(ws, keys)).toBe(4);
      const paged: string[] = [];
      for (let cursor: EventPageCursor | undefined = FIRST_PAGE; cursor; ) {
        const page = await store().subjectData.eventPage(ws, keys, cursor, 2);
        paged.push(...page.events.map((e) => e.event.messageId));
        cursor = page.next;
      }
      expect(paged.sort()).toEqual(adaIds);
      const profileEvents = await store().events.query({ workspaceId: ws, identities: keys, limit: 10 });
      expect(profileEvents.map((e) => e.event.messageId).sort()).toEqual(adaIds);
      // With only the anonymousId (a subject who never signed in), Ivan's event is still his.
      expect(await store().subjectData.countEvents(ws, { userIds: [], anonymousIds: ['anon-a'] })).toBe(1);

      // Times near now: counter rows of minutes in 1970 would upset the counter pruning test sharing this store.
      const at = Date.now();
      await store().deliveries.record([ivans, ada[1]!].map((e, i) => ({
        workspaceId: ws, destinationId: `dst_${i}`, messageId: e.messageId, sourceId: 'src_a', status: 'delivered' as const, attempts: 1, reason: null, lastError: null, updatedAt: at + i,
      })));
      expect(Object.fromEntries(await store().subjectData.deliverySummary(ws, keys))).toEqual({ dst_1: { delivered: 1, firstDeliveredAt: at + 1, lastDeliveredAt: at + 1, dropped: {}, failed: 0, waiting: 0 } });
      expect([...(await store().subjectData.destinationsReached(ws, keys))]).toEqual(['dst_1']);

      // Another source's event with the same messageId as one of Ada's (someone else's): its delivery row is not hers.
      const shared = ada[2]!.messageId;
      await store().events.insertMany([{ workspaceId: ws, sourceId: 'src_b', event: { ...ev('ivan', null), messageId: shared } }]);
      await store().deliveries.record(['src_a', 'src_b'].map((sourceId) => ({
        workspaceId: ws, destinationId: 'dst_shared', messageId: shared, sourceId, status: 'delivered' as const, attempts: 1, reason: null, lastError: null, updatedAt: at + 2,
      })));

      let deleted = 0;
      let deliveryRows = 0;
      for (let batch = await store().subjectData.deleteEventBatch(ws, keys, 3); batch.events > 0; batch = await store().subjectData.deleteEventBatch(ws, keys, 3)) {
        deleted += batch.events;
        deliveryRows += batch.deliveryRows;
        expect(batch.deliveryRowsLeft).toBe(0);
      }
      expect(deleted).toBe(4);
      expect(deliveryRows).toBe(2); // dst_1 and dst_shared's src_a row
      const left = await store().events.query({ workspaceId: ws, limit: 10 });
      expect(left.map((e) => e.event.userId).sort()).toEqual(['ivan', 'ivan', 'ivan']);
      expect((await store().deliveries.forMessage(ws, shared)).map((d) => [d.sourceId, d.destinationId])).toEqual([['src_b', 'dst_shared']]);
      expect((await store().deliveries.forMessage(ws, ivans.messageId)).map((d) => d.destinationId)).toEqual(['dst_0']);
    });

    it('count an event whose userId is a placeholder ("null", "Anonymous", " 0 ", "-1") as the event of its anonymousId, in reads, counts, deliveries and deletion', async () => {
      const ws = await freshWorkspace(store());
      const ev = (userId: string | null, anonymousId: string | null) => segmentEvent({ userId, anonymousId });
      // A logged-out app sends userId "null": the identity graph never links it, so the event is the person of its anonymousId.
      const theirs = [ev('null', 'anon-z'), ev('Anonymous', 'anon-z'), ev(' 0 ', 'anon-z'), ev('-1', 'anon-z'), ev('000-000', 'anon-z'), ev(null, 'anon-z')];
      const others = [ev('nullable', 'anon-z'), ev('0-1', 'anon-z'), ev('none-of-them', 'anon-z')];
      await store().events.insertMany([...theirs, ...others].map((event) => ({ workspaceId: ws, sourceId: 'src_a', event })));
      const keys = { userIds: [], anonymousIds: ['anon-z'] };
      const ids = theirs.map((e) => e.messageId).sort();

      expect(await store().subjectData.countEvents(ws, keys)).toBe(theirs.length);
      const paged: string[] = [];
      for (let cursor: EventPageCursor | undefined = FIRST_PAGE; cursor; ) {
        const page = await store().subjectData.eventPage(ws, keys, cursor, 4);
        paged.push(...page.events.map((e) => e.event.messageId));
        cursor = page.next;
      }
      expect(paged.sort()).toEqual(ids);
      const profileEvents = await store().events.query({ workspaceId: ws, identities: keys, limit: 20 });
      expect(profileEvents.map((e) => e.event.messageId).sort()).toEqual(ids);

      const at = Date.now();
      await store().deliveries.record([{
        workspaceId: ws, destinationId: 'dst_z', messageId: theirs[0]!.messageId, sourceId: 'src_a', status: 'delivered' as const, attempts: 1, reason: null, lastError: null, updatedAt: at,
      }]);
      expect(Object.fromEntries(await store().subjectData.deliverySummary(ws, keys))).toEqual({ dst_z: { delivered: 1, firstDeliveredAt: at, lastDeliveredAt: at, dropped: {}, failed: 0, waiting: 0 } });
      expect([...(await store().subjectData.destinationsReached(ws, keys))]).toEqual(['dst_z']);

      let deleted = 0;
      for (let batch = await store().subjectData.deleteEventBatch(ws, keys, 4); batch.events > 0; batch = await store().subjectData.deleteEventBatch(ws, keys, 4)) deleted += batch.events;
      expect(deleted).toBe(theirs.length);
      const left = await store().events.query({ workspaceId: ws, limit: 20 });
      expect(left.map((e) => e.event.userId).sort()).toEqual(['0-1', 'none-of-them', 'nullable']);
    });
  });

  describe("a subject's receipt hours", () => {
    it('names per destination the source and hour of receipt of each event that may have reached it, once each', async () => {
      const ws = await freshWorkspace(store());
      const ev = (receivedAt: string, userId = 'ada') => segmentEvent({ userId, receivedAt });
      const mine = [ev('2026-11-30T10:05:00.000Z'), ev('2026-11-30T10:55:00.000Z'), ev('2026-11-30T12:00:00.000Z')];
      const fromApp = ev('2026-11-30T10:30:00.000Z');
      const notMine = ev('2026-11-29T08:00:00.000Z', 'ivan');
      await store().events.insertMany([...mine.map((event) => ({ workspaceId: ws, sourceId: 'src_web', event })), { workspaceId: ws, sourceId: 'src_app', event: fromApp }, { workspaceId: ws, sourceId: 'src_web', event: notMine }]);
      // Another source's event with the messageId of one of Ada's: its delivery row is not hers.
      await store().events.insertMany([{ workspaceId: ws, sourceId: 'src_other', event: { ...ev('2026-11-28T01:00:00.000Z', 'ivan'), messageId: mine[2]!.messageId } }]);
      const at = Date.now();
      const row = (destinationId: string, messageId: string, sourceId: string, status: 'delivered' | 'queued' | 'failed', attempts = 1) => ({
        workspaceId: ws, destinationId, messageId, sourceId, status, attempts, reason: null, lastError: null, updatedAt: at,
      });
      await store().deliveries.record([
        row('dst_s3', mine[0]!.messageId, 'src_web', 'delivered'),
        row('dst_s3', mine[1]!.messageId, 'src_web', 'delivered'),
        row('dst_s3', fromApp.messageId, 'src_app', 'queued', 0),
        row('dst_s3', notMine.messageId, 'src_web', 'delivered'),
        row('dst_s3', mine[2]!.messageId, 'src_other', 'delivered'),
        row('dst_other', mine[2]!.messageId, 'src_web', 'failed', 2),
        row('dst_never', mine[2]!.messageId, 'src_web', 'failed', 0),
      ]);
      const hours = await store().subjectData.receiptHoursReached(ws, { userIds: ['ada'], anonymousIds: [] });
      const sorted = (list: readonly { sourceId: string; hour: string }[] | undefined) => [...(list ?? [])].sort((a, b) => `${a.sourceId}${a.hour}`.localeCompare(`${b.sourceId}${b.hour}`));
      expect([...hours.keys()].sort()).toEqual(['dst_other', 'dst_s3']);
      expect(sorted(hours.get('dst_s3'))).toEqual([{ sourceId: 'src_app', hour: '2026-11-30T10:00:00.000Z' }, { sourceId: 'src_web', hour: '2026-11-30T10:00:00.000Z' }]);
      expect(hours.get('dst_other')).toEqual([{ sourceId: 'src_web', hour: '2026-11-30T12:00:00.000Z' }]);
    });
  });

  describe('subject flags', () => {
    it('sets a flag once and lists it', async () => {
      const ws = await freshWorkspace(store());
      const flag = { workspaceId: ws, subject: { type: 'userId' as const, value: 'kid' }, flag: 'child' as const, detail: 'age 12', createdAt: 5 };
      expect(await store().subjectFlags.set([flag])).toHaveLength(1);
      expect(await store().subjectFlags.set([flag])).toHaveLength(0);
      expect(await store().subjectFlags.list(ws, [flag.subject])).toEqual([flag]);
      expect(await store().subjectFlags.remove(ws, [flag.subject, { type: 'userId', value: 'nobody' }])).toBe(1);
      expect(await store().subjectFlags.list(ws, [flag.subject])).toEqual([]);
    });
  });

  describe('PII inventory', () => {
    it('upserts observations, keeps first seen, advances last seen, and keeps a review', async () => {
      const ws = await freshWorkspace(store());
      const o = { workspaceId: ws, sourceId: 'src', path: 'traits.email', level: 'yellow' as const, label: 'email', detectedBy: 'key', seenAt: 10 };
      await store().piiInventory.observe([o, { ...o, path: 'properties.sku', level: 'none', label: null, detectedBy: 'none' }]);
      await store().piiInventory.observe([{ ...o, seenAt: 20 }, { ...o, seenAt: 5 }, { ...o, path: 'properties.sku', level: 'red', label: 'credit_card', detectedBy: 'value', seenAt: 30 }]);
      const fields = await store().piiInventory.list(ws, {});
      expect(fields.find((f) => f.path === 'traits.email')).toMatchObject({ firstSeen: 10, lastSeen: 20, level: 'yellow' });
      expect(fields.find((f) => f.path === 'properties.sku')).toMatchObject({ level: 'red', label: 'credit_card' });
      const reviewed = await store().piiInventory.review(ws, 'src', 'properties.sku', { level: 'none', label: null, by: 'token:t', at: 40 });
      expect(reviewed).toMatchObject({ reviewedLevel: 'none', reviewedBy: 'token:t' });
      expect((await store().piiInventory.reviewed(ws)).get('src\u0000properties.sku')).toEqual({ level: 'none', label: null });
      expect(await store().piiInventory.list(ws, { level: 'red' })).toEqual([]);
      expect(await store().piiInventory.review(ws, 'src', 'nope', { level: 'red', label: null, by: 'x', at: 1 })).toBeUndefined();
    });
  });

  describe('retention', () => {
    it('deletes events before a time in batches and truncates raw IPs once', async () => {
      const ws = await freshWorkspace(store());
      const old = new Date(1_000_000).toISOString();
      const now = new Date().toISOString();
      await store().events.insertMany([
        ...[1, 2, 3].map(() => ({ workspaceId: ws, sourceId: 's', event: segmentEvent({ receivedAt: old, timestamp: old, context: { ip: '203.0.113.77' } }) })),
        { workspaceId: ws, sourceId: 's', event: segmentEvent({ receivedAt: now, timestamp: now, context: { ip: '203.0.113.78' } }) },
      ]);
      const truncate = (ip: string) => ip.replace(/\.\d+$/, '.0');
      expect(await store().retention.truncateIpsBefore(ws, 2_000_000, 2, truncate)).toEqual({ scanned: 2, changed: 2 });
      expect(await store().retention.truncateIpsBefore(ws, 2_000_000, 2, truncate)).toEqual({ scanned: 1, changed: 1 });
      expect(await store().retention.truncateIpsBefore(ws, 2_000_000, 2, truncate)).toEqual({ scanned: 0, changed: 0 });
      const ips = (await store().events.query({ workspaceId: ws, limit: 10 })).map((e) => e.event.context.ip);
      expect(ips).toEqual(['203.0.113.78', '203.0.113.0', '203.0.113.0', '203.0.113.0']);
      // Their delivery rows go with them (a last error may quote a destination's answer about the person).
      const stored = await store().events.query({ workspaceId: ws, limit: 10, order: 'asc' });
      const [firstOld, , , recent] = stored.map((e) => e.event.messageId);
      const delivery = (messageId: string, destinationId: string) => ({ workspaceId: ws, destinationId, messageId, sourceId: 's', status: 'failed' as const, attempts: 1, reason: 'http_400', lastError: 'HTTP 400: bad email', updatedAt: 1_500_000 });
      await store().deliveries.record([delivery(firstOld!, 'dst_a'), delivery(firstOld!, 'dst_b'), delivery(recent!, 'dst_a')]);
      expect(await store().retention.deleteEventsBefore(ws, 2_000_000, 2)).toBe(2);
      expect(await store().retention.deleteEventsBefore(ws, 2_000_000, 2)).toBe(1);
      expect(await store().retention.deleteEventsBefore(ws, 2_000_000, 2)).toBe(0);
      expect(await store().events.count(ws)).toBe(1);
      expect(await store().deliveries.forMessage(ws, firstOld!)).toEqual([]);
      expect((await store().deliveries.forMessage(ws, recent!)).map((d) => d.destinationId)).toEqual(['dst_a']);
    });

    it('walks the events in stored order and never moves the IP cursor past an event not yet due', async () => {
      // Stored in an order their receipt times do not follow (a scale-mode partition that lagged): the second event
      // is the newest, the third was received before it and is stored after it.
      const ws = await freshWorkspace(store());
      const at = (ms: number) => new Date(ms).toISOString();
      const stored = [1_000_000, 5_000_000, 1_500_000].map((ms) => ({ workspaceId: ws, sourceId: 's', event: segmentEvent({ receivedAt: at(ms), timestamp: at(ms), context: { ip: '203.0.113.77' } }) }));
      await store().events.insertMany(stored);
      const truncate = (ip: string) => ip.replace(/\.\d+$/, '.0');
      const ips = async () => (await store().events.query({ workspaceId: ws, limit: 10, order: 'asc' })).map((e) => e.event.context.ip);
      // Due: the first and the third. The cursor stops before the second, which is not; the third is truncated anyway.
      expect(await store().retention.truncateIpsBefore(ws, 2_000_000, 10, truncate)).toEqual({ scanned: 1, changed: 2 });
      expect(await ips()).toEqual(['203.0.113.0', '203.0.113.77', '203.0.113.0']);
      // Nothing newly due: the window is read again from the same place, and nothing changes.
      expect(await store().retention.truncateIpsBefore(ws, 2_000_000, 10, truncate)).toEqual({ scanned: 0, changed: 0 });
      // Once the second is due, it is truncated too (a cursor moved past it to the third would have left it as it was).
      expect(await store().retention.truncateIpsBefore(ws, 6_000_000, 10, truncate)).toEqual({ scanned: 2, changed: 1 });
      expect(await ips()).toEqual(['203.0.113.0', '203.0.113.0', '203.0.113.0']);

      // Deletion reads the oldest events in stored order, `limit` at a time, and deletes the due ones among them.
      expect(await store().retention.deleteEventsBefore(ws, 2_000_000, 1)).toBe(1);
      // The window of one now holds the second event, not due: the third waits behind it until it is.
      expect(await store().retention.deleteEventsBefore(ws, 2_000_000, 1)).toBe(0);
      expect(await store().events.count(ws)).toBe(2);
      // A window that reaches past it deletes the due one behind it.
      expect(await store().retention.deleteEventsBefore(ws, 2_000_000, 10)).toBe(1);
      expect((await store().events.query({ workspaceId: ws, limit: 10 })).map((e) => e.event.receivedAt)).toEqual([at(5_000_000)]);
      expect(await store().retention.eventsPrunedBefore(ws)).toBe(1_500_001);
    });
  });
}
