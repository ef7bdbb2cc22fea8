import { describe, expect, it } from 'vitest';
import { IdentityGraph, identityKeysOf } from '../../../src/core/identity/identity-graph.js';
import type { Store } from '../../../src/store/store.js';
import type { StoreContractContext } from '../store-contract.js';
import { freshWorkspace, segmentEvent } from './fixtures.js';
import type { SegmentEvent } from '../../../src/protocol/segment-event.js';

/** Runs a batch the way the identity stage does: load the slice, resolve in memory, write once. */
async function runBatch(store: Store, ws: string, events: SegmentEvent[]): Promise<(string | undefined)[]> {
  const keys = events.flatMap((e) => identityKeysOf(ws, e));
  const groups = events.filter((e) => e.type === 'group').map((e) => ({ workspaceId: ws, groupId: String(e.groupId) }));
  const graph = new IdentityGraph(await store.identities.loadSlice(keys, groups));
  const ids = events.map((e) => graph.apply(ws, e).profileId);
  await store.identities.applyChanges(graph.changes());
  return ids;
}

export function identityContract({ store }: StoreContractContext): void {
  describe('identities', () => {
    it('persists links across batches, merges profiles and answers linkedIdentities from any identifier', async () => {
      const ws = await freshWorkspace(store());
      const other = await freshWorkspace(store());
      const [anon] = await runBatch(store(), ws, [segmentEvent({ type: 'identify', userId: null, anonymousId: 'a1', traits: { color: 'red' } })]);
      const [user] = await runBatch(store(), ws, [segmentEvent({ type: 'identify', userId: 'u1', anonymousId: 'a2', traits: { email: 'u1@x.io' } })]);
      expect(anon).not.toBe(user);
      const [merged] = await runBatch(store(), ws, [
        segmentEvent({ type: 'alias', userId: 'u1', previousId: 'a1' }),
        segmentEvent({ type: 'group', userId: 'u1', groupId: 'acme', traits: { size: 3 } }),
      ]);
      expect(merged).toBe(user);
      expect(await store().identities.linkedIdentities(ws, 'a1')).toEqual({ profileId: user, userIds: ['u1'], anonymousIds: ['a1', 'a2'], emails: ['u1@x.io'] });
      expect(await store().identities.linkedIdentities(other, 'a1')).toBeUndefined();
      const profile = await store().identities.profile(ws, 'U1@X.io');
      expect(profile?.traits).toEqual({ color: 'red', email: 'u1@x.io' });
      expect((await store().identities.group(ws, 'acme'))?.traits).toEqual({ size: 3 });
      await store().identities.deleteProfile(ws, user!);
      expect(await store().identities.linkedIdentities(ws, 'u1')).toBeUndefined();
    });

    it("unlinks a profile's identifiers it is asked to (a corrected email), and no other profile's", async () => {
      const ws = await freshWorkspace(store());
      const [ada] = await runBatch(store(), ws, [segmentEvent({ type: 'identify', userId: 'ul-ada', anonymousId: 'ul-a', traits: { email: 'wrong@x.io' } })]);
      const [bob] = await runBatch(store(), ws, [segmentEvent({ type: 'identify', userId: 'ul-bob', traits: { email: 'bob@x.io' } })]);
      // Bob's email is not Ada's profile's: left alone, however it is asked for.
      expect(await store().identities.unlink(ws, [ada!], [{ kind: 'email', value: 'wrong@x.io' }, { kind: 'email', value: 'bob@x.io' }])).toBe(1);
      expect(await store().identities.linkedIdentities(ws, 'wrong@x.io')).toBeUndefined();
      expect(await store().identities.linkedIdentities(ws, 'ul-a')).toEqual({ profileId: ada, userIds: ['ul-ada'], anonymousIds: ['ul-a'], emails: [] });
      expect((await store().identities.linkedIdentities(ws, 'bob@x.io'))?.profileId).toBe(bob);
      expect(await store().identities.unlink(ws, [], [{ kind: 'email', value: 'bob@x.io' }])).toBe(0);
    });

    it('keeps the links merge protection refused with the profile, across batches, and forgets them with it', async () => {
      const ws = await freshWorkspace(store());
      const [first] = await runBatch(store(), ws, [segmentEvent({ type: 'identify', userId: 'kept-1', anonymousId: 'shared' })]);
      const [second] = await runBatch(store(), ws, [segmentEvent({ type: 'identify', userId: 'kept-2', anonymousId: 'shared', messageId: 'refused-1' })]);
      await runBatch(store(), ws, [segmentEvent({ type: 'track', userId: 'kept-2', anonymousId: 'shared', event: 'x', messageId: 'refused-2' })]);
      expect(second).not.toBe(first);
      const refusals = (await store().identities.profile(ws, 'kept-2'))?.mergeRefusals;
      expect(refusals).toEqual([expect.objectContaining({ reason: 'user_id_conflict', kind: 'anonymous_id', otherProfileId: first, count: 2, lastMessageId: 'refused-2' })]);
      expect((await store().identities.profile(ws, 'kept-1'))?.mergeRefusals).toEqual([expect.objectContaining({ otherProfileId: second, count: 2 })]);
      expect((await store().identities.profile(ws, 'never-refused-anything'))).toBeUndefined();
      await runBatch(store(), ws, [segmentEvent({ type: 'identify', userId: 'calm', anonymousId: 'calm-a' })]);
      expect((await store().identities.profile(ws, 'calm'))?.mergeRefusals).toEqual([]);
      await store().identities.deleteProfile(ws, second!);
      expect(await store().identities.profile(ws, 'kept-2')).toBeUndefined();
      // The other side's entry named the erased profile and its event: gone with it.
      expect((await store().identities.profile(ws, 'kept-1'))?.mergeRefusals).toEqual([]);
    });
  });
}
