import { describe, expect, it } from 'vitest';
import type { StoreContractContext } from '../store-contract.js';

export function workspaceContract({ store }: StoreContractContext): void {
  describe('workspaces', () => {
    it('creates a workspace with a generated id, empty settings and a creation time', async () => {
      const before = Date.now();
      const ws = await store().workspaces.create({ name: 'Acme' });
      expect(ws.id).toMatch(/^ws_/);
      expect(ws.settings).toEqual({});
      expect(ws.createdAt).toBeGreaterThanOrEqual(before);
      expect(await store().workspaces.get(ws.id)).toEqual(ws);
    });

    it('creates a workspace with a given id and refuses a second one with the same id', async () => {
      const id = `ws_given_${Date.now()}_${Math.random().toString(36).slice(2)}`;
      await store().workspaces.create({ id, name: 'Given' });
      await expect(store().workspaces.create({ id, name: 'Again' })).rejects.toThrow();
      expect((await store().workspaces.get(id))?.name).toBe('Given');
    });

    it('get is undefined for an unknown id', async () => {
      expect(await store().workspaces.get('ws_does_not_exist')).toBeUndefined();
    });

    it('lists every workspace', async () => {
      const a = await store().workspaces.create({ name: 'List A' });
      const b = await store().workspaces.create({ name: 'List B' });
      const ids = (await store().workspaces.list()).map((w) => w.id);
      expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
    });

    it('updates settings as a JSON document (nested values and numbers round-trip)', async () => {
      const ws = await store().workspaces.create({ name: 'Settings' });
      const settings = { retentionDays: 30, nested: { list: [1, 'two', null], flag: true } };
      await store().workspaces.updateSettings(ws.id, settings);
      expect((await store().workspaces.get(ws.id))?.settings).toEqual(settings);
    });

    it('changes settings as stored now: concurrent changes of different parts all land', async () => {
      const ws = await store().workspaces.create({ name: 'Concurrent settings' });
      await store().workspaces.updateSettings(ws.id, { keep: 1 });
      // Ten changes at once: their reads interleave with the others' writes (a read-modify-write lost most of them).
      const keys = Array.from({ length: 10 }, (_, i) => `part${i}`);
      await Promise.all(keys.map((key) => store().workspaces.changeSettings(ws.id, (settings) => ({ ...settings, [key]: true }))));
      expect((await store().workspaces.get(ws.id))?.settings).toEqual({ keep: 1, ...Object.fromEntries(keys.map((k) => [k, true])) });
      await expect(store().workspaces.changeSettings('ws_does_not_exist', (s) => s)).rejects.toMatchObject({ code: 'not_found' });
    });
  });
}
