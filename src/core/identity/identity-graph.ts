import type { JsonObject, SegmentEvent } from '../../protocol/segment-event.js';
import { newId } from '../ids.js';
import { isBlockedIdentifier, normalizeEmail } from './blocked-identifiers.js';
import { believedEventTime } from '../tracking/event-time.js';
import {
  identityKeyString,
  MERGE_REFUSALS_KEPT,
  type IdentityKind,
  type LinkRefusal,
  type MergeRefusal,
  type GraphChanges,
  type GraphSlice,
  type GroupRecord,
  type IdentityKey,
  type IdentityLink,
  type ProfileRecord,
} from './identity.js';

export interface IdentityGraphOptions {
  /** Most anonymousIds one profile may hold; further ones are not linked (merge protection). */
  readonly maxAnonymousIds: number;
  /**
   * How fine the stored lastSeen is: a profile whose only change is a later lastSeen is written back once its
   * stored lastSeen is this much older (else every event would rewrite its profile row: a random-key write
   * per active person and batch, for a figure nobody reads to the millisecond).
   */
  readonly lastSeenResolutionMs: number;
}

export const DEFAULT_IDENTITY_OPTIONS: IdentityGraphOptions = { maxAnonymousIds: 100, lastSeenResolutionMs: 60_000 };

export type { LinkRefusal } from './identity.js';

export interface ResolveResult {
  /** The profile the event belongs to; undefined when it carries no usable identifier. */
  readonly profileId: string | undefined;
  readonly refused: readonly LinkRefusal[];
}

function usable(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const v = String(value);
  return isBlockedIdentifier(v) ? undefined : v;
}

function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/** The event's time for "newer wins" (traits, last seen): never after Sluice received it (core/tracking/event-time.ts). */
function eventTime(event: SegmentEvent): number {
  return believedEventTime(event);
}

function emailOf(event: SegmentEvent): string | undefined {
  const fromTraits = event.type === 'identify' ? normalizeEmail(event.traits?.email) : undefined;
  return fromTraits ?? normalizeEmail(asObject(event.context?.traits)?.email);
}

/** Newer wins per trait: copies each trait whose time is at least the one that set the current value. */
/** The most recent {@link MERGE_REFUSALS_KEPT} entries, newest first. */
function keepRecent(entries: MergeRefusal[]): MergeRefusal[] {
  return entries.sort((a, b) => b.lastAt - a.lastAt).slice(0, MERGE_REFUSALS_KEPT);
}

function mergeTraits(target: { traits: JsonObject; traitTimes: Record<string, number> }, traits: JsonObject, times: Record<string, number> | number): boolean {
  let changed = false;
  for (const [key, value] of Object.entries(traits)) {
    const at = typeof times === 'number' ? times : times[key] ?? 0;
    // A time after now can only be a future-dated event's from before event times were capped at receivedAt
    // (believedEventTime): no real later value may lose to it.
    const current = target.traitTimes[key] ?? Number.NEGATIVE_INFINITY;
    if (current <= at || current > Date.now()) {
      target.traits[key] = value;
      target.traitTimes[key] = at;
      changed = true;
    }
  }
  return changed;
}

/**
 * Every identifier an event could link, for loading the graph slice before resolving (alias's previousId is
 * looked up both as a userId and as an anonymousId).
 */
export function identityKeysOf(workspaceId: string, event: SegmentEvent): IdentityKey[] {
  const keys = ownKeysOf(workspaceId, event);
  const previousId = event.type === 'alias' ? usable(event.previousId) : undefined;
  if (previousId) {
    keys.push({ workspaceId, kind: 'user_id', value: previousId }, { workspaceId, kind: 'anonymous_id', value: previousId });
  }
  return keys;
}

/** The identifiers an event names for its own person: usable userId, anonymousId and email. */
function ownKeysOf(workspaceId: string, event: SegmentEvent): IdentityKey[] {
  const keys: IdentityKey[] = [];
  const userId = usable(event.userId);
  const anonymousId = usable(event.anonymousId);
  const email = emailOf(event);
  if (userId) keys.push({ workspaceId, kind: 'user_id', value: userId });
  if (anonymousId) keys.push({ workspaceId, kind: 'anonymous_id', value: anonymousId });
  if (email) keys.push({ workspaceId, kind: 'email', value: email });
  return keys;
}

