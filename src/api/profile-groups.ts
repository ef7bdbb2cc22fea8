import type { JsonObject } from '../protocol/segment-event.js';
import type { Store } from '../store/store.js';

/** A group a person joined (a `group` call of theirs), with the group's latest traits. */
export interface ProfileGroup {
  groupId: string;
  traits: JsonObject;
  /** When the person's latest `group` call for it was received. */
  joinedAt: string;
  /** When the group's traits last changed (any member's `group` call); absent when none were ever stored. */
  updatedAt?: string;
}

/** The person's latest group calls read to find their groups: a profile shows the groups of these. */
const GROUP_CALLS_READ = 200;
/** Groups shown per profile, most recently joined first. */
export const GROUPS_SHOWN = 50;

/**
 * The groups a person belongs to through their own `group` calls (any of their identifiers), most recently joined
 * first: read from their stored group events (so an erasure or retention that removes the events removes the
 * membership too), with each group's latest traits from the identity graph.
 */
export async function groupsOfProfile(store: Pick<Store, 'events' | 'identities'>, workspaceId: string, identities: { userIds: readonly string[]; anonymousIds: readonly string[] }): Promise<ProfileGroup[]> {
  const calls = await store.events.query({ workspaceId, identities, type: 'group', limit: GROUP_CALLS_READ });
  const joined = new Map<string, number>(); // groupId -> latest call's receivedAt, newest first
  for (const { event } of calls) {
    const groupId = event.groupId;
    if (typeof groupId !== 'string' || joined.has(groupId)) continue;
    joined.set(groupId, Date.parse(String(event.receivedAt)));
    if (joined.size === GROUPS_SHOWN) break;
  }
  // Their traits in one read of the graph, as the processor reads a batch's groups.
  const { groups } = await store.identities.loadSlice([], [...joined.keys()].map((groupId) => ({ workspaceId, groupId })));
  const byId = new Map(groups.map((g) => [g.groupId, g]));
  return [...joined].map(([groupId, at]) => {
    const group = byId.get(groupId);
    return {
      groupId,
      traits: group?.traits ?? {},
      joinedAt: new Date(Number.isFinite(at) ? at : 0).toISOString(),
      ...(group !== undefined && { updatedAt: new Date(group.updatedAt).toISOString() }),
    };
  });
}
