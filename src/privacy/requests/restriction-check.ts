import { identifierKey, normalizeIdentifier, selfOnlyResolver, type LinkedIdentityResolver, type SubjectIdentifier } from '../../core/privacy/subject.js';
import { uniqueIdentifiers } from '../graph-linked-identities.js';
import { restrictionHolds, restrictionKey, type RestrictionKind, type SubjectDataRepository } from './subject-data.js';

/** The drop reason the fan-out records for a restricted subject's events (CONTRACT.md deliveries). */
export const RESTRICTED_REASON = 'restricted';

/**
 * Up to this many restrictions in a workspace, a batch check reads them all (one short query on the primary
 * key's prefix) instead of looking up the batch's identifiers (an IN list of up to 500 values per query).
 * Restrictions are rare; most workspaces have none.
 */
const FEW_RESTRICTIONS = 1000;
const LOOKUP_CHUNK = 500;

/**
 * Whether routing is stopped for a subject (GDPR 18 restriction). A restriction is stored per identifier with its
 * kind (every identifier the person had when it was made, and the ones the request named, seen or not); an event
 * is the restricted person's when one of its identifiers, or an identity the identity graph links to one, is
 * restricted as that kind (a userId equal to a restricted email is someone else's; a row stored before kinds were
 * holds for its value under any kind): an anonymousId the person used before or after the request, a userId linked later to a
 * restricted email (an identify whose `traits.email` is that email). The fan-out and the router drop such
 * events for every destination with reason `restricted`; the data stays stored.
 *
 * @example
 *   const held = await restrictions.restrictedEvents(items, (item) => identifiersOfEvent(item.event), linked);
 */
export class RestrictionCheck {
  constructor(private readonly data: SubjectDataRepository) {}

  /** Whether a restriction is stored for one of these identifiers themselves (no linked identity). */
  async isRestricted(workspaceId: string, identifiers: readonly SubjectIdentifier[]): Promise<boolean> {
    return (await this.data.restricted(workspaceId, 'restrict', identifiers.filter((id) => id.value !== ''))).length > 0;
  }

  /**
   * For a batch of events (the fan-out's events, the router's jobs): which are a restricted subject's, in order.
   * `identifiersOf` names an event's identifiers (`identifiersOfEvent`, a job's `subject`); it is called only for
   * events of a workspace that has restrictions. Per workspace: one query when it has none (nothing else is
   * read); else one linked-identity lookup for the batch's identifiers (`linked`: the batch's identity graph in
   * the processor, one store read elsewhere), then one query when it has few restrictions, or one per 500 linked
   * identifiers. `kind` `limit_sensitive` answers the same for a CPRA limit on the use of sensitive data instead.
   */
  async restrictedEvents<T extends { readonly workspaceId: string }>(
    events: readonly T[],
    identifiersOf: (event: T) => readonly SubjectIdentifier[],
    linked: LinkedIdentityResolver = selfOnlyResolver,
    kind: RestrictionKind = 'restrict',
  ): Promise<boolean[]> {
    const restrictedKeys = new Map<string, Set<string>>();
    const idsOf = new Map<T, readonly SubjectIdentifier[]>();
    for (const workspaceId of new Set(events.map((e) => e.workspaceId))) {
      const all = await this.data.restrictedIdentifiers(workspaceId, kind, FEW_RESTRICTIONS + 1);
      if (all.length === 0) continue;
      for (const event of events) if (event.workspaceId === workspaceId && !idsOf.has(event)) idsOf.set(event, identifiersOf(event));
      const ids = uniqueIdentifiers(events.flatMap((e) => (e.workspaceId === workspaceId ? idsOf.get(e)! : [])));
      if (ids.length === 0) continue;
      const links = await linked(workspaceId, ids);
      const personOf = (id: SubjectIdentifier) => links.get(identifierKey(id)) ?? [id];
      let restricted: Set<string>;
      if (all.length <= FEW_RESTRICTIONS) restricted = new Set(all.map(restrictionKey));
      else {
        const values = [...new Set(ids.flatMap((id) => personOf(id).map((p) => normalizeIdentifier(p).value)))];
        restricted = new Set();
        for (let i = 0; i < values.length; i += LOOKUP_CHUNK) for (const row of await this.data.restrictionsOfValues(workspaceId, kind, values.slice(i, i + LOOKUP_CHUNK))) restricted.add(restrictionKey(row));
      }
      if (restricted.size === 0) continue;
      const keys = new Set<string>();
      for (const id of ids) if (personOf(id).some((p) => restrictionHolds(restricted, p))) keys.add(identifierKey(id));
      restrictedKeys.set(workspaceId, keys);
    }
    return events.map((event) => {
      const keys = restrictedKeys.get(event.workspaceId);
      return keys !== undefined && keys.size > 0 && idsOf.get(event)!.some((id) => keys.has(identifierKey(id)));
    });
  }

  /** Whether a `limit_sensitive` (CPRA 1798.121) is stored for one of these identifiers themselves (no linked identity). */
  async isSensitiveLimited(workspaceId: string, identifiers: readonly SubjectIdentifier[]): Promise<boolean> {
    return (await this.data.restricted(workspaceId, 'limit_sensitive', identifiers.filter((id) => id.value !== ''))).length > 0;
  }
}
