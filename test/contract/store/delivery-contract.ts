import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../../src/core/destination.js';
import type { StoreContractContext } from '../store-contract.js';
import { freshWorkspace, segmentEvent } from './fixtures.js';

const MINUTE = 60_000;

export function deliveryContract({ store }: StoreContractContext): void {
  describe('destinations and deliveries', () => {
    it('stores destination filters and replaces or removes them on update', async () => {
      const workspaceId = await freshWorkspace(store());
      const filters = [{ if: "event = 'Debug'", action: 'drop' as const }, { if: 'type = "page"', action: 'sample' as const, percent: 10 }];
      const created = await store().destinations.create({ workspaceId, name: 'Hook', type: 'webhook', publicConfig: { url: 'https://example.com' }, sealedSecrets: null, sourceIds: null, consentCategories: null, filters, enabled: true });
      expect(created.filters).toEqual(filters);
      expect((await store().destinations.get(workspaceId, created.id))?.filters).toEqual(filters);
      const plain = await store().destinations.create({ workspaceId, name: 'Plain', type: 'webhook', publicConfig: {}, sealedSecrets: null, sourceIds: null, consentCategories: null, enabled: true });
      expect(plain.filters).toEqual([]);
      const changed = await store().destinations.update(workspaceId, created.id, { filters: [{ if: 'true', action: 'allow_properties', properties: ['plan'] }] });
      expect(changed?.filters).toEqual([{ if: 'true', action: 'allow_properties', properties: ['plan'] }]);
      expect((await store().destinations.update(workspaceId, created.id, { filters: [] }))?.filters).toEqual([]);
    });

    it('knows since when a destination has been enabled: from creation or its last enabling, kept across other changes, none while disabled', async () => {
      const workspaceId = await freshWorkspace(store());
      const before = Date.now();
      const on = await store().destinations.create({ workspaceId, name: 'On', type: 'webhook', publicConfig: {}, sealedSecrets: null, sourceIds: null, consentCategories: null, enabled: true });
      expect(on.enabledAt).toBeGreaterThanOrEqual(before);
      const off = await store().destinations.create({ workspaceId, name: 'Off', type: 'webhook', publicConfig: {}, sealedSecrets: null, sourceIds: null, consentCategories: null, enabled: false });
      expect(off.enabledAt).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 5));
      // Renamed, and enabled although it already was: the same start.
      expect((await store().destinations.update(workspaceId, on.id, { name: 'On, renamed', enabled: true }))?.enabledAt).toBe(on.enabledAt);
      expect((await store().destinations.update(workspaceId, on.id, { enabled: false }))?.enabledAt).toBeUndefined();
      const again = await store().destinations.update(workspaceId, on.id, { enabled: true });
      expect(again?.enabledAt).toBeGreaterThan(on.enabledAt!);
      expect((await store().destinations.get(workspaceId, on.id))?.enabledAt).toBe(again?.enabledAt);
      const offOn = await store().destinations.update(workspaceId, off.id, { enabled: true });
      expect(offOn?.enabledAt).toBeGreaterThanOrEqual(before);
    });

    it('keeps a deleted destination as a tombstone (config and secrets erased) that no read of configured destinations sees', async () => {
      const workspaceId = await freshWorkspace(store());
      const other = await freshWorkspace(store());
      const input = { workspaceId, type: 'webhook', publicConfig: { url: 'https://hooks.example.com/in?key=********' }, sealedSecrets: 'sealed-secret', sourceIds: null, consentCategories: ['advertising'], filters: [{ if: 'true', action: 'drop' as const }], enabled: true };
      const gone = await store().destinations.create({ ...input, name: 'Ad network' });
      const kept = await store().destinations.create({ ...input, name: 'Kept' });
      expect(await store().destinations.delete(other, gone.id, { by: 'token:tok_x (other)', at: 5_000 })).toBeUndefined();

      const tombstone = await store().destinations.delete(workspaceId, gone.id, { by: 'member:mem_1 (ada@example.com)', at: gone.createdAt + 5_000 });
      expect(tombstone).toEqual({ id: gone.id, workspaceId, name: 'Ad network', type: 'webhook', createdAt: gone.createdAt, deletedAt: gone.createdAt + 5_000, deletedBy: 'member:mem_1 (ada@example.com)' });
      expect(await store().destinations.get(workspaceId, gone.id)).toBeUndefined();
      expect((await store().destinations.list(workspaceId)).map((d) => d.id)).toEqual([kept.id]);
      expect((await store().destinations.listAll()).map((d) => d.id)).not.toContain(gone.id);
      expect(await store().destinations.update(workspaceId, gone.id, { name: 'Back', enabled: true })).toBeUndefined();
      // Deleted once: a second deletion finds nothing, and the tombstone keeps its first time and actor.
      expect(await store().destinations.delete(workspaceId, gone.id, { by: 'cli', at: gone.createdAt + 9_000 })).toBeUndefined();
      expect(await store().destinations.tombstones(workspaceId)).toEqual([tombstone]);
      expect(await store().destinations.tombstones(other)).toEqual([]);
      expect((await store().destinations.get(workspaceId, kept.id))?.sealedSecrets).toBe('sealed-secret');
    });

    it("drops a deleted destination's queued and retrying deliveries with a reason, counts them once, and leaves the others", async () => {
      const workspaceId = await freshWorkspace(store());
      const other = await freshWorkspace(store());
      const destinationId = `dst_deleted_${randomUUID()}`;
      // Times near now: counter rows of old minutes would upset the counter pruning test sharing this store.
      const t = Date.now() - 60_000;
      const row = (messageId: string, status: DeliveryRecord['status'], extra: Partial<DeliveryRecord> = {}): DeliveryRecord => ({ workspaceId, destinationId, messageId, sourceId: 'src', status, attempts: status === 'queued' ? 0 : 2, reason: null, lastError: null, updatedAt: t, ...extra });
      await store().deliveries.record([
        row('queued', 'queued'),
        row('retrying', 'retrying', { lastError: 'HTTP 429', nextAttemptAt: t + 30_000, firstAttemptAt: t - 1000 }),
        row('delivered', 'delivered'),
        row('failed', 'failed', { reason: 'http_400' }),
        row('filtered', 'dropped', { reason: 'filter' }),
        { ...row('elsewhere', 'queued'), destinationId: 'dst_still_there' },
        { ...row('other-ws', 'queued'), workspaceId: other },
      ]);
      const at = Date.now();
      const drop = { reason: 'destination_deleted', message: 'The destination was deleted.', at };
      expect(await store().deliveries.dropWaiting(workspaceId, destinationId, drop)).toBe(2);
      const states = await store().deliveries.list({ workspaceId, destinationId, limit: 10 });
      expect(Object.fromEntries(states.map((d) => [d.messageId, [d.status, d.reason]]))).toEqual({
        queued: ['dropped', 'destination_deleted'],
        retrying: ['dropped', 'destination_deleted'],
        delivered: ['delivered', null],
        failed: ['failed', 'http_400'],
        filtered: ['dropped', 'filter'],
      });
      const retried = states.find((d) => d.messageId === 'retrying')!;
      expect(retried).toMatchObject({ attempts: 2, lastError: 'The destination was deleted.', updatedAt: at });
      expect(retried).not.toHaveProperty('nextAttemptAt');
      expect(retried).not.toHaveProperty('firstAttemptAt');
      expect(await store().deliveries.countWithStatus(workspaceId, 'dst_still_there', 'queued')).toBe(1);
      expect(await store().deliveries.countWithStatus(other, destinationId, 'queued')).toBe(1);

      // A second call (another router process) changes and counts nothing more.
      expect(await store().deliveries.dropWaiting(workspaceId, destinationId, { ...drop, at: at + 1 })).toBe(0);
      const counted = (await store().deliveries.counters(workspaceId, t - MINUTE, at + MINUTE, destinationId)).filter((c) => c.reason === 'destination_deleted');
      expect(counted.map((c) => [c.status, c.count, c.minute])).toEqual([['dropped', 2, Math.floor(at / MINUTE) * MINUTE]]);
    });

    it('counts every recorded outcome per destination, minute, status and reason', async () => {
      const workspaceId = await freshWorkspace(store());
      const other = await freshWorkspace(store());
      const base = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
      const row = (destinationId: string, messageId: string, status: DeliveryRecord['status'], reason: string | null, at: number, ws = workspaceId): DeliveryRecord => ({
        workspaceId: ws, destinationId, messageId, sourceId: 'src', status, attempts: status === 'queued' || status === 'dropped' ? 0 : 1, reason, lastError: null, updatedAt: at,
      });
      await store().deliveries.record([
        row('dst_a', 'm1', 'queued', null, base + 1000),
        row('dst_a', 'm2', 'dropped', 'filter', base + 2000),
        row('dst_a', 'm3', 'dropped', 'consent_denied:advertising', base + 3000),
        row('dst_b', 'm1', 'queued', null, base + 4000),
        row('dst_x', 'm9', 'queued', null, base + 4000, other),
      ]);
      await store().deliveries.record([row('dst_a', 'm1', 'retrying', null, base + MINUTE + 5), row('dst_a', 'm4', 'dropped', 'filter', base + MINUTE + 6)]);
      await store().deliveries.record([row('dst_a', 'm1', 'delivered', null, base + 2 * MINUTE), row('dst_a', 'm4b', 'dropped', 'filter', base + 30_000)]);

      const counters = await store().deliveries.counters(workspaceId, base, base + 3 * MINUTE);
      const key = (c: { destinationId: string; minute: number; status: string; reason: string }) => `${c.destinationId} +${(c.minute - base) / MINUTE} ${c.status} ${c.reason}`;
      expect(Object.fromEntries(counters.map((c) => [key(c), c.count]))).toEqual({
        'dst_a +0 queued ': 1,
        'dst_a +0 dropped filter': 2,
        'dst_a +0 dropped consent_denied:advertising': 1,
        'dst_b +0 queued ': 1,
        'dst_a +1 retrying ': 1,
        'dst_a +1 dropped filter': 1,
        'dst_a +2 delivered ': 1,
      });
      expect((await store().deliveries.counters(workspaceId, base, base + 3 * MINUTE, 'dst_b')).map((c) => c.count)).toEqual([1]);
      expect(await store().deliveries.counters(workspaceId, base + MINUTE, base + 2 * MINUTE, 'dst_b')).toEqual([]);
      // The delivery log itself keeps only the latest state.
      expect((await store().deliveries.list({ workspaceId, destinationId: 'dst_a', messageId: 'm1', limit: 5 })).map((d) => d.status)).toEqual(['delivered']);
    });

    it('keeps a retrying delivery\'s retry state, finds the retrying ones among given events of a destination, and forgets the state in the next state', async () => {
      const workspaceId = await freshWorkspace(store());
      const at = Date.now();
      const base = { workspaceId, destinationId: 'dst_next', messageId: `m-${randomUUID()}`, sourceId: 'src', reason: null } as const;
      await store().deliveries.record([
        { ...base, status: 'retrying', attempts: 1, lastError: 'HTTP 503', updatedAt: at, nextAttemptAt: at + 1500.4, firstAttemptAt: at - 10 },
        { ...base, messageId: `other-${randomUUID()}`, status: 'delivered', attempts: 1, lastError: null, updatedAt: at },
        { ...base, destinationId: 'dst_elsewhere', status: 'retrying', attempts: 3, lastError: 'HTTP 500', updatedAt: at, nextAttemptAt: at + 9000, firstAttemptAt: at - 99 },
      ]);
      const [retrying] = await store().deliveries.forMessage(workspaceId, base.messageId).then((rows) => rows.filter((r) => r.destinationId === 'dst_next'));
      expect(retrying).toMatchObject({ status: 'retrying', attempts: 1, nextAttemptAt: at + 1500, firstAttemptAt: at - 10 });
      const key = (messageId: string, sourceId = 'src') => ({ sourceId, messageId });
      const asked = [base.messageId, `never-${randomUUID()}`, ...Array.from({ length: 1500 }, (_, i) => `filler-${i}`)].map((m) => key(m));
      expect((await store().deliveries.retrying(workspaceId, 'dst_next', asked)).map((r) => [r.messageId, r.attempts, r.nextAttemptAt, r.firstAttemptAt])).toEqual([[base.messageId, 1, at + 1500, at - 10]]);
      // Found past the first chunk of a long list, and only of the workspace and destination asked about.
      expect((await store().deliveries.retrying(workspaceId, 'dst_next', [...asked.slice(1), key(base.messageId)])).map((r) => r.messageId)).toEqual([base.messageId]);
      expect(await store().deliveries.retrying(await freshWorkspace(store()), 'dst_next', asked)).toEqual([]);
      expect(await store().deliveries.retrying(workspaceId, 'dst_a', asked)).toEqual([]);
      expect(await store().deliveries.retrying(workspaceId, 'dst_next', [])).toEqual([]);
      // Only of the source asked about: another source's event with the same messageId has its own state.
      expect(await store().deliveries.retrying(workspaceId, 'dst_next', [key(base.messageId, 'src_other')])).toEqual([]);
      await store().deliveries.record([{ ...base, sourceId: 'src_other', status: 'retrying', attempts: 5, lastError: 'HTTP 502', updatedAt: at, nextAttemptAt: at + 7000, firstAttemptAt: at - 70 }]);
      expect((await store().deliveries.retrying(workspaceId, 'dst_next', [key(base.messageId), key(base.messageId, 'src_other')])).map((r) => [r.sourceId, r.attempts]).sort()).toEqual([['src', 1], ['src_other', 5]]);
      await store().deliveries.record([{ ...base, status: 'delivered', attempts: 2, lastError: null, updatedAt: at + 1600 }]);
      const [delivered] = await store().deliveries.list({ workspaceId, destinationId: 'dst_next', messageId: base.messageId, sourceId: 'src', limit: 5 });
      expect(delivered).toMatchObject({ status: 'delivered', attempts: 2 });
      expect(delivered).not.toHaveProperty('nextAttemptAt');
      expect(delivered).not.toHaveProperty('firstAttemptAt');
      expect(await store().deliveries.retrying(workspaceId, 'dst_next', [key(base.messageId)])).toEqual([]);
      expect((await store().deliveries.retrying(workspaceId, 'dst_next', [key(base.messageId, 'src_other')])).map((r) => r.attempts)).toEqual([5]);
    });

    it("forgets events' delivery rows at every destination, only in the workspace and of the source asked about, and counts what is left", async () => {
      const workspaceId = await freshWorkspace(store());
      const other = await freshWorkspace(store());
      const id = (n: number) => `forget-${n}-${randomUUID()}`;
      const [gone, kept] = [id(1), id(2)];
      const key = (messageId: string, sourceId = 'src') => ({ sourceId, messageId });
      const row = (ws: string, destinationId: string, messageId: string, sourceId = 'src'): DeliveryRecord => ({ workspaceId: ws, destinationId, messageId, sourceId, status: 'delivered', attempts: 1, reason: null, lastError: null, updatedAt: Date.now() });
      await store().deliveries.record([
        row(workspaceId, 'dst_a', gone), row(workspaceId, 'dst_b', gone), row(workspaceId, 'dst_a', kept), row(other, 'dst_z', gone),
        // Another source's event with the same messageId (someone else's): its row stays.
        row(workspaceId, 'dst_a', gone, 'src_other'),
      ]);
      expect(await store().deliveries.countFor(workspaceId, [key(gone), key(kept)])).toBe(3);
      expect(await store().deliveries.countFor(workspaceId, [key(gone), key(gone, 'src_other')])).toBe(3);
      const many = [...Array.from({ length: 1500 }, (_, i) => `filler-${i}`), gone].map((m) => key(m)); // past the first chunk
      expect(await store().deliveries.forget(workspaceId, many)).toBe(2);
      expect(await store().deliveries.countFor(workspaceId, many)).toBe(0);
      expect(await store().deliveries.countFor(workspaceId, [key(kept)])).toBe(1);
      expect(await store().deliveries.countFor(other, [key(gone)])).toBe(1);
      expect((await store().deliveries.forMessage(workspaceId, gone)).map((d) => [d.sourceId, d.destinationId])).toEqual([['src_other', 'dst_a']]);
      expect(await store().deliveries.forget(workspaceId, [])).toBe(0);
    });

    it('keeps the deliveries of two sources\' events that share a messageId apart: one row each per destination', async () => {
      const workspaceId = await freshWorkspace(store());
      const destinationId = `dst_shared_${randomUUID()}`;
      const messageId = `shared-${randomUUID()}`;
      const at = Date.now() - 60_000;
      const row = (sourceId: string, status: DeliveryRecord['status'], updatedAt = at, extra: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
        workspaceId, destinationId, messageId, sourceId, status, attempts: status === 'queued' ? 0 : 1, reason: null, lastError: null, updatedAt, ...extra,
      });
      // Both queued in one call (a processor batch holding both events), then each source's outcome on its own.
      await store().deliveries.record([row('src_1', 'queued'), row('src_2', 'queued')]);
      await store().deliveries.record([row('src_2', 'failed', at + 10, { reason: 'http_400', lastError: 'HTTP 400' })]);
      await store().deliveries.record([row('src_1', 'delivered', at + 20)]);
      const states = (rows: readonly DeliveryRecord[]) => rows.map((d) => [d.sourceId, d.status, d.reason]);
      expect(states(await store().deliveries.forMessage(workspaceId, messageId))).toEqual([['src_1', 'delivered', null], ['src_2', 'failed', 'http_400']]);
      expect(states(await store().deliveries.forMessage(workspaceId, messageId, 'src_2'))).toEqual([['src_2', 'failed', 'http_400']]);
      expect(states(await store().deliveries.list({ workspaceId, destinationId, messageId, limit: 10 }))).toEqual([['src_1', 'delivered', null], ['src_2', 'failed', 'http_400']]);
      expect(states(await store().deliveries.list({ workspaceId, destinationId, messageId, sourceId: 'src_1', limit: 10 }))).toEqual([['src_1', 'delivered', null]]);
      expect(await store().deliveries.countWithStatus(workspaceId, destinationId, 'failed')).toBe(1);
      expect(await store().deliveries.countFor(workspaceId, [{ sourceId: 'src_1', messageId }, { sourceId: 'src_2', messageId }])).toBe(2);
      // Updated in the same millisecond, the two rows page apart: ordered by sourceId after the messageId.
      await store().deliveries.record([row('src_1', 'failed', at + 30), row('src_2', 'failed', at + 30)]);
      const first = await store().deliveries.list({ workspaceId, destinationId, status: 'failed', limit: 1 });
      const second = await store().deliveries.list({ workspaceId, destinationId, status: 'failed', before: first[0]!, limit: 1 });
      const third = await store().deliveries.list({ workspaceId, destinationId, status: 'failed', before: second[0]!, limit: 1 });
      expect([...first, ...second, ...third].map((d) => d.sourceId)).toEqual(['src_2', 'src_1']);
      const oldestFirst = await store().deliveries.list({ workspaceId, destinationId, status: 'failed', order: 'oldest-first', after: { updatedAt: at + 30, messageId, sourceId: 'src_1' }, limit: 10 });
      expect(oldestFirst.map((d) => d.sourceId)).toEqual(['src_2']);
    });

    it("summarizes what a destination has waiting: its oldest queued delivery, and its retrying ones since their first attempt", async () => {
      const workspaceId = await freshWorkspace(store());
      const destinationId = `dst_wait_${randomUUID()}`;
      expect(await store().deliveries.waitingSummary(workspaceId, destinationId)).toEqual({ oldestQueuedAt: undefined, retrying: 0, oldestRetryingSince: undefined });
      // Times near now: counter rows of old minutes would upset the counter pruning test sharing this store.
      const t = Date.now() - 60_000;
      const row = (messageId: string, status: DeliveryRecord['status'], at: number, extra: Partial<DeliveryRecord> = {}): DeliveryRecord => ({ workspaceId, destinationId, messageId: `${messageId}-${randomUUID()}`, sourceId: 'src', status, attempts: 1, reason: null, lastError: null, updatedAt: t + at, ...extra });
      await store().deliveries.record([
        row('q1', 'queued', 5000),
        row('q2', 'queued', 3000),
        row('d1', 'delivered', 1000),
        row('r1', 'retrying', 9000, { nextAttemptAt: t + 10_000, firstAttemptAt: t + 4000 }),
        row('r2', 'retrying', 8000, { nextAttemptAt: t + 10_000, firstAttemptAt: t + 2500 }),
        { ...row('elsewhere', 'queued', 100), destinationId: 'dst_other' },
        { ...row('other-ws', 'retrying', 100, { firstAttemptAt: t + 50 }), workspaceId: await freshWorkspace(store()) },
      ]);
      expect(await store().deliveries.waitingSummary(workspaceId, destinationId)).toEqual({ oldestQueuedAt: t + 3000, retrying: 2, oldestRetryingSince: t + 2500 });
      // Counts by status, optionally of rows last updated before a time.
      expect(await store().deliveries.countWithStatus(workspaceId, destinationId, 'queued')).toBe(2);
      expect(await store().deliveries.countWithStatus(workspaceId, destinationId, 'queued', t + 5000)).toBe(1);
      expect(await store().deliveries.countWithStatus(workspaceId, destinationId, 'retrying', t + 9001)).toBe(2);
      expect(await store().deliveries.countWithStatus(workspaceId, destinationId, 'failed')).toBe(0);
      expect(await store().deliveries.countWithStatus(workspaceId, 'dst_other', 'queued')).toBe(1);
    });

    it('lists a destination\'s deliveries newest or oldest first, paged by cursors on either side', async () => {
      const workspaceId = await freshWorkspace(store());
      const destinationId = `dst_list_${randomUUID()}`;
      const t = Date.now() - 60_000;
      const row = (messageId: string, at: number, status: DeliveryRecord['status'] = 'failed'): DeliveryRecord => ({ workspaceId, destinationId, messageId, sourceId: 'src', status, attempts: 1, reason: 'http_400', lastError: null, updatedAt: t + at });
      // b and c failed in the same millisecond: the messageId orders them.
      await store().deliveries.record([row('d', 3000), row('c', 2000), row('a', 1000), row('b', 2000), row('e', 4000), row('ok', 2500, 'delivered')]);
      const ids = async (q: { before?: { updatedAt: number; messageId: string }; after?: { updatedAt: number; messageId: string }; order?: 'newest-first' | 'oldest-first'; limit?: number }) =>
        (await store().deliveries.list({ workspaceId, destinationId, status: 'failed', limit: 10, ...q })).map((d) => d.messageId);
      expect(await ids({})).toEqual(['e', 'd', 'c', 'b', 'a']);
      expect(await ids({ order: 'oldest-first' })).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(await ids({ order: 'oldest-first', after: { updatedAt: t + 2000, messageId: 'b' }, limit: 2 })).toEqual(['c', 'd']);
      expect(await ids({ order: 'oldest-first', after: { updatedAt: t + 1000, messageId: 'a' }, before: { updatedAt: t + 4000, messageId: '' } })).toEqual(['b', 'c', 'd']);
      expect(await ids({ before: { updatedAt: t + 2000, messageId: 'c' } })).toEqual(['b', 'a']);
    });

    it('keeps the latest pause a destination asked for, per destination and workspace', async () => {
      const workspaceId = await freshWorkspace(store());
      const destinationId = `dst_pause_${randomUUID()}`;
      expect(await store().deliveries.pauseOf(workspaceId, destinationId)).toBeUndefined();
      await store().deliveries.pause(workspaceId, destinationId, 5_000, 'HTTP 429');
      await store().deliveries.pause(workspaceId, destinationId, 4_000, 'HTTP 503');
      expect(await store().deliveries.pauseOf(workspaceId, destinationId)).toEqual({ until: 5_000, reason: 'HTTP 429' });
      await store().deliveries.pause(workspaceId, destinationId, 9_000, 'HTTP 503');
      expect(await store().deliveries.pauseOf(workspaceId, destinationId)).toEqual({ until: 9_000, reason: 'HTTP 503' });
      expect(await store().deliveries.pauseOf(await freshWorkspace(store()), destinationId)).toBeUndefined();
    });

    it('keeps the last of several states of one delivery in one call, and counts each of them, runs and interleaved', async () => {
      const workspaceId = await freshWorkspace(store());
      const at = Math.floor(Date.now() / MINUTE) * MINUTE - 20 * MINUTE;
      const row = (destinationId: string, messageId: string, status: DeliveryRecord['status'], reason: string | null = null): DeliveryRecord => ({
        workspaceId, destinationId, messageId, sourceId: 'src', status, attempts: 1, reason, lastError: status === 'retrying' ? 'http_503' : null, updatedAt: at,
      });
      await store().deliveries.record([
        row('dst_last_a', 'm1', 'retrying'),
        row('dst_last_a', 'm2', 'retrying'),
        row('dst_last_b', 'm1', 'delivered'),
        row('dst_last_a', 'm3', 'retrying'),
        row('dst_last_a', 'm1', 'delivered'),
        row('dst_last_a', 'm2', 'failed', 'http_400'),
      ]);
      const counters = await store().deliveries.counters(workspaceId, at, at + MINUTE);
      expect(Object.fromEntries(counters.map((c) => [`${c.destinationId.slice(9)} ${c.status} ${c.reason}`, c.count]))).toEqual({
        'a retrying ': 3,
        'b delivered ': 1,
        'a delivered ': 1,
        'a failed http_400': 1,
      });
      const states = await store().deliveries.list({ workspaceId, destinationId: 'dst_last_a', limit: 10 });
      expect(Object.fromEntries(states.map((d) => [d.messageId, d.status]))).toEqual({ m1: 'delivered', m2: 'failed', m3: 'retrying' });
    });

    it('prunes counters older than a time', async () => {
      const workspaceId = await freshWorkspace(store());
      const old = 5 * MINUTE; // 1970: older than any other test's counters
      await store().deliveries.record([{ workspaceId, destinationId: 'dst_old', messageId: 'm', sourceId: 's', status: 'delivered', attempts: 1, reason: null, lastError: null, updatedAt: old }]);
      await store().deliveries.record([{ workspaceId, destinationId: 'dst_old', messageId: 'n', sourceId: 's', status: 'delivered', attempts: 1, reason: null, lastError: null, updatedAt: old + 3 * MINUTE }]);
      expect(await store().deliveries.pruneCounters(old + MINUTE)).toBe(1);
      expect((await store().deliveries.counters(workspaceId, 0, old + 10 * MINUTE)).map((c) => c.minute)).toEqual([old + 3 * MINUTE]);
    });

    it("counts a subject's deliveries per destination (delivered since and until when, withheld by reason, failed, waiting), through either identifier", async () => {
      const workspaceId = await freshWorkspace(store());
      const other = await freshWorkspace(store());
      // Message ids unique to this test: the contract's store is shared, and events are deduplicated by (source, messageId).
      const run = randomUUID();
      const ev = (messageId: string, userId: string | null, anonymousId: string | null) => segmentEvent({ messageId: `${messageId}-${run}`, userId, anonymousId });
      await store().events.insertMany([
        { workspaceId, sourceId: 'src_a', event: ev('m1', 'ada', null) },
        { workspaceId, sourceId: 'src_a', event: ev('m2', null, 'anon-ada') },
        { workspaceId, sourceId: 'src_a', event: ev('m3', 'ada', null) },
        // The same messageId from another source, someone else's event: its deliveries are not Ada's.
        { workspaceId, sourceId: 'src_b', event: ev('m3', 'bob', null) },
        { workspaceId, sourceId: 'src_a', event: ev('m5', 'bob', null) },
        { workspaceId: other, sourceId: 'src_c', event: ev('m1', 'ada', null) },
      ]);
      const row = (destinationId: string, messageId: string, sourceId: string, status: DeliveryRecord['status'], at: number, ws = workspaceId): DeliveryRecord => ({
        workspaceId: ws, destinationId, messageId: `${messageId}-${run}`, sourceId, status, attempts: 1, reason: null, lastError: null, updatedAt: at,
      });
      await store().deliveries.record([
        row('dst_a', 'm1', 'src_a', 'delivered', 1000),
        row('dst_a', 'm3', 'src_a', 'delivered', 3000),
        row('dst_b', 'm2', 'src_a', 'delivered', 2000),
        row('dst_c', 'm3', 'src_a', 'failed', 9000),
        row('dst_d', 'm3', 'src_b', 'delivered', 4000),
        row('dst_e', 'm5', 'src_a', 'delivered', 5000),
        row('dst_f', 'm1', 'src_c', 'delivered', 6000, other),
        { ...row('dst_g', 'm1', 'src_a', 'dropped', 7000), reason: 'consent_denied:advertising' },
        { ...row('dst_g', 'm2', 'src_a', 'dropped', 7100), reason: 'consent_denied:advertising' },
        { ...row('dst_g', 'm3', 'src_a', 'dropped', 7200), reason: 'suppressed' },
        row('dst_h', 'm1', 'src_a', 'queued', 8000),
      ]);
      const summary = await store().subjectData.deliverySummary(workspaceId, { userIds: ['ada'], anonymousIds: ['anon-ada'] });
      const none = { delivered: 0, dropped: {}, failed: 0, waiting: 0 };
      expect(Object.fromEntries(summary)).toEqual({
        dst_a: { ...none, delivered: 2, firstDeliveredAt: 1000, lastDeliveredAt: 3000 },
        dst_b: { ...none, delivered: 1, firstDeliveredAt: 2000, lastDeliveredAt: 2000 },
        dst_c: { ...none, failed: 1 },
        dst_g: { ...none, dropped: { 'consent_denied:advertising': 2, suppressed: 1 } },
        dst_h: { ...none, waiting: 1 },
      });
      const anonymousOnly = await store().subjectData.deliverySummary(workspaceId, { userIds: [], anonymousIds: ['anon-ada'] });
      expect(Object.fromEntries(anonymousOnly)).toEqual({ dst_b: { ...none, delivered: 1, firstDeliveredAt: 2000, lastDeliveredAt: 2000 }, dst_g: { ...none, dropped: { 'consent_denied:advertising': 1 } } });
    });
  });
}
