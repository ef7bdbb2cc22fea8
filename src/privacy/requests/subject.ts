import { normalizeIdentifier, type IdentifierType, type SubjectIdentifier } from '../../core/privacy/subject.js';
import type { IdentityRepository } from '../../store/store.js';
import type { RequestSubject } from './request.js';

/** Everyone a request is about: every identifier linked (through the identity graph) to the ones given. */
export interface ResolvedSubject {
  readonly profileIds: readonly string[];
  readonly userIds: readonly string[];
  readonly anonymousIds: readonly string[];
  readonly emails: readonly string[];
}

/**
 * Widens the identifiers a request names to the whole identity graph. A subject Sluice has never seen is
 * just the identifiers given (the request still completes, and suppression can block it from the first
 * event).
 */
export async function resolveSubject(identities: IdentityRepository, workspaceId: string, subject: RequestSubject): Promise<ResolvedSubject> {
  const profileIds = new Set<string>();
  const userIds = new Set<string>(subject.userId ? [subject.userId] : []);
  const anonymousIds = new Set<string>(subject.anonymousId ? [subject.anonymousId] : []);
  // As the identity graph keeps them (normalizeIdentifier): `Ada@Example.com` and `ada@example.com` are one address.
  const emails = new Set<string>(subject.email ? [normalizeIdentifier({ type: 'email', value: subject.email }).value] : []);
  for (const identifier of [subject.userId, subject.anonymousId, subject.email]) {
    if (!identifier) continue;
    const linked = await identities.linkedIdentities(workspaceId, identifier);
    if (!linked) continue;
    profileIds.add(linked.profileId);
    for (const id of linked.userIds) userIds.add(id);
    for (const id of linked.anonymousIds) anonymousIds.add(id);
    for (const id of linked.emails) emails.add(id);
  }
  return { profileIds: [...profileIds], userIds: [...userIds], anonymousIds: [...anonymousIds], emails: [...emails] };
}

export function identifiersOf(subject: ResolvedSubject): string[] {
  return [...subject.userIds, ...subject.anonymousIds, ...subject.emails];
}

/** The identifiers typed, as the privacy services (consent, suppression, flags) name them. */
export function subjectIdentifiers(subject: Omit<ResolvedSubject, 'profileIds'>): SubjectIdentifier[] {
  const of = (type: IdentifierType, values: readonly string[]) => values.map((value) => ({ type, value }));
  return [...of('userId', subject.userIds), ...of('anonymousId', subject.anonymousIds), ...of('email', subject.emails)];
}
