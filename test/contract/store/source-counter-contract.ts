import { describe, expect, it } from 'vitest';
import type { SourceCounter, SourceRejection } from '../../../src/store/store.js';
import type { StoreContractContext } from '../store-contract.js';
import { freshWorkspace } from './fixtures.js';

const MINUTE = 60_000;

export function sourceCounterContract({ store }: StoreContractContext): void {
  describe('source counters', () => {
    it('adds increments to the same (source, minute, kind, reason), also from concurrent writers', async () => {
      const workspaceId = await freshWorkspace(store());
      const base = 1_000 * MINUTE; // 1970: no other test's rows
      const row = (sourceId: string, minute: number, kind: SourceCounter['kind'], reason: string, count: number): SourceCounter => ({ workspaceId, sourceId, minute, kind, reason, count });
      const sourceA = `src_a_${workspaceId}`;
      const sourceB = `src_b_${workspaceId}`;
      // Ten writers at once, as several ingest processes flushing the same minute.
      await Promise.all(Array.from({ length: 10 }, () => store().sourceCounters.add([row(sourceA, base, 'received', '', 7), row(sourceA, base, 'rejected', 'too_many_requests', 1)])));
      // Without waiting for the store, where nothing else writes: written, like any other add.
      expect(await store().sourceCounters.add([row(sourceA, base + MINUTE, 'dropped', 'suppressed', 2), row(sourceB, base, 'withheld', 'filter', 3)], { wait: false })).toBe(true);
      // More rows than one statement carries (500): written in one transaction, all of them.
      await store().sourceCounters.add(Array.from({ length: 1200 }, (_, i) => row(sourceB, base + 2 * MINUTE, 'rejected', `code_${i % 600}`, 1)));

      const rows = await store().sourceCounters.list(workspaceId, base, base + 2 * MINUTE);
      const key = (c: SourceCounter) => `${c.sourceId === sourceA ? 'A' : 'B'} +${(c.minute - base) / MINUTE} ${c.kind} ${c.reason}`;
      expect(Object.fromEntries(rows.map((c) => [key(c), c.count]))).toEqual({
        'A +0 received ': 70,
        'A +0 rejected too_many_requests': 10,
        'B +0 withheld filter': 3,
        'A +1 dropped suppressed': 2,
      });
      expect((await store().sourceCounters.list(workspaceId, base, base + 3 * MINUTE, sourceB)).reduce((n, c) => n + c.count, 0)).toBe(1203);
      // Another workspace sees none of it.
      expect(await store().sourceCounters.list(await freshWorkspace(store()), base, base + 3 * MINUTE)).toEqual([]);
    });

    it('keeps installation-wide rows apart and prunes old minutes', async () => {
      const old = 7 * MINUTE;
      await store().sourceCounters.add([
        { workspaceId: '', sourceId: '', minute: old, kind: 'rejected', reason: 'unknown_source', count: 4 },
        { workspaceId: '', sourceId: '', minute: old + 3 * MINUTE, kind: 'rejected', reason: 'unknown_source', count: 1 },
      ]);
      expect((await store().sourceCounters.list('', 0, old + 10 * MINUTE, '')).map((c) => c.count)).toEqual([4, 1]);
      expect(await store().sourceCounters.prune(old + MINUTE)).toBeGreaterThanOrEqual(1);
      expect((await store().sourceCounters.list('', 0, old + 10 * MINUTE, '')).map((c) => c.minute)).toEqual([old + 3 * MINUTE]);
    });
    it('keeps the latest rejection per source and code, with its example, and prunes old ones', async () => {
      const workspaceId = await freshWorkspace(store());
      const sourceId = `src_rej_${workspaceId}`;
      const base = 2_000 * MINUTE;
      const rejection = (code: string, at: number, example?: SourceRejection['example']): SourceRejection => ({ workspaceId, sourceId, code, message: `${code} at ${at}`, at, ...(example && { example }) });
      const shape = { type: 'string', properties: { price: 'number' } };
      await store().sourceCounters.saveRejections([rejection('invalid_timestamp', base + 10, { type: 'track', event: 'Order Completed', shape }), rejection('too_many_requests', base + 20)]);
      // An older rejection written late (another ingest process) does not replace a newer one.
      await store().sourceCounters.saveRejections([rejection('invalid_timestamp', base + 5), rejection('too_many_requests', base + 30)]);
      const kept = await store().sourceCounters.rejections(workspaceId, sourceId, base);
      expect(kept).toEqual([rejection('too_many_requests', base + 30), rejection('invalid_timestamp', base + 10, { type: 'track', event: 'Order Completed', shape })]);
      expect(await store().sourceCounters.rejections(workspaceId, sourceId, base + 15)).toEqual([rejection('too_many_requests', base + 30)]);
      expect(await store().sourceCounters.rejections(await freshWorkspace(store()), sourceId, 0)).toEqual([]);
      await store().sourceCounters.prune(base + 20);
      expect((await store().sourceCounters.rejections(workspaceId, sourceId, 0)).map((r) => r.code)).toEqual(['too_many_requests']);
    });
  });
}
