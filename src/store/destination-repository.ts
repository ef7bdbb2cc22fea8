import type { DeliveryRecord, DeliveryStatus, DestinationTombstone, StoredDestination } from '../core/destination.js';
import type { EventKey } from './store.js';

/**
 * The destinations' and the delivery log's repositories (a part of `Store`, kept in a file of its own as
 * store.ts grew past 500 lines; re-exported by store.ts).
 */
export type NewDestination = Omit<StoredDestination, 'id' | 'createdAt' | 'updatedAt' | 'filters'> & { filters?: StoredDestination['filters'] };
export type DestinationPatch = Partial<Pick<StoredDestination, 'name' | 'publicConfig' | 'sealedSecrets' | 'sourceIds' | 'consentCategories' | 'filters' | 'enabled'>>;

/**
 * Destinations as stored: secrets sealed (see `destinations/destination-secrets.ts`, which seals and opens
 * them with the installation's Keys; the repository never sees them in clear). A deleted destination is kept
 * as a {@link DestinationTombstone}: `get`, `list`, `listAll` and `update` never see it, `tombstones` does.
 *
 * @example
 *   const tombstone = await store.destinations.delete(workspaceId, id, { by: 'token:tok_1 (CI)', at: Date.now() });
 *   await store.destinations.get(workspaceId, id); // -> undefined
 *   (await store.destinations.tombstones(workspaceId)).map((t) => t.name); // -> ['Webhook']
 */
export interface DestinationRepository {
  create(input: NewDestination): Promise<StoredDestination>;
  /** A configured destination; undefined when unknown or deleted. */
  get(workspaceId: string, id: string): Promise<StoredDestination | undefined>;
  /** The workspace's configured destinations (not the deleted ones). */
  list(workspaceId: string): Promise<StoredDestination[]>;
  /** Every configured destination of every workspace (the router's lanes). */
  listAll(): Promise<StoredDestination[]>;
  /** Changes a configured destination; undefined when unknown or deleted. */
  update(workspaceId: string, id: string, patch: DestinationPatch): Promise<StoredDestination | undefined>;
  /**
   * Deletes a configured destination, keeping its tombstone: its config and sealed secrets (and filters) are
   * erased and it is disabled. Returns the tombstone; undefined when the destination is unknown or already deleted.
   */
  delete(workspaceId: string, id: string, deletion: { by: string; at: number }): Promise<DestinationTombstone | undefined>;
  /** The workspace's deleted destinations, oldest deletion first. */
  tombstones(workspaceId: string): Promise<DestinationTombstone[]>;
}

/**
 * A delivery-log row's place in a destination's log: `updatedAt`, then messageId, then sourceId (the keyset of
 * its pages). Without `sourceId` (a cursor saved before the log was keyed by source) a page starts after every
 * row of that messageId and time.
 */
export interface DeliveryLogKey {
  readonly updatedAt: number;
  readonly messageId: string;
  readonly sourceId?: string;
}

export interface DeliveryListQuery {
  workspaceId: string;
  destinationId: string;
  status?: DeliveryStatus;
  messageId?: string;
  /** Only the deliveries of events from this source (with `messageId`: one event's delivery). */
  sourceId?: string;
  /** Keyset cursor: rows strictly older than this one. */
  before?: DeliveryLogKey;
  /** Keyset cursor: rows strictly newer than this one. */
  after?: DeliveryLogKey;
  /** Newest first (the default: the API's and the console's listing), or oldest first. */
  order?: 'newest-first' | 'oldest-first';
  limit: number;
}

/**
 * The delivery log: the latest state of each event (its {@link EventKey}: source and messageId) at each
 * destination (queued, delivered, retrying, failed, dropped) with attempts and reasons; one row per (messageId,
 * sourceId, destinationId). Written in batches by the processor (queued/dropped) and the router (the rest).
 *
 * @example
 *   await store.deliveries.record([{ workspaceId, destinationId, messageId, sourceId, status: 'dropped',
 *     attempts: 0, reason: 'consent_denied:advertising', lastError: null, updatedAt: Date.now() }]);
 */
