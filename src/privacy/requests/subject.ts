import { normalizeIdentifier, type IdentifierType, type SubjectIdentifier } from '../../core/privacy/subject.js';
import type { ProfileView } from '../../core/identity/identity.js';
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

/**
 * Every profile the identifiers a request names belong to, once each: two the identity graph never merged are both
 * the person's (what access exports and know reports read traits from).
 */
export async function profilesOf(identities: Pick<IdentityRepository, 'profile'>, workspaceId: string, subject: RequestSubject): Promise<ProfileView[]> {
  const profiles = new Map<string, ProfileView>();
  for (const identifier of [subject.userId, subject.anonymousId, subject.email]) {
    const found = identifier ? await identities.profile(workspaceId, identifier) : undefined;
    if (found && !profiles.has(found.profileId)) profiles.set(found.profileId, found);
  }
  return [...profiles.values()];
}

/**
 * For a `correct` whose traits carry `email`: unlinks every other email from the subject's profiles (the old,
 * wrong address), keeping the corrected one. Answers how many links were removed (0 when the traits do not
 * correct the email).
 */
export async function unlinkCorrectedEmails(store: { identities: Pick<IdentityRepository, 'unlink'> }, workspaceId: string, subject: ResolvedSubject, traits: Readonly<Record<string, unknown>>): Promise<number> {
  if (!('email' in traits)) return 0;
  const corrected = typeof traits.email === 'string' ? normalizeIdentifier({ type: 'email', value: traits.email }).value : undefined;
  const wrong = subject.emails.filter((email) => email !== corrected);
  if (wrong.length === 0) return 0;
  return store.identities.unlink(workspaceId, subject.profileIds, wrong.map((value) => ({ kind: 'email' as const, value })));
}

export function identifiersOf(subject: ResolvedSubject): string[] {
  return [...subject.userIds, ...subject.anonymousIds, ...subject.emails];
}

/** The identifiers typed, as the privacy services (consent, suppression, flags) name them. */
export function subjectIdentifiers(subject: Omit<ResolvedSubject, 'profileIds'>): SubjectIdentifier[] {
  const of = (type: IdentifierType, values: readonly string[]) => values.map((value) => ({ type, value }));
  return [...of('userId', subject.userIds), ...of('anonymousId', subject.anonymousIds), ...of('email', subject.emails)];
}
