import type { DeliveryRecord } from '../../core/destination.js';
import type { RunnableDelivery } from '../sql/bulk-writes.js';
import { EventSeqSpan } from './event-seq-span.js';

/**
 * Delivered runs (decision 0109): the embedded delivery log keeps the deliveries a router's batch delivered at its
 * first attempt, of jobs the fan-out queued without a row (decision 0108), as one row per batch and destination
 * (`delivered_runs`) instead of a row per event. Every such delivery reads the same (delivered, 1 attempt, no reason,
 * no error, the batch's time): what differs per event is its messageId, its source and its stored event's seq.
 *
 * A row per delivered event cost the router a third of its CPU per event (three B-tree inserts keyed by strings, and
 * their pages written twice: WAL and checkpoint) and about 360 bytes of `deliveries.db` per event and destination.
 *
 * A delivery-log row for the same (message, source, destination) outranks a run's entry: it was written later (a
 * replay, a manual retry, a router that took the job over after a restart), so readers show the row.
 */

/** An entry: the event's messageId, its source when not the run's own (null), and its stored event's seq. */
export type RunEntry = [messageId: string, sourceId: string | null, eventSeq: number];

/** Where each field sits in an entry. */
export const RUN_ENTRY = { messageId: 0, sourceId: 1, eventSeq: 2 } as const;

/** The row of `delivered_runs` (deliveries.db), as written and read. */
export interface RunRow {
  seq: number;
  workspace_id: string;
  destination_id: string;
  /** The first entry's source; an entry with `null` in its place has this one. */
  source_id: string;
  delivered_at: number;
  first_event_seq: number;
  last_event_seq: number;
  /** JSON: the entries, `(RunEntry | null)[]` (`null`: an entry an erasure removed). */
  entries: string;
}

export const RUNS_TABLE = `
  CREATE TABLE IF NOT EXISTS delivered_runs (
    seq INTEGER PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    destination_id TEXT NOT NULL,
    source_id TEXT NOT NULL,
    delivered_at BIGINT NOT NULL,
    first_event_seq INTEGER NOT NULL,
    last_event_seq INTEGER NOT NULL,
    entries TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS delivered_runs_destination ON delivered_runs (destination_id, delivered_at);
  CREATE INDEX IF NOT EXISTS delivered_runs_events ON delivered_runs (first_event_seq);
`;

/**
 * At most this far apart, a run's first and last event seq: an event's entries are found among the runs whose first
 * event seq lies at most this far below its own (a bounded part of an index). A router's batch spans a few thousand.
 */
export const MAX_RUN_EVENT_SPAN = 65_536;

/** A run to insert. */
export type NewRun = Omit<RunRow, 'seq'>;

/** Records cut into runs: one per destination and time, each spanning at most MAX_RUN_EVENT_SPAN event seqs. */
export function runsOf(records: readonly RunnableDelivery[]): NewRun[] {
  const runs: NewRun[] = [];
  type Open = { run: Pick<NewRun, 'workspace_id' | 'destination_id' | 'source_id' | 'delivered_at'>; span: EventSeqSpan; entries: RunEntry[] };
  const open = new Map<string, Open>();
  const close = ({ run, span, entries }: Open) => runs.push({ ...run, first_event_seq: span.first!, last_event_seq: span.last!, entries: JSON.stringify(entries) });
  for (const record of records) {
    const key = `${record.workspaceId}\u0000${record.destinationId}\u0000${record.updatedAt}`;
    let current = open.get(key);
    if (current && !current.span.admits(record.runEventSeq)) {
      close(current);
      current = undefined;
    }
    if (!current) {
      current = {
        run: { workspace_id: record.workspaceId, destination_id: record.destinationId, source_id: record.sourceId, delivered_at: record.updatedAt },
        span: new EventSeqSpan(MAX_RUN_EVENT_SPAN),
        entries: [],
      };
      open.set(key, current);
    }
    current.span.add(record.runEventSeq);
    current.entries.push([record.messageId, record.sourceId === current.run.source_id ? null : record.sourceId, record.runEventSeq]);
  }
  for (const current of open.values()) close(current);
  return runs;
}

/** A run's entry as the delivery log's record of it. */
export function recordOfEntry(run: Pick<RunRow, 'workspace_id' | 'destination_id' | 'source_id' | 'delivered_at'>, entry: RunEntry): DeliveryRecord {
  return {
    workspaceId: run.workspace_id,
    destinationId: run.destination_id,
    messageId: entry[RUN_ENTRY.messageId],
    sourceId: entry[RUN_ENTRY.sourceId] ?? run.source_id,
    status: 'delivered',
    attempts: 1,
    reason: null,
    lastError: null,
    updatedAt: Number(run.delivered_at),
  };
}

/** A run's entries, erased ones as null. */
export function entriesOf(run: Pick<RunRow, 'entries'>): (RunEntry | null)[] {
  return JSON.parse(run.entries) as (RunEntry | null)[];
}
