import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreContractContext } from '../store-contract.js';

export function pipelineAlertContract({ store }: StoreContractContext): void {
  describe('pipeline alerts', () => {
    const episode = (openedAt: number) => ({ id: `palert_${randomUUID()}`, kind: 'processing_behind' as const, openedAt, waitingSince: openedAt - 600_000, backlog: 1234 });

    it('opens one episode however many processes try at once, resolves it once, and keeps the history', async () => {
      // The table is installation-wide: whatever another test left open is resolved first.
      await store().pipelineAlerts.resolve('processing_behind', 1, 'caught_up');
      const opened = await Promise.all(Array.from({ length: 6 }, (_, i) => store().pipelineAlerts.open(episode(10_000 + i))));
      expect(opened.filter(Boolean)).toHaveLength(1);
      const [open] = await store().pipelineAlerts.openNow();
      expect(open).toMatchObject({ kind: 'processing_behind', backlog: 1234, resolvedAt: null, resolution: null });
      expect(open!.waitingSince).toBe(open!.openedAt - 600_000);

      const resolutions = await Promise.all([1, 2, 3].map(() => store().pipelineAlerts.resolve('processing_behind', 20_000, 'caught_up')));
      expect(resolutions.filter((r) => r !== undefined)).toEqual([expect.objectContaining({ id: open!.id, resolvedAt: 20_000, resolution: 'caught_up' })]);
      expect(await store().pipelineAlerts.openNow()).toEqual([]);
      expect(await store().pipelineAlerts.open(episode(30_000))).toBe(true);
      const history = await store().pipelineAlerts.list(2);
      expect(history.map((a) => a.resolution)).toEqual([null, 'caught_up']);
      await store().pipelineAlerts.resolve('processing_behind', 40_000, 'caught_up');
      expect(await store().pipelineAlerts.prune(40_001)).toBeGreaterThanOrEqual(2);
      expect((await store().pipelineAlerts.list(10)).filter((a) => a.id === open!.id)).toEqual([]);
    });
  });
}
