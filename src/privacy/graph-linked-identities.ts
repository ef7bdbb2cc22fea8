import type { IdentityKind, IdentityLink } from '../core/identity/identity.js';
import { identifierKey, normalizeIdentifier, type IdentifierType, type LinkedIdentityResolver, type SubjectIdentifier } from '../core/privacy/subject.js';
import type { IdentityRepository } from '../store/store.js';

export const IDENTITY_KIND: Readonly<Record<IdentifierType, IdentityKind>> = { userId: 'user_id', anonymousId: 'anonymous_id', email: 'email' };
const TYPE: Record<IdentityKind, IdentifierType> = { user_id: 'userId', anonymous_id: 'anonymousId', email: 'email' };

/** Each identifier once, normalized (events of one batch name the same people many times over). */
export function uniqueIdentifiers(identifiers: readonly SubjectIdentifier[]): SubjectIdentifier[] {
  const seen = new Map<string, SubjectIdentifier>();
  for (const id of identifiers) {
    const key = identifierKey(id);
    if (!seen.has(key)) seen.set(key, normalizeIdentifier(id));
  }
  return [...seen.values()];
}

/**
 * Identity links indexed by profile, to map identifiers to every identifier of their profile. Built from links
 * that hold, for each profile owning one of the identifiers asked about, all its links (what
 * `IdentityRepository.linksOf` and `loadSlice` return, or the processor's identity graph after a batch).
 */
export class LinkIndex {
  private readonly byProfile = new Map<string, SubjectIdentifier[]>();
  private readonly profileOf = new Map<string, string>();

  constructor(workspaceId: string, links: readonly IdentityLink[]) {
    for (const link of links) {
      if (link.workspaceId !== workspaceId) continue;
      const id: SubjectIdentifier = { type: TYPE[link.kind], value: link.value };
      const members = this.byProfile.get(link.profileId);
      if (members) members.push(id);
      else this.byProfile.set(link.profileId, [id]);
      this.profileOf.set(identifierKey(id), link.profileId);
    }
  }

  /** For each identifier (by identifierKey): every identifier of its profile, or itself when no link names it. */
  linked(identifiers: readonly SubjectIdentifier[]): Map<string, SubjectIdentifier[]> {
    const out = new Map<string, SubjectIdentifier[]>();
    for (const id of identifiers) {
      const key = identifierKey(id);
      if (out.has(key)) continue;
      const profileId = this.profileOf.get(key);
      out.set(key, (profileId !== undefined ? this.byProfile.get(profileId) : undefined) ?? [normalizeIdentifier(id)]);
    }
    return out;
  }
}

/** {@link LinkIndex.linked} in one call. Pure. */
export function linkedFromLinks(workspaceId: string, identifiers: readonly SubjectIdentifier[], links: readonly IdentityLink[]): Map<string, SubjectIdentifier[]> {
  return new LinkIndex(workspaceId, links).linked(identifiers);
}

/**
 * A {@link LinkedIdentityResolver} backed by the identity graph: one batched slice load for all identifiers,
 * then each identifier maps to every identifier of its profile (itself only when the graph does not know it).
 */
export function graphLinkedIdentities(identities: IdentityRepository): LinkedIdentityResolver {
  return async (workspaceId, identifiers) => {
    const normalized = uniqueIdentifiers(identifiers);
    if (normalized.length === 0) return new Map();
    const links = await identities.linksOf(normalized.map((id) => ({ workspaceId, kind: IDENTITY_KIND[id.type], value: id.value })));
    return linkedFromLinks(workspaceId, normalized, links);
  };
}
