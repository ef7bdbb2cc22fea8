import type { JsonObject } from '../../protocol/segment-event.js';

/** The kinds of identifier the identity graph links into one profile. */
export type IdentityKind = 'user_id' | 'anonymous_id' | 'email';

/** One identifier of one workspace. Emails are stored lower-cased and trimmed. */
export interface IdentityKey {
  readonly workspaceId: string;
  readonly kind: IdentityKind;
  readonly value: string;
}

/** An identifier and the profile it belongs to. */
export interface IdentityLink extends IdentityKey {
  readonly profileId: string;
}

/** Why the identity graph did not make a link an event asked for (the event itself still flows). */
export type LinkRefusal = 'user_id_conflict' | 'anonymous_id_limit';

/**
 * Links merge protection refused for a profile, one entry per reason, kind of identifier and other profile: what an
 * analyst needs to see why two profiles stayed apart. No identifier values: the other profile may be another
 * person's, and its identifiers are not this one's to keep; the event (`lastMessageId`) shows what was sent.
 */
export interface MergeRefusal {
  readonly reason: LinkRefusal;
  /** The kind of identifier that was not linked (for a refused merge: the one the two profiles shared). */
  readonly kind: IdentityKind;
  /** A refused merge: the profile this one was not merged with (it may be gone since: erased, or merged on). */
  readonly otherProfileId?: string;
  count: number;
  firstAt: number;
  lastAt: number;
  lastMessageId: string;
}

/** Most {@link MergeRefusal} entries a profile keeps (the most recent; `count` goes on counting in each). */
export const MERGE_REFUSALS_KEPT = 10;

/** A person as the identity graph knows them. `traitTimes` holds, per trait, the timestamp that set it. */
export interface ProfileRecord {
  readonly id: string;
  readonly workspaceId: string;
  traits: JsonObject;
  traitTimes: Record<string, number>;
  firstSeen: number;
  lastSeen: number;
  /** Links merge protection refused (absent: none). */
  mergeRefusals?: MergeRefusal[];
}

/** Everyone linked to a data subject: what privacy requests act on. */
export interface LinkedIdentities {
  readonly profileId: string;
  readonly userIds: string[];
  readonly anonymousIds: string[];
  readonly emails: string[];
}

/** A profile with all its identifiers (the profiles API's view). */
export interface ProfileView extends LinkedIdentities {
  readonly traits: JsonObject;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly mergeRefusals: readonly MergeRefusal[];
}

/** A group (account) and its latest traits, from group calls. */
export interface GroupRecord {
  readonly workspaceId: string;
  readonly groupId: string;
  traits: JsonObject;
  traitTimes: Record<string, number>;
  updatedAt: number;
}

/** The part of the graph a batch touches: every profile owning one of its identifiers, with all links. */
export interface GraphSlice {
  readonly profiles: readonly ProfileRecord[];
  readonly links: readonly IdentityLink[];
  readonly groups: readonly GroupRecord[];
}

/** What a batch changed, written in one transaction. */
export interface GraphChanges {
  readonly profiles: readonly ProfileRecord[];
  readonly links: readonly IdentityLink[];
  readonly deletedProfileIds: readonly string[];
  readonly groups: readonly GroupRecord[];
}

export function identityKeyString(key: IdentityKey): string {
  return `${key.workspaceId}\u0000${key.kind}\u0000${key.value}`;
}
