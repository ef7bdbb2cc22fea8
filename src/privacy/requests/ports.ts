import type { ConsentRecord } from '../../core/privacy/consent-record.js';
import type { DeletionResult, DeletionSubject } from '../../destinations/destination.js';
import type { JsonObject } from '../../protocol/segment-event.js';
import type { EventSubjectKeys, SubjectDeliverySummary } from './subject-data.js';
import type { ResolvedSubject } from './subject.js';

/**
 * What the executor needs from parts built elsewhere (destinations, the privacy gate, the pipeline). Each is
 * optional: when a part is not wired in, the requests that need it fail with a reason that says so instead
 * of pretending to succeed.
 */

/**
 * A destination of the workspace: a configured one a deletion must be forwarded to (GDPR 19, CCPA 7022), or a
 * deleted one (`deletedAt`), kept so exports, reports and certificates still name a recipient that is gone.
 */
export interface DeletionTarget {
  readonly destinationId: string;
  readonly name: string;
  readonly type: string;
  /** Undefined when the destination type has no way to delete a subject. */
  readonly deleteSubject?: (subject: DeletionSubject, signal: AbortSignal) => Promise<DeletionResult>;
  /** Why the type cannot delete a subject (`DestinationType.noDeletion`), when it says. */
  readonly noDeletion?: string;
  /** For tools whose deletion is an asynchronous job: the job's state now (asked right after submission, then until the job ends). */
  readonly deletionStatus?: (jobId: string, signal: AbortSignal) => Promise<DeletionResult>;
  /** When this destination last received data of the subject (for access exports), when known. */
  readonly lastDeliveredAt?: number;
  /** What the delivery log says of the subject's events at this destination (with `subject` only; absent: no row). */
  readonly deliveries?: SubjectDeliverySummary;
  /**
   * When the destination was deleted; absent while it is configured. A deleted one has no `deleteSubject`: its
   * connection details were erased with it, so an erasure cannot be forwarded to it.
   */
  readonly deletedAt?: number;
}

export interface DeletionTargets {
  /**
   * Every destination of the workspace: the configured ones (enabled or not: a disabled one may hold data it
   * received before), then the deleted ones (`deletedAt`). With `subject`, each carries what the delivery log
   * says of that subject's events there (`deliveries`, `lastDeliveredAt`) where it has any.
   */
  list(workspaceId: string, subject?: EventSubjectKeys): Promise<DeletionTarget[]>;
}

/** The suppression service (privacy gate): blocks the subject's future events, clear or hashed. */
export interface SuppressionPort {
  suppress(input: { workspaceId: string; subject: ResolvedSubject; hashed: boolean; requestId: string }): Promise<void>;
  unsuppress(input: { workspaceId: string; subject: ResolvedSubject; requestId: string }): Promise<number>;
}

/** The consent ledger (privacy gate): objections and opt-outs are recorded as denied choices. */
export interface ConsentPort {
  /** Records `granted: false` for these categories (all optional ones when empty) for every identifier. */
  deny(input: { workspaceId: string; subject: ResolvedSubject; categories: readonly string[]; requestId: string; reason: 'objection' | 'opt_out' }): Promise<{ categories: string[] }>;
  /** Every ledger entry of the subject (any linked identity), oldest first: the access export holds them all. */
  history(workspaceId: string, subject: ResolvedSubject): Promise<ConsentRecord[]>;
}

/** What a correction queues: an identify of the person, as if `sourceId` had sent it, with its `integrations` object. */
export interface PublishedIdentify {
  readonly workspaceId: string;
  readonly sourceId: string;
  readonly userId?: string;
  readonly anonymousId?: string;
  readonly traits: Readonly<Record<string, unknown>>;
  readonly messageId: string;
  readonly integrations: JsonObject;
}

/** Publishes a Segment event into the pipeline as if a source had sent it (corrections reach destinations). */
export interface PipelinePublisher {
  publishIdentify(input: PublishedIdentify): Promise<void>;
}

/**
 * The processor's progress through the inbox (the inbox queue itself, `Queue` in src/queue): a deletion writes
 * the subject's suppression, takes a mark, and erases only once the pipeline has passed it, so no batch that
 * was already past the suppression check when the deletion began stores the subject's events after the erasure.
 */
export interface PipelineProgress {
  inboxMark(): Promise<number>;
  inboxPassed(mark: number): Promise<boolean>;
  /** Removes the processed requests as received from the inbox (they hold the subject's data too). */
  forgetProcessed(): Promise<number>;
}

export interface ExecutorPorts {
  readonly deletionTargets?: DeletionTargets;
  readonly suppression?: SuppressionPort;
  readonly consent?: ConsentPort;
  readonly pipeline?: PipelinePublisher;
  readonly progress?: PipelineProgress;
  readonly files?: DatabaseFiles;
}

/**
 * The embedded database files (`WalCheckpointer`): after an erasure their write-ahead logs are copied back and
 * emptied, so no page image from before it stays on disk (deleted rows themselves are zeroed by SQLite's
 * secure_delete; decision 0403). Absent on PostgreSQL.
 */
export interface DatabaseFiles {
  truncateLogs(): Promise<readonly { readonly file: string; readonly truncated: boolean; readonly error?: string }[]>;
}
