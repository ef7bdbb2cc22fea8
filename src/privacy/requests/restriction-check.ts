import type { SubjectDataRepository } from './subject-data.js';

/** The drop reason the fan-out records for a restricted subject's events (CONTRACT.md deliveries). */
export const RESTRICTED_REASON = 'restricted';

/**
 * Up to this many restrictions in a workspace, a batch check reads them all (one short query on the primary
 * key's prefix) instead of looking up the batch's identifiers (an IN list of up to 500 values per query).
 * Restrictions are rare; most workspaces have none.
 */
const FEW_RESTRICTIONS = 1000;

/** An identifier that can name a subject: present and not empty. */
const usable = (id: string | null | undefined): id is string => typeof id === 'string' && id !== '';

/**
 * Whether routing is stopped for a subject (GDPR 18 restriction), and whether their sensitive fields must
 * stop flowing (CPRA 1798.121). The fan-out calls `isRestricted` with an event's identifiers and drops the
 * event for every destination with reason `restricted`; the data stays stored.
 *
 * @example
 *   if (await restrictions.isRestricted(workspaceId, [event.userId, event.anonymousId])) return drop(RESTRICTED_REASON);
 */
export class RestrictionCheck {
  constructor(private readonly data: SubjectDataRepository) {}

  async isRestricted(workspaceId: string, identifiers: readonly (string | null | undefined)[]): Promise<boolean> {
    const ids = identifiers.filter(usable);
    return (await this.data.restricted(workspaceId, 'restrict', ids)).length > 0;
  }

  /**
   * For a batch of events (the fan-out's candidates, the router's jobs): which are a restricted subject's,
   * in order. One query per workspace when it has few restrictions, else one per workspace and 500
   * identifiers, whatever the batch size.
   */
  async restrictedEvents(events: readonly { workspaceId: string; event: { userId?: string | null; anonymousId?: string | null } }[]): Promise<boolean[]> {
    const idsOf = (event: { userId?: string | null; anonymousId?: string | null }) => [event.userId, event.anonymousId].filter(usable);
    const found = new Map<string, Set<string>>();
    for (const workspaceId of new Set(events.map((e) => e.workspaceId))) {
      const all = await this.data.restrictedIdentifiers(workspaceId, 'restrict', FEW_RESTRICTIONS + 1);
      if (all.length <= FEW_RESTRICTIONS) {
        found.set(workspaceId, new Set(all));
        continue;
      }
      const ids = [...new Set(events.filter((e) => e.workspaceId === workspaceId).flatMap((e) => idsOf(e.event)))];
      const restricted = new Set<string>();
      for (let i = 0; i < ids.length; i += 500) for (const id of await this.data.restricted(workspaceId, 'restrict', ids.slice(i, i + 500))) restricted.add(id);
      found.set(workspaceId, restricted);
    }
    return events.map(({ workspaceId, event }) => {
      const set = found.get(workspaceId)!;
      return set.size > 0 && ((usable(event.userId) && set.has(event.userId)) || (usable(event.anonymousId) && set.has(event.anonymousId)));
    });
  }

  async isSensitiveLimited(workspaceId: string, identifiers: readonly (string | null | undefined)[]): Promise<boolean> {
    const ids = identifiers.filter(usable);
    return (await this.data.restricted(workspaceId, 'limit_sensitive', ids)).length > 0;
  }
}
