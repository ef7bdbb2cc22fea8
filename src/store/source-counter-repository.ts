import type { RejectionExample } from '../core/tracking/rejection-example.js';

/**
 * What happened to a source's events, per minute:
 * - `received`: events the Tracking API accepted (durably queued);
 * - `stored`: events the processor stored, counted in the minute they were received (a duplicate messageId is not
 *   stored, and counts as `dropped`); an event erased or expired later still counts: a flow, not what is kept now.
 *   What `GET /api/v1/stats/events-per-minute` sums (counting the rows of `events` read every event of the window);
 * - `rejected`: events the Tracking API refused, reason = error code (`validation_failed`, `too_many_requests`,
 *   `backlog_full`, `source_disabled`, `request_too_large`, ...). Events of a refused request whose body could
 *   be read count one each; a request whose body could not be read counts 1;
 * - `dropped`: events the processor dropped before storage, reason = the stage's (`suppressed`, `duplicate`,
 *   `pii_blocked:*`);
 * - `withheld`: (event, destination) pairs fan-out withheld from a destination, reason = the decider's
 *   (`consent_denied:*`, `child`, `integrations`, `filter`, `restricted`, ...); the event itself was stored.
 */
export const SOURCE_COUNTER_KINDS = ['received', 'stored', 'rejected', 'dropped', 'withheld'] as const;
export type SourceCounterKind = (typeof SOURCE_COUNTER_KINDS)[number];

/** One per-minute counter row. Installation-wide rejections (no source could be named) have sourceId '' and workspaceId ''. */
export interface SourceCounter {
  workspaceId: string;
  sourceId: string;
  /** Start of the minute, epoch ms. */
  minute: number;
  kind: SourceCounterKind;
  /** '' for `received` and `stored`. */
  reason: string;
  count: number;
}

/**
 * Per-minute source counters. Writers aggregate in memory and add their increments periodically
 * (`src/observability/counter-buffer.ts`); several processes may add to the same row (the upsert adds).
 */
export interface SourceCounterRepository {
  /**
   * Adds each row's count to the stored row of the same (source, minute, kind, reason), in one transaction; true.
   * `wait: false`: on the embedded store, only if no other connection is writing the file now; otherwise nothing is
   * written and the answer is false (the caller keeps the rows for its next write). For the thread that answers the
   * Tracking API, which would otherwise stop answering while it waits (the processor's transactions hold the file
   * for tens to hundreds of milliseconds under load). PostgreSQL always writes.
   */
  add(rows: readonly SourceCounter[], options?: { wait?: boolean }): Promise<boolean>;
  /** A workspace's rows for minutes in [from, to), optionally of one source; `''` reads the installation-wide rows. */
  list(workspaceId: string, from: number, to: number, sourceId?: string): Promise<SourceCounter[]>;
  /** Keeps each rejection as its (source, code)'s latest, unless a later one is kept already. */
  saveRejections(rows: readonly SourceRejection[]): Promise<void>;
  /** The latest rejection per code of a workspace's source at or after `since`, newest first. */
  rejections(workspaceId: string, sourceId: string, since: number): Promise<SourceRejection[]>;
  /** Keeps each drop as its (source, reason)'s latest, unless a later one is kept already. */
  saveDrops(rows: readonly SourceDrop[]): Promise<void>;
  /** The latest drop per reason of a workspace's source at or after `since`, newest first. */
  drops(workspaceId: string, sourceId: string, since: number): Promise<SourceDrop[]>;
  /** Drops rows of minutes before `before`, and rejections and drops older than it. */
  prune(before: number): Promise<number>;
}

/** The latest rejected event of a source for one error code: why, when, and what was sent (its shape). */
export interface SourceRejection {
  workspaceId: string;
  sourceId: string;
  /** The error code (docs/errors.md). */
  code: string;
  message: string;
  at: number;
  /** What was sent, without its values; absent when the request was refused before its events were read. */
  example?: RejectionExample;
}

/**
 * The latest event of a source the processor dropped before storage for one reason (`duplicate`, `suppressed`,
 * `pii_blocked:<field>`): the Tracking API had answered 200, so the live debugger shows it (`event: dropped`), or the
 * engineer sees a 200 and no event.
 */
export interface SourceDrop {
  workspaceId: string;
  sourceId: string;
  /** The processor's drop reason (docs/destinations.md, source counters' `droppedByReason`). */
  reason: string;
  /** What happened and what to do, without the event's values. */
  message: string;
  at: number;
  /** The event's type, event name, messageId and shape (no values). */
  example?: RejectionExample;
}
