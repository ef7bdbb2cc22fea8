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

/** A person as the identity graph knows them. `traitTimes` holds, per trait, the timestamp that set it. */
export interface ProfileRecord {
  readonly id: string;
  readonly workspaceId: string;
  traits: JsonObject;
  traitTimes: Record<string, number>;
  firstSeen: number;
  lastSeen: number;
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