/**
 * The identity graph in memory for one processor batch: loaded from a {@link GraphSlice}, changed by
 * {@link IdentityGraph.apply} event by event in order, written back from {@link IdentityGraph.changes} in one
 * transaction. Pure: no I/O, so the merge rules are tested table-driven.
 *
 * Rules (Segment's identity resolution with merge protection):
 * - any event carrying several identifiers links them (userId, anonymousId, traits.email of identify or
 *   context.traits.email; alias's previousId);
 * - blocked values ({@link isBlockedIdentifier}) never link;
 * - one userId per profile: two profiles holding different userIds are never merged, and a second userId
 *   never joins a profile;
 * - at most `maxAnonymousIds` anonymousIds per profile;
 * - identify traits merge into the profile, newer (by event timestamp) wins per trait;
 * - firstSeen is exact; lastSeen is stored to within `lastSeenResolutionMs` (a minute).
 *
 * @example
 *   const graph = new IdentityGraph(await store.identities.loadSlice(keys, groups));
 *   const { profileId } = graph.apply(workspaceId, event);
 *   await store.identities.applyChanges(graph.changes());
 */
export class IdentityGraph {
  private readonly profiles = new Map<string, ProfileRecord>();
  private readonly owner = new Map<string, string>();
  private readonly linksOf = new Map<string, Map<string, IdentityKey>>();
  private readonly groups = new Map<string, GroupRecord>();
  private readonly dirtyProfiles = new Set<string>();
  private readonly dirtyLinks = new Map<string, IdentityLink>();
  private readonly dirtyGroups = new Set<string>();
  private readonly deleted = new Set<string>();
  /** First and last seen of each profile as loaded (what the store holds). */
  private readonly storedSeen = new Map<string, { readonly firstSeen: number; readonly lastSeen: number }>();

  constructor(
    slice: GraphSlice,
    private readonly options: IdentityGraphOptions = DEFAULT_IDENTITY_OPTIONS,
    private readonly makeId: () => string = () => newId('prof'),
  ) {
    for (const p of slice.profiles) {
      this.profiles.set(p.id, { ...p, traits: { ...p.traits }, traitTimes: { ...p.traitTimes }, ...(p.mergeRefusals && { mergeRefusals: p.mergeRefusals.map((e) => ({ ...e })) }) });
      this.storedSeen.set(p.id, { firstSeen: p.firstSeen, lastSeen: p.lastSeen });
    }
    for (const link of slice.links) this.setOwner(link, link.profileId, false);
    for (const g of slice.groups) this.groups.set(`${g.workspaceId}\u0000${g.groupId}`, { ...g, traits: { ...g.traits }, traitTimes: { ...g.traitTimes } });
  }

