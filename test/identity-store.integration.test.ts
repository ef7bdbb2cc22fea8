import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityGraph, identityKeysOf } from '../src/core/identity/identity-graph.js';
import type { SegmentEvent } from '../src/protocol/segment-event.js';
import { openTestPostgresStore, openTestSqliteStore, type TestStore } from './support/open-test-stores.js';

const WS = 'ws_identity';
let n = 0;
const ev = (fields: Partial<SegmentEvent> & { type: SegmentEvent['type'] }): SegmentEvent => ({
  messageId: `m${++n}`, context: {}, integrations: {}, originalTimestamp: '2026-01-01T00:00:00.000Z', timestamp: '2026-01-01T00:00:00.000Z', receivedAt: '2026-01-01T00:00:00.000Z', version: 2, ...fields,
});

/** Runs a batch the way the identity stage does: load slice, resolve, write. */
async function runBatch(t: TestStore, events: SegmentEvent[]): Promise<(string | undefined)[]> {
  const keys = events.flatMap((e) => identityKeysOf(WS, e));
  const groups = events.filter((e) => e.type === 'group').map((e) => ({ workspaceId: WS, groupId: String(e.groupId) }));
  const graph = new IdentityGraph(await t.store.identities.loadSlice(keys, groups));
  const ids = events.map((e) => graph.apply(WS, e).profileId);
  await t.store.identities.applyChanges(graph.changes());
  return ids;
}

const backends: [string, () => Promise<TestStore | undefined>][] = [
  ['sqlite', openTestSqliteStore],
  ['postgres', openTestPostgresStore],
];

describe.each(backends)('IdentityRepository on %s', (_name, open) => {
  let t: TestStore | undefined;
  beforeAll(async () => {
    t = await open();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('persists links across batches and merges profiles', async () => {
    if (!t) return;
    const [anon] = await runBatch(t, [ev({ type: 'identify', anonymousId: 'a1', traits: { color: 'red' } })]);
    const [user] = await runBatch(t, [ev({ type: 'identify', userId: 'u1', anonymousId: 'a2', traits: { email: 'u1@x.io' } })]);
    expect(anon).not.toBe(user);
    const [merged] = await runBatch(t, [ev({ type: 'alias', userId: 'u1', previousId: 'a1' }), ev({ type: 'group', userId: 'u1', groupId: 'acme', traits: { size: 3 } })]);
    expect(merged).toBe(user);
    expect(await t.store.identities.linkedIdentities(WS, 'a1')).toEqual({ profileId: user, userIds: ['u1'], anonymousIds: ['a1', 'a2'], emails: ['u1@x.io'] });
    expect(await t.store.identities.linkedIdentities('ws_other', 'a1')).toBeUndefined();
    const profile = await t.store.identities.profile(WS, 'U1@X.io');
    expect(profile?.traits).toEqual({ color: 'red', email: 'u1@x.io' });
    expect((await t.store.identities.group(WS, 'acme'))?.traits).toEqual({ size: 3 });
    await t.store.identities.deleteProfile(WS, user!);
    expect(await t.store.identities.linkedIdentities(WS, 'u1')).toBeUndefined();
  });
});
