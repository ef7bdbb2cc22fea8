import type { ProcessRepository } from './process-repository.js';
import type { AlertWebhookPostRepository } from './alert-webhook-post-repository.js';
import type { RoleAlertRepository } from './role-alert-repository.js';
import type { ApiToken, RoleName } from '../core/api-token.js';
import type { AuditEntry, AuditInput } from '../core/audit-entry.js';
import type { ConsentRecord, ConsentRecordInput, SubjectConsentState } from '../core/privacy/consent-record.js';
import type { BannerContent, StoredBannerText } from '../core/consent/banner-content.js';
import type { PiiInventoryField, PiiLevel, PiiObservation } from '../core/privacy/pii-field.js';
import type { SubjectFlag } from '../core/privacy/subject-flag.js';
import type { SubjectIdentifier } from '../core/privacy/subject.js';
import type { Suppression } from '../core/privacy/suppression.js';
import type { AccountLink, AccountLinkPurpose, Member, MemberStatus, PolicyVersion, Session } from '../core/member.js';
import type { Source } from '../core/source.js';
import type { GraphChanges, GraphSlice, GroupRecord, IdentityKey, IdentityKind, IdentityLink, LinkedIdentities, ProfileView } from '../core/identity/identity.js';
import type { EventQuery, StoredEvent } from '../core/stored-event.js';
import type { Workspace } from '../core/workspace.js';
import type { SegmentEvent } from '../protocol/segment-event.js';
import type { PrivacyRequestRepository } from '../privacy/requests/request-repository.js';
import type { SubjectDataRepository } from '../privacy/requests/subject-data.js';
import type { SubjectEmailRepository } from '../privacy/requests/subject-email-repository.js';
import type { ReplayRepository } from '../replay/replay-repository.js';
import type { RateLimitRepository } from './rate-limit-repository.js';
import type { DestinationAlertRepository } from './destination-alert-repository.js';
import type { PipelineAlertRepository } from './pipeline-alert-repository.js';
import type { ProcessingMarkRepository } from './processing-mark-repository.js';
import type { DeliveryRepository, DestinationRepository } from './destination-repository.js';
import type { SourceCounterRepository } from './source-counter-repository.js';

export type { DeliveryCounter, DeliveryListQuery, DeliveryLogKey, DeliveryRepository, DestinationPatch, DestinationRepository, NewDestination, WaitingSummary } from './destination-repository.js';
export type { RateLimitRepository, RateLimitWindow } from './rate-limit-repository.js';
export type { NewPipelineAlert, PipelineAlert, PipelineAlertKind, PipelineAlertRepository, PipelineAlertResolution } from './pipeline-alert-repository.js';
export type { AlertKind, AlertResolution, DestinationAlert, DestinationAlertRepository, NewDestinationAlert } from './destination-alert-repository.js';
export { SOURCE_COUNTER_KINDS, type SourceCounter, type SourceCounterKind, type SourceCounterRepository, type SourceRejection, type SourceDrop } from './source-counter-repository.js';

