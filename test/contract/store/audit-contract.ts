import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../../src/accounts/audit-log.js';
import type { StoreContractContext } from '../store-contract.js';
import { freshWorkspace } from './fixtures.js';

export function auditContract({ store }: StoreContractContext): void {
  describe('audit log', () => {
    it('keeps one unbroken chain per workspace under concurrent appends', async () => {
      const a = await freshWorkspace(store());
      const b = await freshWorkspace(store());
      const audit = new AuditLog(store().audit);
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          audit.record({ workspaceId: i % 2 ? a : b, actor: 'token:t', action: 'thing.update', resourceType: 'thing', resourceId: `t${i}`, after: { n: i, secret: 'x' } }),
        ),
      );
      const [resultA, resultB] = [await audit.verify(a), await audit.verify(b)];
      expect(resultA).toMatchObject({ ok: true, workspaces: [{ workspaceId: a, entries: 15, ok: true }] });
      expect(resultB).toMatchObject({ ok: true, workspaces: [{ workspaceId: b, entries: 15, ok: true }] });
      expect(await store().audit.head(a)).toMatchObject({ seq: 15 });
      const entries = await store().audit.scan(a, 0, 100);
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
      expect(entries.every((e) => JSON.stringify(e.after).includes('[redacted]'))).toBe(true);
    });

    it('queries newest first with filters, only in its own workspace', async () => {
      const a = await freshWorkspace(store());
      const b = await freshWorkspace(store());
      const audit = new AuditLog(store().audit);
      await audit.record({ workspaceId: a, actor: 'member:mem_1 (ada)', action: 'source.create', resourceType: 'source', resourceId: 's1', resourceName: 'Web', ip: '10.0.0.1' });
      await audit.record({ workspaceId: a, actor: 'token:tok_2 (CI)', action: 'source.update', resourceType: 'source', resourceId: 's1', before: { name: 'Web' }, after: { name: 'App' } });
      await audit.record({ workspaceId: b, actor: 'token:tok_3', action: 'source.create', resourceType: 'source', resourceId: 's9' });
      const all = await store().audit.query({ workspaceId: a, limit: 10 });
      expect(all.map((e) => e.action)).toEqual(['source.update', 'source.create']);
      expect(all[1]).toMatchObject({ resourceName: 'Web', ip: '10.0.0.1', before: null, after: null });
      expect(all[0]).toMatchObject({ before: { name: 'Web' }, after: { name: 'App' }, prevHash: all[1]!.hash });
      expect((await store().audit.query({ workspaceId: a, actorPrefix: 'member:mem_1', limit: 10 })).map((e) => e.action)).toEqual(['source.create']);
      expect((await store().audit.query({ workspaceId: a, action: 'source.update', limit: 10 })).length).toBe(1);
      expect((await store().audit.query({ workspaceId: a, beforeSeq: 2, limit: 10 })).map((e) => e.seq)).toEqual([1]);
      expect((await store().audit.query({ workspaceId: b, limit: 10 })).map((e) => e.resourceId)).toEqual(['s9']);
    });

    it('finds entries by part of the actor (a member\'s email, any case) and by the start of the action', async () => {
      const a = await freshWorkspace(store());
      const b = await freshWorkspace(store());
      const audit = new AuditLog(store().audit);
      await audit.record({ workspaceId: a, actor: 'member:mem_1 (Ada@Example.com)', action: 'privacy_request.approved', resourceType: 'privacy_request', resourceId: 'dsr_1' });
      await audit.record({ workspaceId: a, actor: 'member:mem_2 (bob@example.com)', action: 'privacy_settings.update', resourceType: 'privacy_settings', resourceId: a });
      await audit.record({ workspaceId: a, actor: 'token:tok_3 (ada_ci%)', action: 'source.create', resourceType: 'source', resourceId: 's1' });
      await audit.record({ workspaceId: b, actor: 'member:mem_9 (ada@example.com)', action: 'privacy_request.approved', resourceType: 'privacy_request', resourceId: 'dsr_9' });
      const actions = async (q: Partial<Parameters<ReturnType<typeof store>['audit']['query']>[0]>) => (await store().audit.query({ workspaceId: a, limit: 10, ...q })).map((e) => e.action);
      expect(await actions({ actorContains: 'ada@example.com' })).toEqual(['privacy_request.approved']);
      expect(await actions({ actorContains: 'ADA' })).toEqual(['source.create', 'privacy_request.approved']);
      // LIKE wildcards in what was typed are taken literally.
      expect(await actions({ actorContains: 'a_a' })).toEqual([]);
      expect(await actions({ actorContains: '%)' })).toEqual(['source.create']);
      expect(await actions({ actionPrefix: 'privacy' })).toEqual(['privacy_settings.update', 'privacy_request.approved']);
      expect(await actions({ actionPrefix: 'privacy_request.' })).toEqual(['privacy_request.approved']);
      expect(await actions({ actionPrefix: 'privacy', actorContains: 'bob' })).toEqual(['privacy_settings.update']);
    });

    it("finds, with an actor filter, the entries of the actor prefixes it adds (a member's tokens), and only with one", async () => {
      const a = await freshWorkspace(store());
      const audit = new AuditLog(store().audit);
      await audit.record({ workspaceId: a, actor: 'member:mem_1 (ada@example.com)', action: 'source.create', resourceType: 'source', resourceId: 's1' });
      await audit.record({ workspaceId: a, actor: 'token:tok_1 (CI)', action: 'source.update', resourceType: 'source', resourceId: 's1' });
      await audit.record({ workspaceId: a, actor: 'token:tok_10 (other)', action: 'source.delete', resourceType: 'source', resourceId: 's1' });
      await audit.record({ workspaceId: a, actor: 'token:tok_2 (bob)', action: 'source.update', resourceType: 'source', resourceId: 's2' });
      const ids = async (q: Partial<Parameters<ReturnType<typeof store>['audit']['query']>[0]>) => (await store().audit.query({ workspaceId: a, limit: 10, ...q })).map((e) => e.actor);
      expect(await ids({ actorContains: 'ADA@', orActorPrefixes: ['token:tok_1 '] })).toEqual(['token:tok_1 (CI)', 'member:mem_1 (ada@example.com)']);
      expect(await ids({ actorPrefix: 'member:mem_1 ', orActorPrefixes: ['token:tok_1 ', 'token:tok_2 '] })).toEqual(['token:tok_2 (bob)', 'token:tok_1 (CI)', 'member:mem_1 (ada@example.com)']);
      expect(await ids({ actor: 'member:mem_1 (ada@example.com)', orActorPrefixes: ['token:tok_1 '], resourceId: 's2' })).toEqual([]);
      // Without an actor filter there is nothing to widen: every entry.
      expect(await ids({ orActorPrefixes: ['token:tok_1 '] })).toHaveLength(4);
    });
  });
}