export interface DeliveryRepository {
  /**
   * Upserts states, replacing the row of the same (messageId, sourceId, destinationId) (one multi-row statement
   * per 500 records; of several states of one row in a call the last is kept) and, in the same transaction, adds each record
   * to the per-minute counters ({@link DeliveryCounter}) of its destination, status and reason.
   */
  record(records: readonly DeliveryRecord[]): Promise<void>;
  /**
   * The processor's fan-out's records, as {@link DeliveryRepository.record} writes them, except where the log reads
   * `queued` from the delivery queue (`queuedFromQueue`, decision 0108): there its `queued` records are counted in
   * the per-minute counters but not written as rows (their jobs stand for them until their first outcome).
   */
  recordFanOut(records: readonly DeliveryRecord[]): Promise<void>;
  /** Whether a delivery that is `queued` may have no row (its job in the embedded queue stands for it). */
  readonly queuedFromQueue: boolean;
  /** Counters of a workspace's destinations for minutes in [from, to) (epoch ms), optionally one destination. */
  counters(workspaceId: string, from: number, to: number, destinationId?: string): Promise<DeliveryCounter[]>;
  /** Drops counters of minutes before `before` (they are kept for the last 24 hours). */
  pruneCounters(before: number): Promise<number>;
  /** A destination's deliveries, most recently updated first (then by messageId and sourceId). */
  list(query: DeliveryListQuery): Promise<DeliveryRecord[]>;
  /**
   * Of these events, the deliveries to the destination that are waiting for a retry, with their retry state
   * (attempts, `nextAttemptAt`, `firstAttemptAt`): a router handed jobs that may have been tried before (after
   * a restart, or from another router in scale mode) carries on from them. In no particular order.
   */
  retrying(workspaceId: string, destinationId: string, events: readonly EventKey[]): Promise<DeliveryRecord[]>;
  /**
   * Where the events with this messageId went: their states at every destination, each row with its sourceId
   * (each source may have sent an event with the messageId). Only that source's event's when `sourceId` is given.
   */
  forMessage(workspaceId: string, messageId: string, sourceId?: string): Promise<DeliveryRecord[]>;
  /**
   * Deletes these events' delivery rows at every destination (their events are being deleted: retention, a
   * subject's erasure; a row's last error may quote a destination's answer about the person); returns how many.
   * Another source's event with the same messageId keeps its rows. Where `queued` is read from the queue
   * (`queuedFromQueue`), their queued jobs are removed too, and counted.
   */
  forget(workspaceId: string, events: readonly EventKey[]): Promise<number>;
  /**
   * What a destination has waiting, from its delivery log: when its oldest `queued` delivery was queued, how
   * many deliveries are `retrying`, and since when the oldest of them has been tried (its first attempt).
   */
  waitingSummary(workspaceId: string, destinationId: string): Promise<WaitingSummary>;
  /**
   * Records that a destination asked to be left alone until `until` (epoch ms; a whole batch refused with
   * Retry-After), keeping the later of this and a pause already recorded.
   */
  pause(workspaceId: string, destinationId: string, until: number, reason: string): Promise<void>;
  /** The last pause a destination asked for (it may be over: compare `until` with now); undefined when none. */
  pauseOf(workspaceId: string, destinationId: string): Promise<{ until: number; reason: string } | undefined>;
  /** How many of a destination's deliveries are in this status, last updated before `before` (epoch ms) when given. */
  countWithStatus(workspaceId: string, destinationId: string, status: DeliveryStatus, before?: number): Promise<number>;
  /** How many delivery rows these events still have, at any destination. */
  countFor(workspaceId: string, events: readonly EventKey[]): Promise<number>;
  /**
   * Marks every delivery of a destination still `queued` or `retrying` as `dropped` with this reason and
   * message (its destination was deleted: nothing will send them), counting them in the per-minute counters of
   * `at` in the same transaction; returns how many. Rows in any other state are left as they are, so calling it
   * again (another router process, a retry) changes and counts nothing more.
   */
  dropWaiting(workspaceId: string, destinationId: string, drop: { reason: string; message: string; at: number }): Promise<number>;
}

/** See DeliveryRepository.waitingSummary. */
export interface WaitingSummary {
  oldestQueuedAt: number | undefined;
  retrying: number;
  oldestRetryingSince: number | undefined;
}

/**
 * How many delivery-log writes of one status (and reason) a destination had in one minute: `queued` and
 * `dropped` from fan-out, replays and retries; `delivered`, `retrying` (one per failed attempt that will be
 * tried again) and `failed` from the router. Counted as written, so an outcome written twice after a crash
 * (at-least-once) counts twice.
 */
export interface DeliveryCounter {
  destinationId: string;
  /** Start of the minute, epoch ms. */
  minute: number;
  status: DeliveryStatus;
  /** '' when the status has no reason. */
  reason: string;
  count: number;
}
