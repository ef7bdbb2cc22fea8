import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../../../src/store/store.js';
import type { StoreContractContext } from '../store-contract.js';
import { freshWorkspace, segmentEvent } from './fixtures.js';

export function eventContract({ store }: StoreContractContext): void {
  describe('events', () => {
    it('inserts events in input order with increasing sequence numbers, and round-trips the payload', async () => {
      const workspaceId = await freshWorkspace(store());
      const events = [segmentEvent({ properties: { n: 1, nested: { a: [1, 2] } } }), segmentEvent({ type: 'identify', event: undefined, traits: { email: 'a@example.com' } })];
      const inserted = await store().events.insertMany(events.map((event) => ({ workspaceId, sourceId: 'src_a', event })));
      expect(inserted.map((e) => e.event.messageId)).toEqual(events.map((e) => e.messageId));
      // The input's own objects (the processor's store stage matches them by identity).
      inserted.forEach((e, i) => expect(e.event).toBe(events[i]));
      expect(inserted[1]!.seq).toBeGreaterThan(inserted[0]!.seq);
      const stored = await store().events.query({ workspaceId, limit: 10 });
      expect(stored.map((e) => e.event)).toEqual([...events].reverse().map((e) => JSON.parse(JSON.stringify(e))));
      expect(stored[0]).toMatchObject({ workspaceId, sourceId: 'src_a', seq: inserted[1]!.seq });
    });

    it('stores the given serialized JSON when the caller provides it', async () => {
      const workspaceId = await freshWorkspace(store());
      const event = segmentEvent();
      const json = JSON.stringify({ ...event, extra: 'from-json' });
      await store().events.insertMany([{ workspaceId, sourceId: 'src_a', event, json }]);
      const [stored] = await store().events.query({ workspaceId, limit: 1 });
      expect(stored?.event.extra).toBe('from-json');
    });

    it('skips a messageId already stored for the same source (redelivery), but not for another source', async () => {
      const workspaceId = await freshWorkspace(store());
      const event = segmentEvent();
      const first = await store().events.insertMany([{ workspaceId, sourceId: 'src_a', event }]);
      expect(first).toHaveLength(1);
      const again = await store().events.insertMany([{ workspaceId, sourceId: 'src_a', event }, { workspaceId, sourceId: 'src_b', event }]);
      expect(again.map((e) => e.sourceId)).toEqual(['src_b']);
      expect(await store().events.count(workspaceId)).toBe(2);
    });

    it('finds stored events by their keys (source and messageId), oldest first, in their workspace only', async () => {
      const workspaceId = await freshWorkspace(store());
      const other = await freshWorkspace(store());
      const [a, b] = [segmentEvent(), segmentEvent()];
      const inserted = await store().events.insertMany([
        { workspaceId, sourceId: 'src_keys_1', event: a },
        { workspaceId, sourceId: 'src_keys_2', event: a }, // the same messageId from another source
        { workspaceId, sourceId: 'src_keys_1', event: b },
      ]);
      const found = await store().events.byKeys(workspaceId, [
        { sourceId: 'src_keys_1', messageId: b.messageId },
        { sourceId: 'src_keys_1', messageId: a.messageId },
        { sourceId: 'src_keys_1', messageId: 'never-stored' },
        { sourceId: 'src_keys_3', messageId: a.messageId },
      ]);
      expect(found.map((e) => [e.sourceId, e.event.messageId, e.seq])).toEqual([
        ['src_keys_1', a.messageId, inserted[0]!.seq],
        ['src_keys_1', b.messageId, inserted[2]!.seq],
      ]);
      expect(await store().events.byKeys(other, [{ sourceId: 'src_keys_1', messageId: a.messageId }])).toEqual([]);
      expect(await store().events.byKeys(workspaceId, [])).toEqual([]);
    });

    it('reads stored payloads by seq, as stored, only where the seq still holds the event its reference names', async () => {
      const workspaceId = await freshWorkspace(store());
      const other = await freshWorkspace(store());
      const [a, b] = [segmentEvent(), segmentEvent()];
      const json = JSON.stringify({ ...a, stored: 'as-is' });
      const [sa, sb] = await store().events.insertMany([
        { workspaceId, sourceId: 'src_ref', event: a, json },
        { workspaceId, sourceId: 'src_ref', event: b },
      ]);
      const ref = (seq: number, messageId: string, ws = workspaceId, sourceId = 'src_ref') => ({ seq, workspaceId: ws, sourceId, messageId });
      const payloads = await store().events.storedPayloads([
        ref(sa!.seq, a.messageId),
        ref(sb!.seq, b.messageId),
        ref(sb!.seq + 1_000_000, 'never-stored'),
        ref(sa!.seq, b.messageId), // the seq holds another event than the reference names
      ]);
      expect(payloads.map((p) => p !== undefined)).toEqual([true, true, false, false]);
      expect(payloads[0]).toBe(json);
      expect(JSON.parse(payloads[1]!)).toEqual(JSON.parse(JSON.stringify(b)));
      // Of another workspace, or another source: absent.
      expect(await store().events.storedPayloads([ref(sa!.seq, a.messageId, other), ref(sb!.seq, b.messageId, workspaceId, 'src_else')])).toEqual([undefined, undefined]);
      expect(await store().events.storedPayloads([])).toEqual([]);
    });

    it('inserts a messageId repeated inside one batch once', async () => {
      const workspaceId = await freshWorkspace(store());
      const event = segmentEvent();
      const inserted = await store().events.insertMany([
        { workspaceId, sourceId: 'src_a', event },
        { workspaceId, sourceId: 'src_a', event },
      ]);
      expect(inserted).toHaveLength(1);
      expect(await store().events.count(workspaceId)).toBe(1);
    });

    it('inserts batches larger than one INSERT statement', async () => {
      const workspaceId = await freshWorkspace(store());
      const batch: NewEvent[] = Array.from({ length: 1203 }, () => ({ workspaceId, sourceId: 'src_big', event: segmentEvent() }));
      const inserted = await store().events.insertMany(batch);
      expect(inserted).toHaveLength(1203);
      expect(new Set(inserted.map((e) => e.seq)).size).toBe(1203);
      expect(await store().events.count(workspaceId)).toBe(1203);
    });

    it('filters by user, anonymous id, messageId, source, type, event name and receivedAt range', async () => {
      const workspaceId = await freshWorkspace(store());
      const t = Date.parse('2026-01-01T00:00:00.000Z');
      const at = (ms: number) => new Date(t + ms).toISOString();
      const e1 = segmentEvent({ userId: 'u1', event: 'Signed Up', receivedAt: at(0) });
      const e2 = segmentEvent({ userId: 'u2', anonymousId: 'anon-2', type: 'page', event: undefined, name: 'Home', receivedAt: at(1000) });
      const e3 = segmentEvent({ userId: 'u1', event: 'Order Completed', receivedAt: at(2000) });
      // Real sources: an event is found by messageId through its workspace's sources.
      const srcA = (await store().sources.create({ workspaceId, name: 'A' })).id;
      const srcB = (await store().sources.create({ workspaceId, name: 'B' })).id;
      await store().events.insertMany([
        { workspaceId, sourceId: srcA, event: e1 },
        { workspaceId, sourceId: srcB, event: e2 },
        { workspaceId, sourceId: srcA, event: e3 },
      ]);
      const ids = async (q: Partial<Parameters<ReturnType<StoreContractContext['store']>['events']['query']>[0]>) =>
        (await store().events.query({ workspaceId, limit: 100, ...q })).map((e) => e.event.messageId);
      expect(await ids({ userId: 'u1' })).toEqual([e3.messageId, e1.messageId]);
      expect(await ids({ anonymousId: 'anon-2' })).toEqual([e2.messageId]);
      expect(await ids({ messageId: e3.messageId })).toEqual([e3.messageId]);
      expect(await ids({ sourceId: srcB })).toEqual([e2.messageId]);
      expect(await ids({ messageIds: [e1.messageId, e2.messageId, 'unknown'] })).toEqual([e2.messageId, e1.messageId]);
      expect(await ids({ messageId: e3.messageId, sourceId: srcB })).toEqual([]);
      expect(await ids({ type: 'page' })).toEqual([e2.messageId]);
      expect(await ids({ event: 'Signed Up' })).toEqual([e1.messageId]);
      expect(await ids({ from: t + 1000 })).toEqual([e3.messageId, e2.messageId]);
      expect(await ids({ to: t + 1000 })).toEqual([e1.messageId]);
      expect(await ids({ limit: 1 })).toEqual([e3.messageId]);
    });

    it('reads a time range that is old among many newer events: in seq order both ways, with cursors, filters and counts', async () => {
      // Many newer events make reading the range through the received_at index the cheaper plan
      // (rangeFirst in the SQL repository): the answers must be those of walking by seq.
      const workspaceId = await freshWorkspace(store());
      const otherWorkspace = await freshWorkspace(store());
      const src = (await store().sources.create({ workspaceId, name: 'Range' })).id;
      const t = Date.parse('2025-03-01T10:00:00.000Z');
      const at = (ms: number) => new Date(t + ms).toISOString();
      const old = await store().events.insertMany(
        Array.from({ length: 30 }, (_, i) => ({ workspaceId: i % 3 === 2 ? otherWorkspace : workspaceId, sourceId: i % 2 === 0 ? src : 'src_other', event: segmentEvent({ event: i % 4 === 0 ? 'Signed Up' : 'Viewed', receivedAt: at(i * 10_000) }) })),
      );
      await store().events.insertMany(Array.from({ length: 300 }, (_, i) => ({ workspaceId, sourceId: src, event: segmentEvent({ receivedAt: at(86_400_000 + i) }) })));
      const mine = old.filter((e) => e.workspaceId === workspaceId);
      const inRange = mine.filter((e) => Date.parse(e.event.receivedAt) >= t + 50_000 && Date.parse(e.event.receivedAt) < t + 250_000);
      const range = { workspaceId, from: t + 50_000, to: t + 250_000 };
      const newestFirst = inRange.map((e) => e.seq).reverse();
      expect((await store().events.query({ ...range, limit: 100 })).map((e) => e.seq)).toEqual(newestFirst);
      expect((await store().events.query({ ...range, limit: 100, order: 'asc' })).map((e) => e.seq)).toEqual([...newestFirst].reverse());
      const page1 = await store().events.query({ ...range, limit: 4 });
      const page2 = await store().events.query({ ...range, limit: 4, beforeSeq: page1[3]!.seq });
      expect([...page1, ...page2].map((e) => e.seq)).toEqual(newestFirst.slice(0, 8));
      const asc = await store().events.query({ ...range, limit: 3, order: 'asc', afterSeq: inRange[1]!.seq });
      expect(asc.map((e) => e.seq)).toEqual(inRange.slice(2, 5).map((e) => e.seq));
      const signedUp = inRange.filter((e) => e.sourceId === src && e.event.event === 'Signed Up');
      expect(signedUp.length).toBeGreaterThan(0);
      expect((await store().events.query({ ...range, sourceId: src, event: 'Signed Up', limit: 100 })).map((e) => e.seq)).toEqual(signedUp.map((e) => e.seq).reverse());
      expect((await store().events.query({ workspaceId, to: t + 50_000, limit: 100 })).map((e) => e.seq)).toEqual(mine.filter((e) => Date.parse(e.event.receivedAt) < t + 50_000).map((e) => e.seq).reverse());
      expect(await store().events.countMatching(range)).toBe(inRange.length);
      expect(await store().events.countMatching({ ...range, sourceId: src, event: 'Signed Up' })).toBe(signedUp.length);
    });

    it('pages newest first with the beforeSeq cursor', async () => {
      const workspaceId = await freshWorkspace(store());
      const inserted = await store().events.insertMany(Array.from({ length: 5 }, () => ({ workspaceId, sourceId: 'src_a', event: segmentEvent() })));
      const page1 = await store().events.query({ workspaceId, limit: 2 });
      const page2 = await store().events.query({ workspaceId, limit: 2, beforeSeq: page1[1]!.seq });
      const page3 = await store().events.query({ workspaceId, limit: 2, beforeSeq: page2[1]!.seq });
      const seqs = [...page1, ...page2, ...page3].map((e) => e.seq);
      expect(seqs).toEqual(inserted.map((e) => e.seq).reverse());
    });

    it('keeps workspaces apart on query and count', async () => {
      const a = await freshWorkspace(store());
      const b = await freshWorkspace(store());
      await store().events.insertMany([{ workspaceId: a, sourceId: 'src_a', event: segmentEvent() }]);
      expect(await store().events.query({ workspaceId: b, limit: 10 })).toEqual([]);
      expect(await store().events.count(b)).toBe(0);
      expect(await store().events.count(a)).toBe(1);
    });

    it('returns nothing for an empty insert', async () => {
      expect(await store().events.insertMany([])).toEqual([]);
    });
  });
}
