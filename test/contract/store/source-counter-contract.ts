import { describe, expect, it } from 'vitest';
import type { SourceCounter } from '../../../src/store/store.js';
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
      await store().sourceCounters.add([row(sourceA, base + MINUTE, 'dropped', 'suppressed', 2), row(sourceB, base, 'withheld', 'filter', 3)]);
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
  });
}
