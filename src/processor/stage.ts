import type { ConsentState } from '../core/consent/resolve-consent.js';
import type { ClassifiedField } from '../core/pii/classify.js';
import type { StoredEvent } from '../core/stored-event.js';
import type { SegmentEvent } from '../protocol/segment-event.js';
import type { InboxMessage } from '../queue/queue.js';
import type { BatchContext } from './batch-context.js';

/** One event on its way through the processor. Stages read it and may change `event`. */
export interface ProcessingItem {
  readonly message: InboxMessage;
  readonly workspaceId: string;
  readonly sourceId: string;
  event: SegmentEvent;
  /** The profile the identity stage resolved the event to (absent when it carries no usable identifier). */
  profileId?: string;
  /** Consent per category, set by the consent stage (the fan-out's consent gate reads it). */
  consent?: ConsentState;
  /** The subject is under the workspace's age threshold (children stage): only destinations needing no optional category. */
  child?: boolean;
  /**
   * The subject limited the use of their sensitive personal information (CPRA 1798.121, a `limit_sensitive` request
   * holding for one of its linked identities): set by fan-out's restriction decider; the privacy decider then drops
   * sensitive and Red fields at every destination, whatever its PII policy allows.
   */
  sensitiveLimited?: boolean;
  /** Fields classified as PII (PII stage); the fan-out applies each destination's action to them. */
  pii?: ClassifiedField[];
  /** Set by the store stage once the event is written. */
  stored?: StoredEvent;
  /** `event` serialized as the store stage wrote it; fan-out sends it as is to destinations that get `event` unchanged. */
  json?: string;
}

/**
 * What a stage decided for one item: keep going, or drop it with a machine-readable reason (and, where it
 * helps a person, a message saying which rule decided: fan-out keeps it as the delivery log's `lastError`).
 */
export type StageOutcome = { readonly kind: 'continue' } | { readonly kind: 'drop'; readonly reason: string; readonly message?: string };

export const CONTINUE: StageOutcome = Object.freeze({ kind: 'continue' });
export function drop(reason: string, message?: string): StageOutcome {
  return message === undefined ? { kind: 'drop', reason } : { kind: 'drop', reason, message };
}

/**
 * One step of the processor. It sees the live items of a batch at once (so it can do its I/O batched) and
 * returns one outcome per item, in the same order. Expected outcomes are values; a thrown error is an
 * outage, and the whole batch is retried. `batch` is what the stages of this batch share (the identity graph
 * read once: {@link BatchContext}).
 */
export interface ProcessorStage {
  readonly name: string;
  run(items: readonly ProcessingItem[], batch: BatchContext): Promise<readonly StageOutcome[]>;
}
