import type { SubjectIdentifier } from '../../core/privacy/subject.js';
import type { DeliveryJob, DeliveryJobRecord } from '../queue.js';
import { EventSeqSpan } from '../../store/sqlite/event-seq-span.js';

/**
 * Delivery manifests (decision 0108): the embedded queue keeps the jobs one publish gives a destination (a processor
 * batch's fan-out, a replay's page) as one row, its `json` a list of entries, instead of a row per job. A row per job
 * cost the processor an insert and the router a read and a delete per event and destination: 5-16 % of the pipeline's
 * CPU per event (docs/benchmarks.md, session 33).
 *
 * An entry is a compact array, in the job's order within the publish; `null` in its place is an entry removed by an
 * erasure (positions never move: the router may hold the jobs already). The delivery log reads them too
 * (store/sqlite/attached-queue-deliveries.ts), by these positions. An entry's workspace and source are `null` when
 * they are the manifest row's own (its first job's, in the row's columns), as for nearly every entry: a publish is a
 * batch of one source's events as a rule, and the two ids were most of an entry's bytes (session 34). Manifests
 * written before carry them in every entry, which reads the same.
 */
export type ManifestEntry = [
  workspaceId: string | null,
  sourceId: string | null,
  messageId: string,
  partitionKey: string,
  receivedAt: number,
  subject: SubjectIdentifier[] | null,
  storedSeq: number | null,
  json: string | null,
  eventSeq: number | null,
  /** 1 when the job is `unlogged` (session 34; absent in entries written before, and for a job with a row). */
  unlogged?: 1,
];

/** Where each field sits in an entry (for SQL's `json_each`: `x.value ->> ENTRY.messageId`). */
export const ENTRY = { workspaceId: 0, sourceId: 1, messageId: 2, partitionKey: 3, receivedAt: 4, subject: 5, storedSeq: 6, json: 7, eventSeq: 8, unlogged: 9 } as const;

/**
 * A job's seq is its row's seq times this, plus its place in the manifest (0 for a row holding one job): jobs keep
 * one order, and a job's row is `Math.floor(seq / JOB_SEQ_SCALE)`. Row seqs stay far below 2^53 / 2^16.
 */
export const JOB_SEQ_SCALE = 65_536;

/** At most this many entries in a manifest (their places must fit under JOB_SEQ_SCALE). */
export const MAX_MANIFEST_ENTRIES = JOB_SEQ_SCALE - 1;

/**
 * At most this far apart, the first and last event seq of a manifest: the delivery log finds an event's entries by
 * reading the manifests whose first event seq is at most this far below the event's (a bounded part of an index).
 * A processor batch spans a few thousand; a replay's page may span more, and is then split.
 */
export const MAX_MANIFEST_EVENT_SPAN = 65_536;

/** The columns of a manifest's row an entry may leave to it, and the row's place in the queue. */
export interface ManifestRowKeys {
  seq: number;
  workspace_id: string;
  source_id: string;
}

/** A job as an entry of the manifest whose row holds `first`'s workspace and source. */
export function entryOf(job: DeliveryJobRecord, first: DeliveryJobRecord): ManifestEntry {
  const entry: ManifestEntry = [
    job.workspaceId === first.workspaceId ? null : job.workspaceId,
    job.sourceId === first.sourceId ? null : job.sourceId,
    job.messageId,
    job.partitionKey,
    job.receivedAt,
    job.subject ?? null,
    job.storedSeq ?? null,
    job.storedSeq === undefined ? job.json : null,
    job.eventSeq ?? job.storedSeq ?? null,
  ];
  if (job.unlogged) entry.push(1);
  return entry;
}

/** The entry's stored event, if it names one. */
export function eventSeqOf(job: DeliveryJobRecord): number | undefined {
  return job.eventSeq ?? job.storedSeq;
}

/** A manifest to write: its jobs, and the lowest and highest event seq among them (null when none names one). */
export interface ManifestPart {
  jobs: DeliveryJobRecord[];
  firstEventSeq: number | null;
  lastEventSeq: number | null;
}

/**
 * One destination's jobs of a publish cut into manifests: in order, each at most MAX_MANIFEST_ENTRIES long and
 * spanning at most MAX_MANIFEST_EVENT_SPAN event seqs (jobs without an event do not count for the span).
 */
export function manifestsOf(jobs: readonly DeliveryJobRecord[]): ManifestPart[] {
  const out: ManifestPart[] = [];
  let current: DeliveryJobRecord[] = [];
  let span = new EventSeqSpan(MAX_MANIFEST_EVENT_SPAN);
  const close = () => out.push({ jobs: current, firstEventSeq: span.first, lastEventSeq: span.last });
  for (const job of jobs) {
    const seq = eventSeqOf(job);
    if (current.length > 0 && (current.length >= MAX_MANIFEST_ENTRIES || !span.admits(seq))) {
      close();
      current = [];
      span = new EventSeqSpan(MAX_MANIFEST_EVENT_SPAN);
    }
    span.add(seq);
    current.push(job);
  }
  if (current.length > 0) close();
  return out;
}

/** The entry's workspace and source: its own, or its manifest row's. */
export function entryWorkspaceId(entry: ManifestEntry, row: ManifestRowKeys): string {
  return entry[ENTRY.workspaceId] ?? row.workspace_id;
}
export function entrySourceId(entry: ManifestEntry, row: ManifestRowKeys): string {
  return entry[ENTRY.sourceId] ?? row.source_id;
}

/** An entry as the job the router gets: `row` is its manifest's, `place` its place there. */
export function jobOfEntry(entry: ManifestEntry, row: ManifestRowKeys, place: number, destinationId: string): DeliveryJob {
  const [, , messageId, partitionKey, receivedAt, subject, storedSeq, json, eventSeq, unlogged] = entry;
  const job: DeliveryJob = {
    seq: row.seq * JOB_SEQ_SCALE + place,
    workspaceId: entryWorkspaceId(entry, row),
    destinationId,
    sourceId: entrySourceId(entry, row),
    messageId,
    partitionKey,
    receivedAt,
  };
  // Set one by one, not spread: a spread of `{ subject }` made an object per field and job.
  if (subject !== null) job.subject = subject;
  if (storedSeq !== null) job.storedSeq = storedSeq;
  if (json !== null) job.json = json;
  if (eventSeq !== null) job.eventSeq = eventSeq;
  if (unlogged === 1) job.unlogged = true;
  return job;
}
