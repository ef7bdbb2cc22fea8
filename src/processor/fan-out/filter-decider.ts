import { applyFilters } from '../../core/destination-filters.js';
import { CONTINUE, drop, type StageOutcome } from '../stage.js';
import type { DestinationDecider, FanOutCandidate } from './decision.js';

/**
 * The destination's filters (Segment's destination filters, FQL conditions; `src/core/destination-filters.ts`):
 * `drop` and a losing `sample` withhold the event from this destination (`dropped`, reason `filter`, the
 * delivery log's `lastError` naming the filter); `drop_properties` and `allow_properties` replace the
 * candidate's event with a changed copy. Runs after the privacy decider, so conditions see the event as it
 * would leave (PII actions applied) and a consent drop keeps its own reason.
 */
export class FilterDecider implements DestinationDecider {
  readonly name = 'filters';

  async decide(candidates: readonly FanOutCandidate[]): Promise<readonly StageOutcome[]> {
    return candidates.map((candidate) => {
      const filters = candidate.destination.filters;
      if (filters.length === 0) return CONTINUE;
      const result = applyFilters(candidate.event, filters);
      if (result.kind === 'drop') return drop(result.reason, result.message);
      candidate.event = result.event;
      return CONTINUE;
    });
  }
}
