import type { StoredEvent } from '../../core/stored-event.js';
import { identifierKey, normalizeIdentifier, type IdentifierType, type SubjectIdentifier } from '../../core/privacy/subject.js';

/**
 * The identifiers events are stored under (every event has a userId or an anonymousId). The subject's events are
 * those with one of their userIds, and those without a userId that have one of their anonymousIds: an event with
 * someone else's userId is that person's, whichever anonymousId it carries (a device two people used).
 */
export interface EventSubjectKeys {
  readonly userIds: readonly string[];
  readonly anonymousIds: readonly string[];
}

/** What one batch of a subject's erasure removed. */
export interface EventBatchDeletion {
  readonly events: number;
  /** Delivery-log rows of those events (at any destination). */
  readonly deliveryRows: number;
  /** Delivery-log rows of those events found by a fresh count right after: 0 unless one was written meanwhile. */
  readonly deliveryRowsLeft: number;
}

/** The delivery log's rows of a subject's events at one destination, counted (access answers: GDPR 15(1)(c)). */
export interface SubjectDeliverySummary {
  readonly delivered: number;
  /** When the first and the last of them were delivered (epoch ms); absent when none was. */
  readonly firstDeliveredAt?: number;
  readonly lastDeliveredAt?: number;
  /** Deliveries withheld, by reason (`consent_denied:advertising`, `suppressed`, `filter`, ...). */
  readonly dropped: Readonly<Record<string, number>>;
  /** Given up after the router's retries. */
  readonly failed: number;
  /** Queued or retrying. */
  readonly waiting: number;
}

/** Restriction kinds: `restrict` stops routing (GDPR 18); `limit_sensitive` stops sensitive fields (CPRA 1798.121). */
/** A source and an hour of receipt (UTC, ISO 8601 at the hour's start: `2026-11-30T10:00:00.000Z`). */
export interface ReceiptHour {
  readonly sourceId: string;
  readonly hour: string;
}

export type RestrictionKind = 'restrict' | 'limit_sensitive';

/** An identifier a restriction is stored for: its kind (null for a row stored before kinds were, migration 1150) and value. */
export interface RestrictedIdentifier {
  readonly type: IdentifierType | null;
  readonly value: string;
}

/** The key a stored restriction is matched by: `userId:u1`, or `*:u1` for a row without a kind. */
export function restrictionKey(row: RestrictedIdentifier): string {
  return row.type === null ? `*:${row.value}` : identifierKey({ type: row.type, value: row.value });
}

/** Whether a restriction with one of these keys (`restrictionKey`) holds for an identifier: its own kind and value, or a row without a kind of its value. */
export function restrictionHolds(keys: ReadonlySet<string>, id: SubjectIdentifier): boolean {
  return keys.has(identifierKey(id)) || keys.has(`*:${normalizeIdentifier(id).value}`);
}

/**
 * A data subject's rows across the store, found by identifier, for access exports and deletions. Reads page
 * by sequence number (one identifier at a time, on the (workspace, identifier, seq) indexes), so a subject
 * with millions of events streams in constant memory; deletes go in small batches, each its own short
 * transaction, so ingest keeps writing in between.
 */
export interface SubjectDataRepository {
  countEvents(workspaceId: string, keys: EventSubjectKeys): Promise<number>;
  /** Events of the subject after `afterSeq` for one identifier (each event once across identifiers). */
  eventPage(workspaceId: string, keys: EventSubjectKeys, cursor: EventPageCursor, limit: number): Promise<{ events: StoredEvent[]; next: EventPageCursor | undefined }>;
  /**
   * Deletes up to `batchSize` of the subject's events and their delivery rows (a row's last error may quote a
   * destination's answer about the person); `events` is 0 when none are left.
   */
  deleteEventBatch(workspaceId: string, keys: EventSubjectKeys, batchSize: number): Promise<EventBatchDeletion>;
  /**
   * What the delivery log says of the subject's stored events at each destination (the log joined to the
   * subject's events), by destination id: how many were delivered and when first and last, how many were withheld
   * and why, how many failed or still wait. Destinations with no row of the subject's events are absent.
   */
  deliverySummary(workspaceId: string, keys: EventSubjectKeys): Promise<Map<string, SubjectDeliverySummary>>;
  /**
   * The destinations the delivery log says may hold some of the subject's data: a row of one of the subject's
   * stored events that is delivered, queued or retrying (in flight), or failed after an attempt (it may have
   * arrived before the error). Complete only for as long as the subject's events are all stored (see
   * `RetentionRepository.eventsPrunedBefore`).
   */
  destinationsReached(workspaceId: string, keys: EventSubjectKeys): Promise<Set<string>>;
  /**
   * Per destination that `destinationsReached` names, the source and hour of receipt of each of the subject's
   * events that may have reached it (no duplicates): the S3 archive files events by source and hour, so its
   * deletion reads those folders only. Complete as `destinationsReached` is.
   */
  receiptHoursReached(workspaceId: string, keys: EventSubjectKeys): Promise<Map<string, ReceiptHour[]>>;
  /** The earliest `firstSeen` of these profiles; undefined when none is stored. */
  firstSeen(workspaceId: string, profileIds: readonly string[]): Promise<number | undefined>;
  countIdentityLinks(workspaceId: string, profileIds: readonly string[]): Promise<number>;
  countProfiles(workspaceId: string, profileIds: readonly string[]): Promise<number>;

  /**
   * Restrictions are stored per identifier with its kind (emails normalized) and matched by kind and value: a
   * userId equal to a restricted email is not restricted by it. A row stored before kinds were (migration 1150,
   * `type: null`) holds for its value under any kind, as it did.
   */
  addRestriction(input: { workspaceId: string; kind: RestrictionKind; identifiers: readonly SubjectIdentifier[]; requestId: string; at: number }): Promise<void>;
  /** Removes the rows of these identifiers (and the kindless rows of their values); answers how many. */
  removeRestriction(workspaceId: string, kind: RestrictionKind, identifiers: readonly SubjectIdentifier[]): Promise<number>;
  /** Which of these identifiers are under a restriction of this kind. */
  restricted(workspaceId: string, kind: RestrictionKind, identifiers: readonly SubjectIdentifier[]): Promise<SubjectIdentifier[]>;
  /** The restrictions of this kind that hold for some of these identifiers' values (to match by kind: `restrictionHolds`). */
  restrictionsOfValues(workspaceId: string, kind: RestrictionKind, values: readonly string[]): Promise<RestrictedIdentifier[]>;
  /** Every identifier under a restriction of this kind in the workspace, at most `limit` of them. */
  restrictedIdentifiers(workspaceId: string, kind: RestrictionKind, limit: number): Promise<RestrictedIdentifier[]>;
  countRestrictions(workspaceId: string, identifiers: readonly SubjectIdentifier[]): Promise<number>;
}

/** Position of an event page walk: which identifier list, which index in it, and the last sequence seen. */
export interface EventPageCursor {
  readonly column: 'user_id' | 'anonymous_id';
  readonly index: number;
  readonly afterSeq: number;
}

export const FIRST_PAGE: EventPageCursor = { column: 'user_id', index: 0, afterSeq: 0 };
