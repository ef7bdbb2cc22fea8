import { describe, expect, it } from 'vitest';
import type { StoreContractContext } from '../store-contract.js';
import { freshWorkspace } from './fixtures.js';

const RANGE = { from: Date.parse('2026-01-01T00:00:00Z'), to: Date.parse('2026-01-02T00:00:00Z'), event: 'Order Completed' };

export function replayContract({ store }: StoreContractContext): void {
  describe('replays', () => {
    const create = async (workspaceId: string, destinationId = 'dst_a', extra: { leaseUntil?: number } = {}, now = Date.now()) =>
      store().replays.create({ workspaceId, destinationId, range: RANGE, total: 10, requestedBy: 'token:tok_1 (CI)', ...extra }, now);

    it('creates a running replay with no progress, and reads it back by id, in its own workspace only', async () => {
      const workspaceId = await freshWorkspace(store());
      const other = await freshWorkspace(store());
      const replay = await create(workspaceId);
      expect(replay).toMatchObject({ workspaceId, destinationId: 'dst_a', kind: 'range', range: RANGE, status: 'running', total: 10, read: 0, queued: 0, dropped: 0, afterSeq: 0, cursor: null, error: null, leaseUntil: null, finishedAt: null });
      expect(replay.id).toMatch(/^rpl_/);
      expect(await store().replays.get(workspaceId, replay.id)).toEqual(replay);
      expect(await store().replays.get(other, replay.id)).toBeUndefined();
      expect(await store().replays.cancel(other, replay.id, Date.now())).toBeUndefined();
      expect((await store().replays.get(workspaceId, replay.id))?.status).toBe('running');
    });

    it('lists a destination\'s replays newest first, up to the limit', async () => {
      const workspaceId = await freshWorkspace(store());
      const first = await create(workspaceId, 'dst_list', { leaseUntil: Date.now() + 60_000 }, 1_000);
      const second = await create(workspaceId, 'dst_list', { leaseUntil: Date.now() + 60_000 }, 2_000);
      await create(workspaceId, 'dst_other', { leaseUntil: Date.now() + 60_000 }, 3_000);
      expect((await store().replays.list(workspaceId, 'dst_list', 10)).map((r) => r.id)).toEqual([second.id, first.id]);
      expect((await store().replays.list(workspaceId, 'dst_list', 1)).map((r) => r.id)).toEqual([second.id]);
    });

    it('leases a running replay to one claimant at a time, and again once its lease runs out', async () => {
      const workspaceId = await freshWorkspace(store());
      const replay = await create(workspaceId, 'dst_claim');
      const now = Date.now();
      // Other tests' replays may be claimable too: claim until this one comes up.
      let claimed;
      for (let i = 0; i < 50 && claimed?.id !== replay.id; i++) claimed = await store().replays.claim(now, 60_000);
      expect(claimed).toMatchObject({ id: replay.id, leaseUntil: now + 60_000 });
      // While held, nobody else gets it.
      for (let i = 0; i < 50; i++) {
        const next = await store().replays.claim(now + 1_000, 60_000);
        if (!next) break;
        expect(next.id).not.toBe(replay.id);
      }
      // Past the lease, it can be claimed again; the old holder's writes then fail.
      let again;
      for (let i = 0; i < 50 && again?.id !== replay.id; i++) again = await store().replays.claim(now + 61_000, 60_000);
      expect(again?.leaseUntil).toBe(now + 121_000);
      expect(await store().replays.advance(replay.id, now + 60_000, { read: 5, queued: 5, dropped: 0, afterSeq: 50, cursor: null }, now + 70_000, now)).toBe(false);
      expect(await store().replays.advance(replay.id, now + 121_000, { read: 5, queued: 4, dropped: 1, afterSeq: 50, cursor: null }, now + 130_000, now + 62_000)).toBe(true);
      expect(await store().replays.get(workspaceId, replay.id)).toMatchObject({ read: 5, queued: 4, dropped: 1, afterSeq: 50, leaseUntil: now + 130_000, updatedAt: now + 62_000 });
    });

    it('finishes a held replay once, with its final progress and without a lease', async () => {
      const workspaceId = await freshWorkspace(store());
      const held = Date.now() + 60_000;
      const replay = await create(workspaceId, 'dst_finish', { leaseUntil: held });
      const progress = { read: 10, queued: 9, dropped: 1, afterSeq: 99, cursor: null };
      expect(await store().replays.finish(replay.id, held + 1, { status: 'completed' }, progress, 5_000)).toBe(false);
      expect(await store().replays.finish(replay.id, held, { status: 'failed', error: 'The destination was deleted.' }, progress, 5_000)).toBe(true);
      expect(await store().replays.get(workspaceId, replay.id)).toMatchObject({ status: 'failed', error: 'The destination was deleted.', ...progress, leaseUntil: null, finishedAt: 5_000 });
      expect(await store().replays.finish(replay.id, held, { status: 'completed' }, progress, 6_000)).toBe(false);
      // A finished replay is not cancelled, nor claimed.
      expect((await store().replays.cancel(workspaceId, replay.id, 7_000))?.status).toBe('failed');
    });

    it('keeps a replay of failed deliveries with its delivery-log cursor', async () => {
      const workspaceId = await freshWorkspace(store());
      const held = Date.now() + 60_000;
      const replay = await store().replays.create({ workspaceId, destinationId: 'dst_failed', kind: 'failed', range: { from: 0, to: 5_000 }, total: 3, requestedBy: 'test', leaseUntil: held }, 5_000);
      expect(replay).toMatchObject({ kind: 'failed', cursor: null, range: { from: 0, to: 5_000 } });
      const cursor = { updatedAt: 4_000, messageId: 'msg-7' };
      expect(await store().replays.advance(replay.id, held, { read: 2, queued: 2, dropped: 0, afterSeq: 0, cursor }, held + 1, 6_000)).toBe(true);
      expect(await store().replays.get(workspaceId, replay.id)).toMatchObject({ kind: 'failed', read: 2, cursor });
    });

    it('cancels a running replay: its holder\'s next write fails and nobody claims it', async () => {
      const workspaceId = await freshWorkspace(store());
      const held = Date.now() + 60_000;
      const replay = await create(workspaceId, 'dst_cancel', { leaseUntil: held });
      const cancelled = await store().replays.cancel(workspaceId, replay.id, 8_000);
      expect(cancelled).toMatchObject({ status: 'cancelled', finishedAt: 8_000, leaseUntil: null });
      expect(await store().replays.advance(replay.id, held, { read: 1, queued: 1, dropped: 0, afterSeq: 1, cursor: null }, held + 1, 9_000)).toBe(false);
      // Its runner then notes the page it had queued; a runner that lost the lease earlier never moves it back.
      expect(await store().replays.noteCancelledProgress(replay.id, { read: 4, queued: 3, dropped: 1, afterSeq: 4, cursor: null }, 9_500)).toBe(true);
      expect(await store().replays.noteCancelledProgress(replay.id, { read: 2, queued: 2, dropped: 0, afterSeq: 2, cursor: null }, 9_600)).toBe(false);
      expect(await store().replays.get(workspaceId, replay.id)).toMatchObject({ status: 'cancelled', read: 4, queued: 3, dropped: 1, afterSeq: 4, finishedAt: 8_000 });
      // A running replay is not written by it.
      const running = await create(workspaceId, 'dst_cancel', { leaseUntil: held });
      expect(await store().replays.noteCancelledProgress(running.id, { read: 5, queued: 5, dropped: 0, afterSeq: 5, cursor: null }, 9_700)).toBe(false);
      for (let i = 0; i < 50; i++) {
        const next = await store().replays.claim(Date.now() + 3_600_000, 60_000);
        if (!next) break;
        expect(next.id).not.toBe(replay.id);
      }
    });
  });
}
