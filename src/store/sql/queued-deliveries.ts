import type { Kysely } from 'kysely';
import type { DeliveryRecord } from '../../core/destination.js';
import type { DeliveryListQuery, DeliveryLogKey } from '../destination-repository.js';
import type { EventKey } from '../store.js';
import type { Database } from './schema.js';

/**
 * The deliveries that are `queued` without a delivery-log row (decision 0108): where the delivery log can read
 * the delivery queue itself (the embedded queue, attached to the embedded log's connection), the fan-out writes no
 * `queued` row per event and destination; a queued delivery is a job of the queue that the log has no row for.
 * Replays and manual retries still write their `queued` rows (they replace an earlier outcome), and the router's
 * outcomes insert the rows. Each method returns `queued` records as the log's own rows would read.
 *
 * The same reader holds the log's deliveries that are `delivered` without a row (decision 0109: first-attempt
 * deliveries of those jobs, kept in delivered runs): `list` and `forMessages` return them beside the queued ones.
 */
export interface QueuedDeliveries {
  /** A destination's queued jobs and delivered runs' entries as {@link DeliveryRepository.list} pages them, of its status if given. */
  list(query: DeliveryListQuery): Promise<DeliveryRecord[]>;
  /** The queued jobs and delivered runs' entries of the events with these messageIds, at every destination (their sourceId in each record). */
  forMessages(workspaceId: string, messageIds: readonly string[]): Promise<DeliveryRecord[]>;
  /** Jobs of the destination not yet acknowledged, with or without a row (the queue's own count). */
  jobs(destinationId: string): Promise<number>;
  /** When the destination's oldest queued job (one without a row) was queued. */
  oldestQueuedAt(workspaceId: string, destinationId: string): Promise<number | undefined>;
  /**
   * Writes a `dropped` row, in `log`'s transaction, for each queued job of the destination (deleted: its jobs are
   * purged); returns how many.
   */
  dropAll(log: Kysely<Database>, workspaceId: string, destinationId: string, drop: { reason: string; message: string; at: number }): Promise<number>;
  /**
   * Removes the queued jobs of these events, at every destination (their events are being deleted: retention, an
   * erasure), as {@link DeliveryRepository.forget} removes their rows, and their deliveries kept in delivered runs
   * (decision 0109; written on `log`, in a transaction of its own); returns how many of both.
   */
  forget(log: Kysely<Database>, workspaceId: string, events: readonly EventKey[]): Promise<number>;
  /** How many deliveries of these events delivered runs still keep. */
  countDelivered(workspaceId: string, events: readonly EventKey[]): Promise<number>;
  close(): Promise<void>;
}

/** -1, 0 or 1: how `a` sorts against the key `k` in the delivery list's order (updatedAt, messageId, sourceId). */
export function compareToKey(a: DeliveryRecord, k: DeliveryLogKey): number {
  if (a.updatedAt !== k.updatedAt) return a.updatedAt < k.updatedAt ? -1 : 1;
  if (a.messageId !== k.messageId) return a.messageId < k.messageId ? -1 : 1;
  if (k.sourceId === undefined || a.sourceId === k.sourceId) return 0;
  return a.sourceId < k.sourceId ? -1 : 1;
}
