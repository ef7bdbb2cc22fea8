import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreContractContext } from '../store-contract.js';
import { freshWorkspace } from './fixtures.js';

export function accountContract({ store }: StoreContractContext): void {
  describe('members, sessions and policies', () => {
    it('keeps members per workspace, finds every membership of an email, and counts active owners', async () => {
      const a = await freshWorkspace(store());
      const b = await freshWorkspace(store());
      const email = `Person-${randomUUID()}@Example.com`;
      const m = await store().members.create({ workspaceId: a, email, name: 'P', role: 'owner', status: 'active', passwordHash: 'h1' });
      await store().members.create({ workspaceId: b, email, name: 'P', role: 'viewer', status: 'invited' });
      expect(m.email).toBe(email.toLowerCase());
      expect((await store().members.byEmail(a, email))?.id).toBe(m.id);
      expect(await store().members.get(b, m.id)).toBeUndefined();
      expect((await store().members.withEmail(email)).map((x) => [x.member.workspaceId, x.passwordHash])).toEqual([[a, 'h1'], [b, null]]);
      expect(await store().members.countActiveOwners(a)).toBe(1);
      const updated = await store().members.update(a, m.id, { status: 'suspended', profileLocked: true, lockedUntil: 5, failedLogins: 3, deliveryAlertEmailsOptOut: true });
      expect(updated).toMatchObject({ status: 'suspended', profileLocked: true, lockedUntil: 5, failedLogins: 3, hasPassword: true, deliveryAlertEmailsOptOut: true, productEmailsOptOut: false });
      expect(await store().members.countActiveOwners(a)).toBe(0);
      expect(await store().members.delete(b, m.id)).toBe(false);
      expect(await store().members.delete(a, m.id)).toBe(true);
    });

    it('authenticates sessions until they expire or are revoked, and consumes a link once', async () => {
      const ws = await freshWorkspace(store());
      const secret = `s-${randomUUID()}`;
      const session = await store().sessions.create({ workspaceId: ws, memberId: 'mem_1', secret, csrfToken: 'c', expiresAt: Date.now() + 60_000, ip: '::1' });
      expect((await store().sessions.authenticate(secret, Date.now()))?.id).toBe(session.id);
      expect(await store().sessions.authenticate(secret, Date.now() + 61_000)).toBeUndefined();
      const other = `s-${randomUUID()}`;
      await store().sessions.create({ workspaceId: ws, memberId: 'mem_1', secret: other, csrfToken: 'c', expiresAt: Date.now() + 60_000, ip: '::1' });
      // A password change ends the member's other sessions, not the one it was made in.
      expect(await store().sessions.revokeAllOf(ws, 'mem_1', session.id)).toBe(1);
      expect(await store().sessions.authenticate(other, Date.now())).toBeUndefined();
      expect((await store().sessions.authenticate(secret, Date.now()))?.id).toBe(session.id);
      expect(await store().sessions.revokeAllOf(ws, 'mem_1')).toBe(1);
      expect(await store().sessions.authenticate(secret, Date.now())).toBeUndefined();
      const link = `l-${randomUUID()}`;
      await store().sessions.createLink({ secret: link, workspaceId: ws, memberId: 'mem_1', purpose: 'invite', expiresAt: Date.now() + 60_000 });
      expect(await store().sessions.consumeLink(link, 'password_reset', Date.now())).toBeUndefined();
      const [first, second] = await Promise.all([store().sessions.consumeLink(link, 'invite', Date.now()), store().sessions.consumeLink(link, 'invite', Date.now())]);
      expect([first, second].filter(Boolean)).toHaveLength(1);
    });

    it('notes when a session was last used (at most once a minute) and its browser, and ends one session of its member by id', async () => {
      const ws = await freshWorkspace(store());
      const secret = `s-${randomUUID()}`;
      const created = await store().sessions.create({ workspaceId: ws, memberId: 'mem_1', secret, csrfToken: 'c', expiresAt: Date.now() + 600_000, ip: '::1', userAgent: `Firefox/128 ${'x'.repeat(400)}` });
      expect(created).toMatchObject({ lastUsedAt: null, userAgent: expect.stringMatching(/^Firefox\/128 x+$/) });
      expect(created.userAgent).toHaveLength(300);
      const now = Date.now();
      expect((await store().sessions.authenticate(secret, now))?.lastUsedAt).toBe(now);
      expect((await store().sessions.authenticate(secret, now + 30_000))?.lastUsedAt).toBe(now);
      expect((await store().sessions.authenticate(secret, now + 61_000))?.lastUsedAt).toBe(now + 61_000);
      const [listed] = await store().sessions.listOf(ws, 'mem_1');
      expect(listed).toMatchObject({ id: created.id, lastUsedAt: now + 61_000, userAgent: created.userAgent, ip: '::1' });
      expect(await store().sessions.end(ws, 'mem_2', created.id)).toBe(false);
      expect(await store().sessions.end(ws, 'mem_1', created.id)).toBe(true);
      expect(await store().sessions.authenticate(secret, now)).toBeUndefined();
      expect(await store().sessions.end(ws, 'mem_1', created.id)).toBe(false);
    });

    it('numbers policy versions, knows the one in force, and records an acceptance once', async () => {
      const ws = await freshWorkspace(store());
      const v1 = await store().policies.publish({ workspaceId: ws, title: 'P', text: 'v1', url: null, effectiveAt: 1_000, material: true, publishedBy: 't' });
      const v2 = await store().policies.publish({ workspaceId: ws, title: 'P', text: null, url: 'https://x', effectiveAt: 9e12, material: false, publishedBy: 't' });
      expect([v1.version, v2.version]).toEqual([1, 2]);
      expect((await store().policies.inForce(ws, Date.now()))?.id).toBe(v1.id);
      expect((await store().policies.inForce(ws, 9e12))?.id).toBe(v2.id);
      await store().policies.accept({ workspaceId: ws, memberId: 'm', policyVersionId: v1.id, at: 5, ip: null });
      await store().policies.accept({ workspaceId: ws, memberId: 'm', policyVersionId: v1.id, at: 6, ip: null });
      expect(await store().policies.acceptances(ws, { memberId: 'm' })).toEqual([{ memberId: 'm', policyVersionId: v1.id, acceptedAt: 5, ip: null }]);
    });
  });
}
