import type { Insertable, Selectable } from 'kysely';
import type { DeliveryRecord } from '../../core/destination.js';
import type { DeliveryCounterTable, DeliveryTable, EventTable, SourceCounterTable } from './schema.js';

/** An event row as the router reads it back for a job queued by reference: its key and its payload. */
export type EventPayloadRow = Pick<Selectable<EventTable>, 'seq' | 'workspace_id' | 'source_id' | 'message_id' | 'payload'>;

/** A delivery the router marked for a delivered run (`runEventSeq`: its stored event's seq). */
export type RunnableDelivery = DeliveryRecord & { runEventSeq: number };

/**
 * The store's bulk statements of the pipeline's hot path (the processor's events insert, the delivery log the
 * processor and the router write, and the router's read of the events its jobs refer to), as a dialect may run
 * them faster than a Kysely query compiled per batch.
 * The shared repositories shape the rows; an implementation only executes them, with the same meaning as the
 * Kysely queries it replaces. Without one (PostgreSQL) the repositories use Kysely.
 */
export interface BulkWrites {
  /**
   * Inserts event rows, skipping a row whose (source_id, message_id) is already stored (also earlier in the
   * same call). Returns, per input row in order, the new row's seq, or undefined when it was skipped.
   */
  insertEvents(rows: readonly Insertable<EventTable>[]): Promise<(number | undefined)[]>;
  /**
   * In one transaction: adds each counter row's count to its (destination_id, minute, status, reason) row
   * (creating it), then writes each delivery row, replacing the state of an existing (message_id, source_id,
   * destination_id) row; then keeps `delivered` as delivered runs (store/sqlite/delivered-runs.ts, decision 0109): only
   * called with them where the log's reader reads runs.
   */
  recordDeliveries(rows: readonly DeliveryTable[], counters: readonly DeliveryCounterTable[], delivered?: readonly RunnableDelivery[]): Promise<void>;
  /**
   * The event rows of these seqs (the router's read of jobs queued by reference), in any order; a seq with no
   * row is absent. Not a write, but the same hot path: one prepared statement however many seqs.
   */
  eventsBySeq(seqs: readonly number[]): Promise<EventPayloadRow[]>;
  /**
   * Adds each row's count to its (source_id, minute, kind, reason) row (creating it), in one transaction, only if
   * the file's write lock is free now: answers false, having written nothing, when another connection holds it.
   * For the thread that answers the Tracking API, whose once-a-second counter write otherwise waited (blocking the
   * thread) for the processor's transaction: 100-230 ms at a time under load.
   */
  addSourceCountersUnlessBusy(rows: readonly SourceCounterTable[]): Promise<boolean>;
}