  /** Resolves one event: links its identifiers, merges profiles where allowed, merges identify traits. */
  apply(workspaceId: string, event: SegmentEvent): ResolveResult {
    const at = eventTime(event);
    if (event.type === 'group') this.applyGroup(workspaceId, event, at);
    const keys = this.linkableKeys(workspaceId, event);
    if (keys.length === 0) return { profileId: undefined, refused: [] };
    const refused: LinkRefusal[] = [];
    // Each key's map key, built once (an event's keys are looked up several times below).
    const keyStrings = keys.map(identityKeyString);
    const userIndex = keys.findIndex((k) => k.kind === 'user_id' && k.value === usable(event.userId));
    const userKey = userIndex < 0 ? undefined : keys[userIndex];
    let target = userIndex < 0 ? undefined : this.owner.get(keyStrings[userIndex]!);
    const others: string[] = [];
    for (const k of keyStrings) {
      const owner = this.owner.get(k);
      if (owner !== undefined && owner !== target && !others.includes(owner)) others.push(owner);
    }
    if (target === undefined) {
      target = userKey ? others.find((p) => this.userIdOf(p) === undefined) : others[0];
    }
    if (target === undefined) target = this.createProfile(workspaceId, at);
    for (const other of others) {
      if (other === target) continue;
      const refusal = this.mergeRefusal(target, other, userKey?.value);
      if (refusal) {
        refused.push(refusal);
        // Both sides: an analyst may look up either person. The kind is that of an identifier of the event the
        // other profile holds (why the two met).
        const shared = keys.find((_, i) => this.owner.get(keyStrings[i]!) === other)?.kind ?? 'user_id';
        this.noteRefusal(target, { reason: refusal, kind: shared, otherProfileId: other }, event.messageId, at);
        this.noteRefusal(other, { reason: refusal, kind: shared, otherProfileId: target }, event.messageId, at);
      } else this.merge(other, target);
    }
    keys.forEach((key, i) => {
      if (this.owner.has(keyStrings[i]!)) return;
      const refusal = this.attachRefusal(target, key);
      if (refusal) {
        refused.push(refusal);
        this.noteRefusal(target, { reason: refusal, kind: key.kind }, event.messageId, at);
      } else this.setOwner(key, target, true, keyStrings[i]);
    });
    const profile = this.profiles.get(target)!;
    const traitsChanged = event.type === 'identify' && event.traits !== undefined && mergeTraits(profile, event.traits, at);
    profile.firstSeen = Math.min(profile.firstSeen, at);
    profile.lastSeen = Math.max(profile.lastSeen, at);
    const stored = this.storedSeen.get(target);
    if (stored === undefined || traitsChanged || profile.firstSeen < stored.firstSeen || profile.lastSeen - stored.lastSeen >= this.options.lastSeenResolutionMs) {
      this.dirtyProfiles.add(target);
    }
    return { profileId: target, refused };
  }

  /**
   * Every link the graph holds now (the slice as loaded, with this batch's links and merges applied): for each
   * profile the slice or the batch touched, all its identifiers. What the store holds for those profiles once
   * {@link IdentityGraph.changes} is written.
   */
  links(): IdentityLink[] {
    const out: IdentityLink[] = [];
    for (const [profileId, keys] of this.linksOf) for (const key of keys.values()) out.push({ workspaceId: key.workspaceId, kind: key.kind, value: key.value, profileId });
    return out;
  }

  /** Everything this batch changed. */
  changes(): GraphChanges {
    return {
      profiles: [...this.dirtyProfiles].filter((id) => !this.deleted.has(id)).map((id) => this.profiles.get(id)!),
      links: [...this.dirtyLinks.values()],
      deletedProfileIds: [...this.deleted],
      groups: [...this.dirtyGroups].map((k) => this.groups.get(k)!),
    };
  }

  private linkableKeys(workspaceId: string, event: SegmentEvent): IdentityKey[] {
    const keys = ownKeysOf(workspaceId, event);
    const previousId = event.type === 'alias' ? usable(event.previousId) : undefined;
    if (previousId && previousId !== usable(event.userId)) {
      const asUser: IdentityKey = { workspaceId, kind: 'user_id', value: previousId };
      keys.push(this.owner.has(identityKeyString(asUser)) ? asUser : { workspaceId, kind: 'anonymous_id', value: previousId });
    }
    return keys;
  }

