import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Keys } from '../core/crypto/keys.js';
import { identifiersOfEvent } from '../core/privacy/subject.js';
import { createPrivacyServices } from '../privacy/privacy-services.js';
import type { SendableJob } from './job-payloads.js';
import type { SqlStore } from '../store/sql/sql-store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { privacyDeliveryGate } from './delivery-gate.js';

describe("the router's last privacy check", () => {
  let dir: string | undefined;
  let store: SqlStore | undefined;
  afterEach(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('withholds jobs of people suppressed (erased, when the event is gone too) or restricted since they were queued, from the identifiers the job carries or, without them, from its JSON', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-delivery-gate-'));
    store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
    const privacy = createPrivacyServices({ store, keys: new Keys('delivery-gate-test-secret-key-0123456789') });
    const workspaceId = (await store.workspaces.create({ name: 'Gate' })).id;
    await privacy.suppressions.suppress(workspaceId, [{ type: 'email', value: 'gone@example.com' }], { requestId: null, hashed: true });
    await store.subjectData.addRestriction({ workspaceId, kind: 'restrict', identifiers: [{ type: 'anonymousId', value: 'held' }], requestId: 'req_1', at: Date.now() });

    const sourceId = (await store.sources.create({ workspaceId, name: 'S' })).id;
    let seq = 0;
    const job = (event: Record<string, unknown>, withSubject: boolean): SendableJob => {
      const json = JSON.stringify({ type: 'track', event: 'x', messageId: `m${++seq}`, ...event });
      return {
        seq, workspaceId, destinationId: 'dst', sourceId, messageId: `m${seq}`, partitionKey: 'k', json, receivedAt: 0,
        ...(withSubject && { subject: identifiersOfEvent(JSON.parse(json) as Parameters<typeof identifiersOfEvent>[0]) }),
      };
    };
    const gate = privacyDeliveryGate(store, privacy);
    for (const withSubject of [true, false]) {
      const jobs = [
        job({ userId: 'fine' }, withSubject),
        job({ userId: 'someone', context: { traits: { email: 'Gone@Example.com' } } }, withSubject),
        job({ anonymousId: 'held' }, withSubject),
        job({ userId: 'held-not' }, withSubject),
        job({ userId: 'someone-else', context: { traits: { email: 'gone@example.com' } } }, withSubject),
      ];
      // The second job's event is still stored (suppressed only); the fifth's was erased with its person.
      const at = new Date().toISOString();
      await store.events.insertMany([{ workspaceId, sourceId, event: { ...(JSON.parse(jobs[1]!.json) as object), timestamp: at, receivedAt: at } as never }]);
      const withheld = await gate(jobs);
      expect(Object.fromEntries(withheld), `subject carried: ${withSubject}`).toEqual({ [jobs[1]!.seq]: 'suppressed', [jobs[2]!.seq]: 'restricted', [jobs[4]!.seq]: 'erased' });
    }
    privacy.close();
  });

  it('withholds jobs of a person restricted by email under their userId and anonymousId, linked in the identity graph', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-delivery-gate-'));
    store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
    const privacy = createPrivacyServices({ store, keys: new Keys('delivery-gate-test-secret-key-0123456789') });
    const workspaceId = (await store.workspaces.create({ name: 'Gate' })).id;
    await store.subjectData.addRestriction({ workspaceId, kind: 'restrict', identifiers: [{ type: 'email', value: 'ada@example.com' }], requestId: 'req_1', at: Date.now() });
    const profile = { id: 'prof_ada', workspaceId, traits: {}, traitTimes: {}, firstSeen: 1, lastSeen: 1 };
    await store.identities.applyChanges({
      profiles: [profile],
      links: [
        { workspaceId, profileId: 'prof_ada', kind: 'user_id', value: 'ada' },
        { workspaceId, profileId: 'prof_ada', kind: 'anonymous_id', value: 'ada-phone' },
        { workspaceId, profileId: 'prof_ada', kind: 'email', value: 'ada@example.com' },
      ],
      deletedProfileIds: [],
      groups: [],
    });
    const sourceId = (await store.sources.create({ workspaceId, name: 'S' })).id;
    const jobs: SendableJob[] = [{ anonymousId: 'ada-phone' }, { userId: 'ada' }, { userId: 'bob' }].map((event, i) => {
      const json = JSON.stringify({ type: 'track', event: 'x', messageId: `m${i}`, ...event });
      return { seq: i + 1, workspaceId, destinationId: 'dst', sourceId, messageId: `m${i}`, partitionKey: 'k', json, receivedAt: 0, subject: identifiersOfEvent(JSON.parse(json) as Parameters<typeof identifiersOfEvent>[0]) };
    });
    const withheld = await privacyDeliveryGate(store, privacy, privacy.linked)(jobs);
    expect(Object.fromEntries(withheld)).toEqual({ 1: 'restricted', 2: 'restricted' });
    privacy.close();
  });
});
