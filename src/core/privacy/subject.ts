import type { SegmentEvent } from '../../protocol/segment-event.js';
import { isBlockedIdentifier } from '../identity/blocked-identifiers.js';

/** The kinds of identifier a data subject is known by. */
export type IdentifierType = 'userId' | 'anonymousId' | 'email';
export const IDENTIFIER_TYPES: readonly IdentifierType[] = ['userId', 'anonymousId', 'email'];

/** One identifier of a data subject, e.g. `{type: 'email', value: 'ada@example.com'}`. */
export interface SubjectIdentifier {
  type: IdentifierType;
  value: string;
}

/** Emails compare case-insensitively and without surrounding spaces; other identifiers exactly. */
export function normalizeIdentifier(id: SubjectIdentifier): SubjectIdentifier {
  return id.type === 'email' ? { type: 'email', value: id.value.trim().toLowerCase() } : id;
}

/** A stable map key for an identifier: `userId:u1`. */
export function identifierKey(id: SubjectIdentifier): string {
  return id.type === 'email' ? `email:${id.value.trim().toLowerCase()}` : `${id.type}:${id.value}`;
}

function emailOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.includes('@') && value.length <= 320 ? value.trim().toLowerCase() : undefined;
}

/**
 * The identifiers an event names directly: userId, anonymousId (not a placeholder the identity graph never links,
 * `isBlockedIdentifier`), and an email in an identify's `traits.email` or in `context.traits.email`. (Identities linked through the identity graph are added by the caller.)
 */
export function identifiersOfEvent(event: SegmentEvent): SubjectIdentifier[] {
  const out: SubjectIdentifier[] = [];
  // A placeholder ("null", "anonymous", "0", ...) names no one: as an identifier it shared one visitor's consent
  // choice, GPC signal, child flag or suppression with every other visitor whose app sent the same placeholder.
  if (typeof event.userId === 'string' && event.userId !== '' && !isBlockedIdentifier(event.userId)) out.push({ type: 'userId', value: event.userId });
  if (typeof event.anonymousId === 'string' && event.anonymousId !== '' && !isBlockedIdentifier(event.anonymousId)) out.push({ type: 'anonymousId', value: event.anonymousId });
  // A group call's traits are the group's (a company's billing address is not the sender's identifier); the
  // identity graph reads the same two places (identify traits, context.traits).
  const traits = event.type === 'identify' ? event.traits : undefined;
  const contextTraits = event.context?.traits;
  const email = emailOf(traits?.email) ?? (contextTraits && typeof contextTraits === 'object' && !Array.isArray(contextTraits) ? emailOf(contextTraits.email) : undefined);
  if (email) out.push({ type: 'email', value: email });
  return out;
}

/**
 * The identifiers an event names for the suppression check: {@link identifiersOfEvent} and, for an `alias`, the
 * `previousId` it merges into the userId, as both a userId and an anonymousId (Segment's previousId is the earlier
 * one or the other; a suppression's hash covers the value only, so the two are one row). An alias from a suppressed id
 * would otherwise be stored with it in clear and link the person's new userId; and an alias naming a suppressed
 * userId says its previousId is theirs too, so the same batch's events under it are kept out as well.
 */
export function identifiersForSuppression(event: SegmentEvent): SubjectIdentifier[] {
  const out = identifiersOfEvent(event);
  const previous = event.type === 'alias' ? event.previousId : undefined;
  if (typeof previous === 'string' && previous !== '' && !isBlockedIdentifier(previous) && !out.some((id) => id.value === previous)) {
    out.push({ type: 'userId', value: previous }, { type: 'anonymousId', value: previous });
  }
  return out;
}

/**
 * Expands identifiers to every identity linked to them (the identity graph). Returns, for each input
 * identifier's key, the full linked set (including the identifier itself).
 */
export type LinkedIdentityResolver = (workspaceId: string, identifiers: readonly SubjectIdentifier[]) => Promise<Map<string, SubjectIdentifier[]>>;

/** The resolver used until an identity graph is wired in: each identifier is linked only to itself. */
export const selfOnlyResolver: LinkedIdentityResolver = async (_workspaceId, identifiers) =>
  new Map(identifiers.map((id) => [identifierKey(id), [normalizeIdentifier(id)]]));
