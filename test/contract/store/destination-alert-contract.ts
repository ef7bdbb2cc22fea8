import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AlertKind } from '../../../src/store/store.js';
import type { StoreContractContext } from '../store-contract.js';

export function destinationAlertContract({ store }: StoreContractContext): void {
  describe('destination alerts', () => {
    const episode = (workspaceId: string, destinationId: string, openedAt: number, kind: AlertKind = 'failing') => ({
      id: `alert_${randomUUID()}`,
      workspaceId,
      destinationId,
      kind,
      openedAt,
      failures: 12,
      attempts: 15,
      topReason: '',
      lastError: 'HTTP 503: upstream down',
      waiting: kind === 'falling_behind' ? 4321 : null,
      oldestWaitingAt: kind === 'falling_behind' ? openedAt - 1_800_000 : null,
      notifiedAt: openedAt as number | null,
    });

    it('opens one episode per destination however many processes try at once, and resolves it once', async () => {
      const ws = `ws-${randomUUID()}`;
      const opened = await Promise.all(Array.from({ length: 8 }, (_, i) => store().destinationAlerts.open(episode(ws, 'dst_a', 1000 + i))));
      expect(opened.filter(Boolean)).toHaveLength(1);
      expect(await store().destinationAlerts.open(episode(ws, 'dst_b', 2000))).toBe(true);
      const open = await store().destinationAlerts.openOf(ws);
      expect(open.map((a) => a.destinationId).sort()).toEqual(['dst_a', 'dst_b']);
      expect(open.find((a) => a.destinationId === 'dst_b')).toMatchObject({ workspaceId: ws, openedAt: 2000, failures: 12, attempts: 15, topReason: '', lastError: 'HTTP 503: upstream down', resolvedAt: null, resolution: null });

      const resolutions = await Promise.all([1, 2, 3].map(() => store().destinationAlerts.resolve(ws, 'dst_a', 'failing', 5000, 'recovered')));
      expect(resolutions.filter((r) => r !== undefined)).toHaveLength(1);
      expect(resolutions.find((r) => r !== undefined)).toMatchObject({ destinationId: 'dst_a', resolvedAt: 5000, resolution: 'recovered' });
      expect((await store().destinationAlerts.openOf(ws)).map((a) => a.destinationId)).toEqual(['dst_b']);
      // Another workspace's destination with the same id is its own.
      expect(await store().destinationAlerts.resolve(`ws-${randomUUID()}`, 'dst_b', 'failing', 5000, 'recovered')).toBeUndefined();

      // Once resolved, the destination can fail again: a new episode.
      expect(await store().destinationAlerts.open(episode(ws, 'dst_a', 6000))).toBe(true);
      const history = await store().destinationAlerts.list(ws, { destinationId: 'dst_a', limit: 10 });
      expect(history.map((a) => [a.openedAt, a.resolution])).toEqual([[6000, null], [history[1]!.openedAt, 'recovered']]);
      expect(await store().destinationAlerts.list(ws, { limit: 2 })).toHaveLength(2);
    });

    it('keeps one open episode per destination and kind: falling behind beside failing, each resolved on its own', async () => {
      const ws = `ws-${randomUUID()}`;
      expect(await store().destinationAlerts.open(episode(ws, 'dst_a', 1000))).toBe(true);
      const behind = await Promise.all([1, 2, 3].map(() => store().destinationAlerts.open(episode(ws, 'dst_a', 2000, 'falling_behind'))));
      expect(behind.filter(Boolean)).toHaveLength(1);
      const open = await store().destinationAlerts.openOf(ws);
      expect(open.map((a) => a.kind).sort()).toEqual(['failing', 'falling_behind']);
      expect(open.find((a) => a.kind === 'falling_behind')).toMatchObject({ destinationId: 'dst_a', waiting: 4321, oldestWaitingAt: 2000 - 1_800_000, resolvedAt: null });
      expect(open.find((a) => a.kind === 'failing')).toMatchObject({ waiting: null, oldestWaitingAt: null });

      expect(await store().destinationAlerts.resolve(ws, 'dst_a', 'falling_behind', 3000, 'caught_up')).toMatchObject({ kind: 'falling_behind', resolution: 'caught_up', resolvedAt: 3000 });
      expect((await store().destinationAlerts.openOf(ws)).map((a) => a.kind)).toEqual(['failing']);
      expect(await store().destinationAlerts.resolve(ws, 'dst_a', 'falling_behind', 3000, 'caught_up')).toBeUndefined();
    });

    it('records once when an episode opened while muted is told, and never for one resolved meanwhile', async () => {
      const ws = `ws-${randomUUID()}`;
      const muted = { ...episode(ws, 'dst_a', 1000), notifiedAt: null };
      expect(await store().destinationAlerts.open(muted)).toBe(true);
      expect((await store().destinationAlerts.openOf(ws))[0]).toMatchObject({ notifiedAt: null });
      const claims = await Promise.all([1, 2, 3].map(() => store().destinationAlerts.markNotified(ws, muted.id, 5000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect((await store().destinationAlerts.openOf(ws))[0]).toMatchObject({ notifiedAt: 5000 });
      expect(await store().destinationAlerts.markNotified(`ws-${randomUUID()}`, muted.id, 6000)).toBe(false);

      const resolvedFirst = { ...episode(ws, 'dst_b', 1000), notifiedAt: null };
      await store().destinationAlerts.open(resolvedFirst);
      await store().destinationAlerts.resolve(ws, 'dst_b', 'failing', 2000, 'recovered');
      expect(await store().destinationAlerts.markNotified(ws, resolvedFirst.id, 3000)).toBe(false);
    });

    it('prunes resolved episodes older than the cut-off and keeps open ones', async () => {
      const ws = `ws-${randomUUID()}`;
      await store().destinationAlerts.open(episode(ws, 'old', 100));
      await store().destinationAlerts.resolve(ws, 'old', 'failing', 200, 'destination_deleted');
      await store().destinationAlerts.open(episode(ws, 'still-failing', 100));
      await store().destinationAlerts.open(episode(ws, 'recent', 100));
      await store().destinationAlerts.resolve(ws, 'recent', 'failing', 10_000, 'recovered');
      expect(await store().destinationAlerts.prune(1000)).toBeGreaterThanOrEqual(1);
      expect((await store().destinationAlerts.list(ws, { limit: 10 })).map((a) => a.destinationId).sort()).toEqual(['recent', 'still-failing']);
    });
  });
}
