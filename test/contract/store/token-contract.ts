import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreContractContext } from '../store-contract.js';
import { freshWorkspace } from './fixtures.js';

export function tokenContract({ store }: StoreContractContext): void {
  describe('tokens', () => {
    it('creates a token that authenticates by its secret (never stored in clear)', async () => {
      const workspaceId = await freshWorkspace(store());
      const secret = `sl_${randomUUID()}`;
      const token = await store().tokens.create({ workspaceId, name: 'CI', secret, role: 'engineer' });
      expect(token).toMatchObject({ workspaceId, name: 'CI', role: 'engineer', memberId: null, lastUsedAt: null, expiresAt: null, revokedAt: null });
      const found = await store().tokens.authenticate(secret, Date.now());
      expect(found?.id).toBe(token.id);
      expect(JSON.stringify(await store().tokens.list(workspaceId))).not.toContain(secret);
    });

    it('does not authenticate an unknown secret', async () => {
      expect(await store().tokens.authenticate(`nope-${randomUUID()}`, Date.now())).toBeUndefined();
    });

    it('touches lastUsedAt at most once a minute', async () => {
      const workspaceId = await freshWorkspace(store());
      const secret = `sl_${randomUUID()}`;
      await store().tokens.create({ workspaceId, name: 'touch', secret, role: 'viewer' });
      const t0 = 1_800_000_000_000;
      expect((await store().tokens.authenticate(secret, t0))?.lastUsedAt).toBe(t0);
      expect((await store().tokens.authenticate(secret, t0 + 30_000))?.lastUsedAt).toBe(t0);
      expect((await store().tokens.authenticate(secret, t0 + 61_000))?.lastUsedAt).toBe(t0 + 61_000);
    });

    it('does not authenticate an expired token', async () => {
      const workspaceId = await freshWorkspace(store());
      const secret = `sl_${randomUUID()}`;
      await store().tokens.create({ workspaceId, name: 'short', secret, role: 'viewer', expiresAt: 2_000 });
      expect(await store().tokens.authenticate(secret, 1_999)).toBeDefined();
      expect(await store().tokens.authenticate(secret, 2_000)).toBeUndefined();
    });

    it('revokes a token once, only in its own workspace', async () => {
      const workspaceId = await freshWorkspace(store());
      const other = await freshWorkspace(store());
      const secret = `sl_${randomUUID()}`;
      const token = await store().tokens.create({ workspaceId, name: 'rev', secret, role: 'admin', memberId: 'mem_1' });
      expect(token.memberId).toBe('mem_1');
      expect(await store().tokens.revoke(other, token.id, 5)).toBe(false);
      expect(await store().tokens.revoke(workspaceId, token.id, 5)).toBe(true);
      expect(await store().tokens.revoke(workspaceId, token.id, 6)).toBe(false);
      expect(await store().tokens.authenticate(secret, Date.now())).toBeUndefined();
      expect((await store().tokens.list(workspaceId))[0]?.revokedAt).toBe(5);
    });

    it('brings a live token\'s expiry forward, never later, and not for a revoked one', async () => {
      const workspaceId = await freshWorkspace(store());
      const secret = `sl_${randomUUID()}`;
      const token = await store().tokens.create({ workspaceId, name: 'rolling', secret, role: 'engineer', expiresAt: 10_000 });
      expect(await store().tokens.expireBy(workspaceId, token.id, 20_000)).toBe(false);
      expect(await store().tokens.expireBy(workspaceId, token.id, 5_000)).toBe(true);
      expect(await store().tokens.authenticate(secret, 4_999)).toMatchObject({ id: token.id });
      expect(await store().tokens.authenticate(secret, 5_000)).toBeUndefined();
      const never = await store().tokens.create({ workspaceId, name: 'never', secret: `sl_${randomUUID()}`, role: 'viewer' });
      expect(await store().tokens.expireBy(workspaceId, never.id, 7_000)).toBe(true);
      expect((await store().tokens.list(workspaceId)).find((t) => t.id === never.id)?.expiresAt).toBe(7_000);
      await store().tokens.revoke(workspaceId, never.id, 6_000);
      expect(await store().tokens.expireBy(workspaceId, never.id, 6_500)).toBe(false);
    });

    it('records a token\'s replacement once, not for a revoked one nor in another workspace', async () => {
      const workspaceId = await freshWorkspace(store());
      const other = await freshWorkspace(store());
      const token = await store().tokens.create({ workspaceId, name: 'rotated', secret: `sl_${randomUUID()}`, role: 'engineer' });
      expect(token.replacedBy).toBeNull();
      expect(await store().tokens.markReplaced(other, token.id, 'tok_new')).toBe(false);
      expect(await store().tokens.markReplaced(workspaceId, token.id, 'tok_new')).toBe(true);
      expect(await store().tokens.markReplaced(workspaceId, token.id, 'tok_newer')).toBe(false);
      expect((await store().tokens.list(workspaceId)).find((t) => t.id === token.id)?.replacedBy).toBe('tok_new');
      const revoked = await store().tokens.create({ workspaceId, name: 'revoked', secret: `sl_${randomUUID()}`, role: 'engineer' });
      await store().tokens.revoke(workspaceId, revoked.id, 5);
      expect(await store().tokens.markReplaced(workspaceId, revoked.id, 'tok_new')).toBe(false);
    });

    it('lists only the workspace\'s own tokens', async () => {
      const a = await freshWorkspace(store());
      const b = await freshWorkspace(store());
      await store().tokens.create({ workspaceId: a, name: 'a1', secret: `sl_${randomUUID()}`, role: 'owner' });
      await store().tokens.create({ workspaceId: a, name: 'a2', secret: `sl_${randomUUID()}`, role: 'viewer' });
      await store().tokens.create({ workspaceId: b, name: 'b1', secret: `sl_${randomUUID()}`, role: 'owner' });
      expect((await store().tokens.list(a)).map((t) => t.name).sort()).toEqual(['a1', 'a2']);
      expect((await store().tokens.list(b)).map((t) => t.name)).toEqual(['b1']);
    });
  });
}
