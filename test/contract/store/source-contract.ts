import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreContractContext } from '../store-contract.js';
import { freshWorkspace } from './fixtures.js';

export function sourceContract({ store }: StoreContractContext): void {
  describe('sources', () => {
    it('creates an enabled source with a generated 32-character writeKey', async () => {
      const workspaceId = await freshWorkspace(store());
      const source = await store().sources.create({ workspaceId, name: 'Website' });
      expect(source).toMatchObject({ workspaceId, name: 'Website', enabled: true });
      expect(source.writeKey).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(await store().sources.get(workspaceId, source.id)).toEqual(source);
    });

    it('finds a source by writeKey and refuses a duplicate writeKey', async () => {
      const workspaceId = await freshWorkspace(store());
      const writeKey = `wk${randomUUID().replace(/-/g, '')}`;
      const source = await store().sources.create({ workspaceId, name: 'Server', writeKey });
      expect((await store().sources.byWriteKey(writeKey))?.id).toBe(source.id);
      await expect(store().sources.create({ workspaceId, name: 'Clash', writeKey })).rejects.toThrow();
      expect(await store().sources.byWriteKey('no-such-key')).toBeUndefined();
    });

    it('keeps workspaces apart on get, list and update', async () => {
      const a = await freshWorkspace(store());
      const b = await freshWorkspace(store());
      const source = await store().sources.create({ workspaceId: a, name: 'Mine' });
      expect(await store().sources.get(b, source.id)).toBeUndefined();
      expect(await store().sources.list(b)).toEqual([]);
      expect(await store().sources.update(b, source.id, { name: 'Stolen' })).toBeUndefined();
      expect((await store().sources.get(a, source.id))?.name).toBe('Mine');
    });

    it('lists sources oldest first', async () => {
      const workspaceId = await freshWorkspace(store());
      const first = await store().sources.create({ workspaceId, name: 'first' });
      await new Promise((r) => setTimeout(r, 3));
      const second = await store().sources.create({ workspaceId, name: 'second' });
      expect((await store().sources.list(workspaceId)).map((s) => s.id)).toEqual([first.id, second.id]);
    });

    it('updates name, enabled and writeKey, moving updatedAt', async () => {
      const workspaceId = await freshWorkspace(store());
      const source = await store().sources.create({ workspaceId, name: 'Old' });
      await new Promise((r) => setTimeout(r, 3));
      const writeKey = `wk${randomUUID().replace(/-/g, '')}`;
      const updated = await store().sources.update(workspaceId, source.id, { name: 'New', enabled: false, writeKey });
      expect(updated).toMatchObject({ id: source.id, name: 'New', enabled: false, writeKey, createdAt: source.createdAt });
      expect(updated!.updatedAt).toBeGreaterThan(source.updatedAt);
      expect(await store().sources.byWriteKey(source.writeKey)).toBeUndefined();
      const reenabled = await store().sources.update(workspaceId, source.id, { enabled: true });
      expect(reenabled).toMatchObject({ enabled: true, name: 'New' });
    });
  });
}