  private applyGroup(workspaceId: string, event: SegmentEvent, at: number): void {
    const groupId = usable(event.groupId);
    if (!groupId) return;
    const key = `${workspaceId}\u0000${groupId}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { workspaceId, groupId, traits: {}, traitTimes: {}, updatedAt: at };
      this.groups.set(key, group);
    }
    if (event.traits) mergeTraits(group, event.traits, at);
    group.updatedAt = Math.max(group.updatedAt, at);
    this.dirtyGroups.add(key);
  }

  private createProfile(workspaceId: string, at: number): string {
    const id = this.makeId();
    this.profiles.set(id, { id, workspaceId, traits: {}, traitTimes: {}, firstSeen: at, lastSeen: at });
    return id;
  }

  private setOwner(key: IdentityKey, profileId: string, dirty: boolean, k = identityKeyString(key)): void {
    const previous = this.owner.get(k);
    if (previous !== undefined) this.linksOf.get(previous)?.delete(k);
    this.owner.set(k, profileId);
    let links = this.linksOf.get(profileId);
    if (!links) {
      links = new Map();
      this.linksOf.set(profileId, links);
    }
    links.set(k, { workspaceId: key.workspaceId, kind: key.kind, value: key.value });
    if (dirty) this.dirtyLinks.set(k, { workspaceId: key.workspaceId, kind: key.kind, value: key.value, profileId });
  }

  private userIdOf(profileId: string): string | undefined {
    for (const key of this.linksOf.get(profileId)?.values() ?? []) if (key.kind === 'user_id') return key.value;
    return undefined;
  }

  private anonymousCount(profileId: string): number {
    let n = 0;
    for (const key of this.linksOf.get(profileId)?.values() ?? []) if (key.kind === 'anonymous_id') n++;
    return n;
  }

  private mergeRefusal(target: string, other: string, eventUserId: string | undefined): LinkRefusal | undefined {
    const userIds = new Set([this.userIdOf(target), this.userIdOf(other), eventUserId].filter((v): v is string => v !== undefined));
    if (userIds.size > 1) return 'user_id_conflict';
    if (this.anonymousCount(target) + this.anonymousCount(other) > this.options.maxAnonymousIds) return 'anonymous_id_limit';
    return undefined;
  }

  private attachRefusal(target: string, key: IdentityKey): LinkRefusal | undefined {
    if (key.kind === 'user_id') {
      const existing = this.userIdOf(target);
      return existing !== undefined && existing !== key.value ? 'user_id_conflict' : undefined;
    }
    if (key.kind === 'anonymous_id' && this.anonymousCount(target) >= this.options.maxAnonymousIds) return 'anonymous_id_limit';
    return undefined;
  }

  /**
   * Records a refused link on a profile: counted into its entry of the same reason, kind and other profile, else a
   * new entry, keeping the {@link MERGE_REFUSALS_KEPT} most recent.
   */
  private noteRefusal(profileId: string, what: { reason: LinkRefusal; kind: IdentityKind; otherProfileId?: string }, messageId: string, at: number): void {
    const profile = this.profiles.get(profileId);
    if (!profile) return;
    const entries = profile.mergeRefusals ?? [];
    const entry = entries.find((e) => e.reason === what.reason && e.kind === what.kind && e.otherProfileId === what.otherProfileId);
    if (entry) {
      entry.count++;
      entry.firstAt = Math.min(entry.firstAt, at);
      if (at >= entry.lastAt) {
        entry.lastAt = at;
        entry.lastMessageId = messageId;
      }
    } else {
      entries.push({ ...what, count: 1, firstAt: at, lastAt: at, lastMessageId: messageId });
    }
    profile.mergeRefusals = keepRecent(entries);
    this.dirtyProfiles.add(profileId);
  }

  private merge(from: string, into: string): void {
    const source = this.profiles.get(from)!;
    const target = this.profiles.get(into)!;
    // The merged profile keeps both's refusals, but none about the two of them (they are one now).
    const refusals = [...(target.mergeRefusals ?? []), ...(source.mergeRefusals ?? [])].filter((e) => e.otherProfileId !== from && e.otherProfileId !== into);
    if (refusals.length > 0 || target.mergeRefusals !== undefined) target.mergeRefusals = keepRecent(refusals);
    for (const key of [...(this.linksOf.get(from)?.values() ?? [])]) this.setOwner(key, into, true);
    this.linksOf.delete(from);
    mergeTraits(target, source.traits, source.traitTimes);
    target.firstSeen = Math.min(target.firstSeen, source.firstSeen);
    target.lastSeen = Math.max(target.lastSeen, source.lastSeen);
    this.profiles.delete(from);
    this.dirtyProfiles.delete(from);
    this.deleted.add(from);
    this.dirtyProfiles.add(into);
  }
}