/**
 * The store: every durable fact Sluice keeps, behind small repositories. Two implementations share one
 * Kysely query layer (`store/sql`): SQLite (`store/sqlite`, embedded default) and PostgreSQL
 * (`store/postgres`). The pipeline never knows which one runs it.
 *
 * @example
 *   const store = await openSqliteStore({ file: 'data/sluice.db' });
 *   const source = await store.sources.create({ workspaceId, name: 'Website' });
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly installation: InstallationRepository;
  readonly workspaces: WorkspaceRepository;
  readonly tokens: TokenRepository;
  readonly sources: SourceRepository;
  readonly events: EventRepository;
  readonly identities: IdentityRepository;
  readonly privacyRequests: PrivacyRequestRepository;
  readonly audit: AuditRepository;
  readonly suppressions: SuppressionRepository;
  readonly consent: ConsentRepository;
  readonly subjectFlags: SubjectFlagRepository;
  readonly piiInventory: PiiInventoryRepository;
  readonly disclosures: DisclosureRepository;
  readonly retention: RetentionRepository;
  readonly subjectData: SubjectDataRepository;
  readonly members: MemberRepository;
  readonly sessions: SessionRepository;
  readonly twoFactor: TwoFactorRepository;
  readonly policies: PolicyRepository;
  readonly destinations: DestinationRepository;
  readonly deliveries: DeliveryRepository;
  readonly sourceCounters: SourceCounterRepository;
  readonly configVersions: ConfigVersionRepository;
  readonly replays: ReplayRepository;
  readonly rateLimits: RateLimitRepository;
  /** Episodes of destinations failing (delivery alerts). */
  readonly destinationAlerts: DestinationAlertRepository;
  readonly pipelineAlerts: PipelineAlertRepository;
  /** The processing alerts' marks of the inbox. */
  readonly processingMarks: ProcessingMarkRepository;
  /** The running processes and their roles (heartbeats). */
  readonly processes: ProcessRepository;
  /** Episodes of a role running in no process. */
  readonly roleAlerts: RoleAlertRepository;
  /** The alert webhook's outbox: each notice of an episode to a workspace's webhook, until delivered or given up. */
  readonly alertWebhookPosts: AlertWebhookPostRepository;
  /** The outgoing mail to data subjects about their requests, from queued to sent or given up (decision 0802). */
  readonly subjectEmails: SubjectEmailRepository;
  /**
   * Makes every write committed so far on this store's connections durable. A no-op where every commit is
   * durable already (PostgreSQL; the embedded store opened for durable commits, the default). The embedded
   * store opened for pipeline progress (`commits: 'progress'`) commits without flushing; the processor calls
   * this once per batch, before the inbox may forget the batch's messages.
   */
  flushWrites(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A counter per kind of configuration change (the ChangeFeed's topics: sources, destinations, ...). Every
 * change bumps its topic's counter before the API answers; a stage that caches configuration compares the
 * counters with the ones it last saw (ChangeFeed.catchUp) and so never misses a change, in this process or
 * another, whatever the order its broadcast arrives in.
 */
export interface ConfigVersionRepository {
  /** Adds one to the topic's counter (concurrent bumps are all counted). */
  bump(topic: string): Promise<void>;
  /** Every topic's counter (topics never bumped are absent). */
  all(): Promise<ReadonlyMap<string, number>>;
}

export interface InstallationRepository {
  get(key: string): Promise<string | undefined>;
  /** Sets the key only if it is not set yet; returns the value now stored. */
  setIfAbsent(key: string, value: string): Promise<string>;
  /** Sets the key, whatever it held. */
  replace(key: string, value: string): Promise<void>;
  /** Removes every key that starts with `prefix`; answers how many were removed. */
  deletePrefix(prefix: string): Promise<number>;
}

export interface WorkspaceRepository {
  create(input: { id?: string; name: string }): Promise<Workspace>;
  get(id: string): Promise<Workspace | undefined>;
  list(): Promise<Workspace[]>;
  updateSettings(id: string, settings: Record<string, unknown>): Promise<void>;
  /**
   * Changes the settings document as it is now: `change` gets the stored document and returns the new one,
   * applied only if nobody wrote it meanwhile (else read and changed again). Concurrent changes of different
   * parts (two API processes, the console and a script) both land. Returns the document written.
   */
  changeSettings(id: string, change: (settings: Record<string, unknown>) => Record<string, unknown>): Promise<Record<string, unknown>>;
}

export interface TokenRepository {
  /** Stores a token by the SHA-256 of its secret. */
  create(input: { workspaceId: string; name: string; secret: string; role: RoleName; memberId?: string | null; expiresAt?: number | null }): Promise<ApiToken>;
  /** The live (unrevoked, unexpired) token for a secret, touching last-used at most once a minute. */
  authenticate(secret: string, now: number): Promise<ApiToken | undefined>;
  list(workspaceId: string): Promise<ApiToken[]>;
  revoke(workspaceId: string, id: string, now: number): Promise<boolean>;
  /**
   * Records that a rotation replaced the token with `replacedBy`; false when it is revoked or was replaced already
   * (another rotation got there first), so a token is rotated once.
   */
  markReplaced(workspaceId: string, id: string, replacedBy: string): Promise<boolean>;
  /** Brings a live token's expiry forward to `at` (never later than it was); false when it is revoked or already expires by then. */
  expireBy(workspaceId: string, id: string, at: number): Promise<boolean>;
}

export interface SourceRepository {
  create(input: { workspaceId: string; name: string; writeKey?: string }): Promise<Source>;
  get(workspaceId: string, id: string): Promise<Source | undefined>;
  list(workspaceId: string): Promise<Source[]>;
  byWriteKey(writeKey: string): Promise<Source | undefined>;
  update(workspaceId: string, id: string, patch: { name?: string; enabled?: boolean; writeKey?: string }): Promise<Source | undefined>;
}

/**
 * What identifies a stored event: the source it came from and its messageId. Events are deduplicated by it, so
 * two sources may each have an event with the same messageId (both stored, both delivered, each with its own
 * delivery-log rows).
 */
export interface EventKey {
  readonly sourceId: string;
  readonly messageId: string;
}

/** A stored event by its seq, with the key it must still have (workspace, source, messageId). */
export interface StoredEventRef extends EventKey {
  readonly seq: number;
  readonly workspaceId: string;
}

export interface NewEvent {
  workspaceId: string;
  sourceId: string;
  event: SegmentEvent;
  /** The serialized event, when the caller has it already. */
  json?: string;
}

export interface EventRepository {
  /**
   * Inserts events, skipping any whose (sourceId, messageId) is already stored (or comes earlier in the same
   * call); returns the ones inserted, in input order, with their sequence numbers and the input's own `event`
   * objects (callers match them by identity).
   */
  insertMany(events: readonly NewEvent[]): Promise<StoredEvent[]>;
  /**
   * Stored events matching every filter given, by seq (newest first unless told otherwise). By messageId an
   * event is found through its workspace's sources (the source an event came from is always of its workspace).
   */
  query(query: EventQuery): Promise<StoredEvent[]>;
  /**
   * The stored events of these keys (sourceId and messageId: the dedupe key), oldest first; a key whose event
   * is not stored (never, or deleted since) is absent. For delivery jobs and log rows, which carry the key.
   */
  byKeys(workspaceId: string, keys: readonly EventKey[]): Promise<StoredEvent[]>;
  /**
   * The stored payloads (each event's JSON text as stored) of events referred to by seq, in input order;
   * undefined where the event is gone or the seq holds another event than the reference names. For delivery
   * jobs queued by reference (`DeliveryJobRecord.storedSeq`).
   */
  storedPayloads(refs: readonly StoredEventRef[]): Promise<(string | undefined)[]>;
  count(workspaceId: string): Promise<number>;
  /** How many events of a workspace match these filters (e.g. a replay's total). */
  countMatching(query: Pick<EventQuery, 'workspaceId' | 'sourceId' | 'type' | 'event' | 'from' | 'to'>): Promise<number>;
}

/**
 * The identity graph: profiles, the identifiers (userId, anonymousId, email) linked to them, and groups. The
 * processor reads and writes it a batch at a time ({@link IdentityRepository.loadSlice} then
 * {@link IdentityRepository.applyChanges}); the merge rules live in `core/identity/identity-graph.ts`.
 *
 * @example
 *   // Everyone a privacy request must reach, from any one identifier:
 *   const linked = await store.identities.linkedIdentities(workspaceId, 'ada@example.com');
 *   // -> { profileId: 'prof_...', userIds: ['u1'], anonymousIds: ['a1', 'a2'], emails: ['ada@example.com'] }
 */
export interface IdentityRepository {
  /**
   * The profile an identifier (a userId, an anonymousId or an email, tried in that order) belongs to, with
   * every identifier linked to it; undefined when Sluice has never seen it.
   */
  linkedIdentities(workspaceId: string, identifier: string): Promise<LinkedIdentities | undefined>;
  /**
   * The profile (traits, identifiers, first/last seen, refused links) of an identifier; undefined when unknown.
   * `orProfileId`: one that is no identifier is taken as a profile id (the profiles API, where a merge refusal names
   * the other profile by its id; never for privacy requests, whose subjects are identifiers).
   */
  profile(workspaceId: string, identifier: string, options?: { orProfileId?: boolean }): Promise<ProfileView | undefined>;
  /** Latest traits of a group (from group calls). */
  group(workspaceId: string, groupId: string): Promise<GroupRecord | undefined>;
  /** The part of the graph these identifiers and groups touch (few queries, whatever the batch size). */
  loadSlice(keys: readonly IdentityKey[], groups?: readonly { workspaceId: string; groupId: string }[]): Promise<GraphSlice>;
  /** Every identifier linked to these identifiers' profiles (the links of a slice, without the profiles). */
  linksOf(keys: readonly IdentityKey[]): Promise<IdentityLink[]>;
  /** Writes a batch's changes in one transaction. */
  applyChanges(changes: GraphChanges): Promise<void>;
  /** Removes a profile and all its identifier links (data-subject deletion). */
  deleteProfile(workspaceId: string, profileId: string): Promise<void>;
  /**
   * Removes these identifiers' links to a profile (a corrected email that was wrong); the profiles keep their
   * other identifiers. Answers how many links were removed.
   */
  unlink(workspaceId: string, profileIds: readonly string[], keys: readonly { kind: IdentityKind; value: string }[]): Promise<number>;
}

/** Filters of the audit-log query; newest first. */
export interface AuditQuery {
  workspaceId: string;
  actor?: string;
  /** Entries whose actor starts with this (e.g. `member:mem_123`). */
  actorPrefix?: string;
  /** Entries whose actor contains this, ignoring case (a member's email, a token's name). */
  actorContains?: string;
  /**
   * With an actor filter (actor, actorPrefix or actorContains): entries whose actor starts with one of these match it
   * too (`token:tok_1 `: the entries made with the tokens of the members the filter names).
   */
  orActorPrefixes?: readonly string[];
  action?: string;
  /** Entries whose action starts with this (e.g. `privacy` for `privacy_request.*` and `privacy_settings.update`). */
  actionPrefix?: string;
  resourceType?: string;
  resourceId?: string;
  /** Inclusive lower bound on `at` (epoch ms). */
  from?: number;
  /** Exclusive upper bound on `at` (epoch ms). */
  to?: number;
  /** Only entries older than this seq (the cursor). */
  beforeSeq?: number;
  limit: number;
}

/** The append-only, hash-chained audit log (one chain per workspace). Nothing updates or deletes entries. */
export interface AuditRepository {
  /** Appends an entry at the end of its workspace's chain (seq, prevHash and hash are computed here). */
  append(input: AuditInput, at?: number): Promise<AuditEntry>;
  query(query: AuditQuery): Promise<AuditEntry[]>;
  /** Entries with seq > afterSeq, oldest first (for verification and export). */
  scan(workspaceId: string, afterSeq: number, limit: number): Promise<AuditEntry[]>;
  /** The last (seq, hash) of a workspace's chain, recorded apart from the entries. */
  head(workspaceId: string): Promise<{ seq: number; hash: string } | undefined>;
  /** Every workspace that has a chain. */
  workspaceIds(): Promise<string[]>;
}

export interface SuppressionRepository {
  /** Adds suppressions; an identifier already suppressed keeps its row. Returns the rows now stored for them. */
  add(rows: readonly Omit<Suppression, 'id' | 'createdAt'>[], now: number): Promise<Suppression[]>;
  /** Removes the suppressions of these identifier hashes; returns how many were removed. */
  remove(workspaceId: string, identifierHashes: readonly string[]): Promise<number>;
  list(workspaceId: string): Promise<Suppression[]>;
  /** The rows of these identifier hashes (those not suppressed left out). */
  of(workspaceId: string, identifierHashes: readonly string[]): Promise<Suppression[]>;
  /** The subset of `identifierHashes` that is suppressed. */
  matching(workspaceId: string, identifierHashes: readonly string[]): Promise<Set<string>>;
  /** Every suppressed hash of the workspace when there are at most `max`, else undefined (one small query). */
  hashesUpTo(workspaceId: string, max: number): Promise<Set<string> | undefined>;
}

export interface ConsentRepository {
  /** Appends ledger entries and updates each subject's current state, in one transaction. */
  append(records: readonly ConsentRecordInput[]): Promise<void>;
  /** Current state of each identifier that has one. */
  states(workspaceId: string, subjects: readonly SubjectIdentifier[]): Promise<SubjectConsentState[]>;
  /** Ledger entries of these identifiers, oldest first. */
  history(workspaceId: string, subjects: readonly SubjectIdentifier[], limit: number): Promise<ConsentRecord[]>;
  /** Keeps a banner wording under its version (the SHA-256 of `content`), once: a version already kept stays as it was. */
  rememberBanner(workspaceId: string, version: string, content: BannerContent, at: number): Promise<void>;
  /** The kept banner wordings of these versions (those unknown left out). */
  banners(workspaceId: string, versions: readonly string[]): Promise<StoredBannerText[]>;
  /** Ledger entries and current states that name these identifiers. */
  countNamed(workspaceId: string, subjects: readonly SubjectIdentifier[]): Promise<number>;
  /**
   * An erased subject's consent: each ledger entry keeps its choice, time and proof but names the identifier by
   * `pseudonym(identifier)` instead; the current states are deleted. Returns the ledger entries changed.
   */
  pseudonymize(workspaceId: string, subjects: readonly SubjectIdentifier[], pseudonym: (subject: SubjectIdentifier) => string): Promise<number>;
}

export interface SubjectFlagRepository {
  /** Sets flags (idempotent); returns the flags that were new. */
  set(flags: readonly SubjectFlag[]): Promise<SubjectFlag[]>;
  list(workspaceId: string, subjects: readonly SubjectIdentifier[]): Promise<SubjectFlag[]>;
  /** Deletes the flags of these identifiers (an erasure); returns how many. */
  remove(workspaceId: string, subjects: readonly SubjectIdentifier[]): Promise<number>;
  /** Every flag of the workspace when there are at most `max`, else undefined (one small query). */
  listUpTo(workspaceId: string, max: number): Promise<SubjectFlag[] | undefined>;
}

export interface PiiInventoryRepository {
  /** Upserts observations: inserts new fields, advances last_seen of known ones (one statement per chunk). */
  observe(observations: readonly PiiObservation[]): Promise<void>;
  list(workspaceId: string, filter: { sourceId?: string; level?: PiiLevel }): Promise<PiiInventoryField[]>;
  /** A reviewer's classification; undefined when the field is unknown. */
  review(workspaceId: string, sourceId: string, path: string, review: { level: PiiLevel; label: string | null; by: string; at: number }): Promise<PiiInventoryField | undefined>;
  /** Reviewed classifications of a workspace, by `sourceId\u0000path`. */
  reviewed(workspaceId: string): Promise<Map<string, { level: PiiLevel; label: string | null }>>;
}

export interface RetentionRepository {
  /**
   * Reads the workspace's oldest `limit` events in stored order and deletes those received before `before`, with
   * their delivery rows; returns how many events (fewer than `limit`: the caller is done for now). First records
   * that the workspace's events received up to the latest deleted one's time may be gone (see
   * {@link eventsPrunedBefore}). Reads one window whatever the store's size.
   */
  deleteEventsBefore(workspaceId: string, before: number, limit: number): Promise<number>;
  /**
   * Events received before this time may have been deleted by retention (with their delivery rows); undefined
   * when the workspace's events never were. A person first seen after it has every event stored.
   */
  eventsPrunedBefore(workspaceId: string): Promise<number | undefined>;
  /**
   * Reads `limit` events in stored order after the workspace's cursor and truncates `context.ip` of those received
   * before `before`; moves the cursor over the due events at the window's front (never past one not yet due).
   * Returns how many events the cursor moved over (`limit`: more may be due) and how many changed.
   */
  truncateIpsBefore(workspaceId: string, before: number, limit: number, truncate: (ip: string) => string): Promise<{ scanned: number; changed: number }>;
}

export interface NewMember {
  workspaceId: string;
  email: string;
  name: string;
  role: RoleName;
  status: MemberStatus;
  passwordHash?: string | null;
}

export type MemberPatch = Partial<{
  email: string;
  name: string;
  role: RoleName;
  status: MemberStatus;
  passwordHash: string | null;
  mustResetPassword: boolean;
  profileLocked: boolean;
  productEmailsOptOut: boolean;
  deliveryAlertEmailsOptOut: boolean;
  failedLogins: number;
  lockedUntil: number | null;
  lastLoginAt: number;
}>;

/** Workspace members (emails are stored lower-case; unique per workspace). */
export interface MemberRepository {
  create(input: NewMember): Promise<Member>;
  get(workspaceId: string, id: string): Promise<Member | undefined>;
  byEmail(workspaceId: string, email: string): Promise<Member | undefined>;
  /** Every membership of an email address, in any workspace, with its password hash (for login). */
  withEmail(email: string): Promise<{ member: Member; passwordHash: string | null }[]>;
  passwordHash(workspaceId: string, id: string): Promise<string | null>;
  list(workspaceId: string): Promise<Member[]>;
  update(workspaceId: string, id: string, patch: MemberPatch): Promise<Member | undefined>;
  delete(workspaceId: string, id: string): Promise<boolean>;
  countActiveOwners(workspaceId: string): Promise<number>;
}

/** Console sessions and one-time account links (setup, invitation, password reset). */
export interface SessionRepository {
  create(input: { workspaceId: string; memberId: string; secret: string; csrfToken: string; expiresAt: number; ip: string | null; userAgent?: string | null }): Promise<Session>;
  /** The unexpired session of this secret; notes its use (`lastUsedAt`, at most once a minute). */
  authenticate(secret: string, now: number): Promise<Session | undefined>;
  revoke(secret: string): Promise<void>;
  /** Ends one session of the member by its id; false when the member has no such session. */
  end(workspaceId: string, memberId: string, sessionId: string): Promise<boolean>;
  /** Ends every session of the member (but `exceptSessionId`, the caller's own, when given); answers how many ended. */
  revokeAllOf(workspaceId: string, memberId: string, exceptSessionId?: string): Promise<number>;
  listOf(workspaceId: string, memberId: string): Promise<Session[]>;
  createLink(input: { secret: string; workspaceId: string; memberId: string | null; purpose: AccountLinkPurpose; expiresAt: number }): Promise<void>;
  /** An unused, unexpired link without using it (to check a second factor before the link is spent). */
  peekLink(secret: string, purpose: AccountLinkPurpose, now: number): Promise<AccountLink | undefined>;
  /** Marks an unused, unexpired link used and returns it; undefined when it is unknown, used or expired. */
  consumeLink(secret: string, purpose: AccountLinkPurpose, now: number): Promise<AccountLink | undefined>;
  invalidateLinks(workspaceId: string, memberId: string, now: number): Promise<void>;
}

/** A member's TOTP second factor as stored: the secret sealed with `Keys`, never in clear. */
export interface TwoFactorRecord {
  workspaceId: string;
  memberId: string;
  sealedSecret: string;
  createdAt: number;
  /** Null while the enrollment waits for its first code. */
  enabledAt: number | null;
  /** The last TOTP time step accepted (a code is never accepted twice). */
  lastStep: number | null;
}

/** TOTP second factors and their single-use recovery codes (stored as keyed hashes). */
export interface TwoFactorRepository {
  get(workspaceId: string, memberId: string): Promise<TwoFactorRecord | undefined>;
  /** Starts or restarts an enrollment (not enabled): replaces any pending one, and refuses (false) when one is enabled. */
  begin(workspaceId: string, memberId: string, sealedSecret: string, now: number): Promise<boolean>;
  /** Enables the pending enrollment and replaces the recovery codes; false when nothing was pending. */
  enable(workspaceId: string, memberId: string, step: number, codeHashes: readonly string[], now: number): Promise<boolean>;
  /** Records an accepted time step; false when it is not newer than the last one (a replayed code). */
  useStep(workspaceId: string, memberId: string, step: number): Promise<boolean>;
  /** Marks an unused recovery code used; false when unknown or used already. */
  useRecoveryCode(workspaceId: string, memberId: string, codeHash: string, now: number): Promise<boolean>;
  remainingRecoveryCodes(workspaceId: string, memberId: string): Promise<number>;
  /** Removes the second factor and its recovery codes. */
  remove(workspaceId: string, memberId: string): Promise<boolean>;
}

/** Privacy-policy versions and members' acceptances of them. */
export interface PolicyRepository {
  publish(input: { workspaceId: string; title: string; text: string | null; url: string | null; effectiveAt: number; material: boolean; publishedBy: string }): Promise<PolicyVersion>;
  list(workspaceId: string): Promise<PolicyVersion[]>;
  get(workspaceId: string, id: string): Promise<PolicyVersion | undefined>;
  /** The version in force at `at` (the newest whose effective date has passed): consent records cite it. */
  inForce(workspaceId: string, at: number): Promise<PolicyVersion | undefined>;
  accept(input: { workspaceId: string; memberId: string; policyVersionId: string; at: number; ip: string | null }): Promise<void>;
  acceptances(workspaceId: string, filter: { memberId?: string; policyVersionId?: string }): Promise<{ memberId: string; policyVersionId: string; acceptedAt: number; ip: string | null }[]>;
  deleteAcceptancesOf(workspaceId: string, memberId: string): Promise<void>;
}

export type DisclosureResourceType = 'destination' | 'source' | 'controller';

/** A disclosure profile (see core/privacy/disclosure-profile.ts) of a destination, a source or the controller. */
export interface DisclosureRecord {
  workspaceId: string;
  resourceType: DisclosureResourceType;
  resourceId: string;
  /** The resource's name when last described (kept after it is removed, for the 12-month CCPA lookback). */
  resourceName: string;
  profile: Record<string, unknown>;
  updatedAt: number;
  /** When the resource was removed from the workspace (null while it exists). */
  removedAt: number | null;
}

export interface DisclosureRepository {
  put(record: Omit<DisclosureRecord, 'removedAt'>): Promise<DisclosureRecord>;
  list(workspaceId: string): Promise<DisclosureRecord[]>;
  /** Records that the resource is gone (first time only). */
  markRemoved(workspaceId: string, resourceType: DisclosureResourceType, resourceId: string, at: number): Promise<void>;
}
