import type { StoredDestination } from '../../core/destination.js';
import type { SegmentEvent } from '../../protocol/segment-event.js';
import type { BatchContext } from '../batch-context.js';
import type { ProcessingItem, StageOutcome } from '../stage.js';

/** One (event, destination) pair fan-out considers. */
export interface FanOutCandidate {
  readonly item: ProcessingItem;
  /** The destination as stored (public config; secrets stay sealed). */
  readonly destination: StoredDestination;
  /**
   * The event as it will leave for this destination. A decider that changes it (filters' drop_properties,
   * PII hashing) REPLACES it with a changed copy; it never mutates it in place (other destinations share it).
   */
  event: SegmentEvent;
}

/**
 * One step of the per-destination decision: for each candidate, `CONTINUE` (possibly after replacing
 * `candidate.event`) or `drop(reason)` with a machine-readable reason (`integrations`, `filter`,
 * `consent_denied:advertising`, `pii_blocked:ssn`, ...). A dropped candidate is recorded in the delivery log
 * as `dropped` with that reason and not seen by later deciders. Deciders see all candidates of a batch at
 * once so they can do their I/O batched; they return one outcome per candidate, in order.
 *
 * The list lives in `build-processor.ts` (`buildDeciders`), in order: integrations object -> restriction ->
 * privacy (consent gate, children, per-destination PII action) -> destination filters.
 *
 * @example
 *   export class FilterDecider implements DestinationDecider {
 *     readonly name = 'filters';
 *     async decide(candidates) {
 *       return candidates.map((c) => {
 *         const result = applyFilters(c.event, filtersOf(c.destination));
 *         if (result.kind === 'drop') return drop('filter', result.message);
 *         c.event = result.event;
 *         return CONTINUE;
 *       });
 *     }
 *   }
 */
export interface DestinationDecider {
  readonly name: string;
  /** `batch`: the processor's batch context (its identity graph after the identity stage); absent on replays and retries. */
  decide(candidates: readonly FanOutCandidate[], batch?: BatchContext): Promise<readonly StageOutcome[]>;
}
