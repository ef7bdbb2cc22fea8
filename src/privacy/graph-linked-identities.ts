import type { IdentityKind } from '../core/identity/identity.js';
import { identifierKey, normalizeIdentifier, type IdentifierType, type LinkedIdentityResolver, type SubjectIdentifier } from '../core/privacy/subject.js';
import type { IdentityRepository } from '../store/store.js';

const KIND: Record<IdentifierType, IdentityKind> = { userId: 'user_id', anonymousId: 'anonymous_id', email: 'email' };
const TYPE: Record<IdentityKind, IdentifierType> = { user_id: 'userId', anonymous_id: 'anonymousId', email: 'email' };

/**
 * A {@link LinkedIdentityResolver} backed by the identity graph: one batched slice load for all identifiers,
 * then each identifier maps to every identifier of its profile (itself only when the graph does not know it).
 */
export function graphLinkedIdentities(identities: IdentityRepository): LinkedIdentityResolver {
  return async (workspaceId, identifiers) => {
    // Events of one batch name the same people many times over: load each identifier once.
    const normalized = [...new Map(identifiers.map((id) => { const n = normalizeIdentifier(id); return [identifierKey(n), n] as const; })).values()];
    const out = new Map<string, SubjectIdentifier[]>(normalized.map((id) => [identifierKey(id), [id]]));
    if (normalized.length === 0) return out;
    const links = await identities.linksOf(normalized.map((id) => ({ workspaceId, kind: KIND[id.type], value: id.value })));
    const byProfile = new Map<string, SubjectIdentifier[]>();
    const profileOf = new Map<string, string>();
    for (const link of links) {
      if (link.workspaceId !== workspaceId) continue;
      const id: SubjectIdentifier = { type: TYPE[link.kind], value: link.value };
      const members = byProfile.get(link.profileId);
      if (members) members.push(id);
      else byProfile.set(link.profileId, [id]);
      profileOf.set(identifierKey(id), link.profileId);
    }
    for (const id of normalized) {
      const profileId = profileOf.get(identifierKey(id));
      if (profileId !== undefined) out.set(identifierKey(id), byProfile.get(profileId) ?? [id]);
    }
    return out;
  };
}
