import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SqlStore } from '../../store/sql/sql-store.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { RestrictionCheck } from './restriction-check.js';

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
    await store.subjectData.addRestriction({ workspaceId: a, kind: 'restrict', identifiers: ['held-user', 'held-anon', ...filler], requestId: 'req_1', at: Date.now() });
    await store.subjectData.addRestriction({ workspaceId: a, kind: 'limit_sensitive', identifiers: ['limited-only'], requestId: 'req_2', at: Date.now() });
    await store.subjectData.addRestriction({ workspaceId: b, kind: 'restrict', identifiers: ['held-in-b'], requestId: 'req_3', at: Date.now() });

    const check = new RestrictionCheck(store.subjectData);
    const answer = await check.restrictedEvents([
      { workspaceId: a, event: { userId: 'held-user' } },
      { workspaceId: a, event: { userId: 'free', anonymousId: 'held-anon' } },
      { workspaceId: a, event: { userId: 'limited-only' } },
      { workspaceId: a, event: { userId: 'held-in-b' } },
      { workspaceId: b, event: { userId: 'held-in-b' } },
      { workspaceId: b, event: { userId: 'held-user', anonymousId: null } },
      { workspaceId: a, event: { userId: '', anonymousId: undefined } },
      { workspaceId: a, event: { userId: extra > 0 ? 'filler-1499' : 'free' } },
    ]);
    expect(answer).toEqual([true, true, false, false, true, false, false, extra > 0]);
  });
});
