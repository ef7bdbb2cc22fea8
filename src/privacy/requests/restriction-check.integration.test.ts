import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SqlStore } from '../../store/sql/sql-store.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { IdentityLink } from '../../core/identity/identity.js';
import type { SubjectIdentifier } from '../../core/privacy/subject.js';
import { graphLinkedIdentities } from '../graph-linked-identities.js';
import { RestrictionCheck } from './restriction-check.js';

const userId = (value: string): SubjectIdentifier => ({ type: 'userId', value });

describe('RestrictionCheck.restrictedEvents', () => {
  let dir: string | undefined;
  let store: SqlStore | undefined;
  afterEach(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // A workspace with few restrictions is answered from all of them (one query), one with many by looking up
  // the batch's identifiers: both must give the same answer, per workspace, and ignore other kinds.
  it.each([
    { case: 'few restrictions (read them all)', extra: 0 },
    { case: 'many restrictions (look up the batch)', extra: 1500 },
  ])('finds the restricted subjects of a batch: $case', async ({ extra }) => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-restriction-check-'));
    store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
    const a = (await store.workspaces.create({ name: 'A' })).id;
    const b = (await store.workspaces.create({ name: 'B' })).id;
    const filler = Array.from({ length: extra }, (_, i) => `filler-${i}`);
    await store.subjectData.addRestriction({ workspaceId: a, kind: 'restrict', identifiers: [userId('held-user'), { type: 'anonymousId', value: 'held-anon' }, ...filler.map(userId)], requestId: 'req_1', at: Date.now() });
    await store.subjectData.addRestriction({ workspaceId: a, kind: 'limit_sensitive', identifiers: [userId('limited-only')], requestId: 'req_2', at: Date.now() });
    await store.subjectData.addRestriction({ workspaceId: b, kind: 'restrict', identifiers: [userId('held-in-b')], requestId: 'req_3', at: Date.now() });

    const check = new RestrictionCheck(store.subjectData);
    const ids = (event: { userId?: string; anonymousId?: string }): SubjectIdentifier[] => [
      ...(event.userId ? [{ type: 'userId' as const, value: event.userId }] : []),
      ...(event.anonymousId ? [{ type: 'anonymousId' as const, value: event.anonymousId }] : []),
    ];
    const answer = await check.restrictedEvents([
      { workspaceId: a, identifiers: ids({ userId: 'held-user' }) },
      { workspaceId: a, identifiers: ids({ userId: 'free', anonymousId: 'held-anon' }) },
      { workspaceId: a, identifiers: ids({ userId: 'limited-only' }) },
      { workspaceId: a, identifiers: ids({ userId: 'held-in-b' }) },
      { workspaceId: b, identifiers: ids({ userId: 'held-in-b' }) },
      { workspaceId: b, identifiers: ids({ userId: 'held-user' }) },
      { workspaceId: a, identifiers: [] },
      { workspaceId: a, identifiers: ids({ userId: extra > 0 ? 'filler-1499' : 'free' }) },
    ], (e) => e.identifiers);
    expect(answer).toEqual([true, true, false, false, true, false, false, extra > 0]);
  });

  // A restriction named an email (seen or not): the person's other identifiers, in the identity graph, are held
  // too, whether the workspace has few restrictions or many.
  it.each([
    { case: 'few restrictions (read them all)', extra: 0 },
    { case: 'many restrictions (look up the batch)', extra: 1500 },
  ])('finds events of every identity linked to a restricted one: $case', async ({ extra }) => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-restriction-check-'));
    store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
    const ws = (await store.workspaces.create({ name: 'A' })).id;
    const filler = Array.from({ length: extra }, (_, i) => `filler-${i}`);
    await store.subjectData.addRestriction({ workspaceId: ws, kind: 'restrict', identifiers: [{ type: 'email', value: 'ada@example.com' }, ...filler.map(userId)], requestId: 'req_1', at: Date.now() });
    const link = (profileId: string, kind: IdentityLink['kind'], value: string): IdentityLink => ({ workspaceId: ws, profileId, kind, value });
    const profile = (id: string) => ({ id, workspaceId: ws, traits: {}, traitTimes: {}, firstSeen: 1, lastSeen: 1 });
    await store.identities.applyChanges({
      profiles: [profile('prof_ada'), profile('prof_bob')],
      links: [link('prof_ada', 'user_id', 'ada'), link('prof_ada', 'anonymous_id', 'ada-phone'), link('prof_ada', 'email', 'ada@example.com'), link('prof_bob', 'user_id', 'bob')],
      deletedProfileIds: [],
      groups: [],
    });
    const check = new RestrictionCheck(store.subjectData);
    const events: { workspaceId: string; identifiers: SubjectIdentifier[] }[] = [
      { workspaceId: ws, identifiers: [{ type: 'anonymousId', value: 'ada-phone' }] },
      { workspaceId: ws, identifiers: [{ type: 'userId', value: 'ada' }] },
      { workspaceId: ws, identifiers: [{ type: 'userId', value: 'bob' }] },
      { workspaceId: ws, identifiers: [{ type: 'userId', value: 'stranger' }, { type: 'email', value: 'Ada@Example.com' }] },
      { workspaceId: ws, identifiers: [{ type: 'anonymousId', value: 'unknown-device' }] },
    ];
    const answer = await check.restrictedEvents(events, (e) => e.identifiers, graphLinkedIdentities(store.identities));
    expect(answer).toEqual([true, true, false, true, false]);
  });
});
