import { RESTRICTED_REASON, RestrictionCheck } from '../../privacy/requests/restriction-check.js';
import type { Store } from '../../store/store.js';
import { CONTINUE, drop, type StageOutcome } from '../stage.js';
import type { DestinationDecider, FanOutCandidate } from './decision.js';

/**
 * GDPR Art. 18 restriction: while a `restrict` request holds for the subject (stored for every linked
 * identity by the request executor), the data is kept but routed nowhere: `dropped` with reason `restricted`.
 */
export class RestrictionDecider implements DestinationDecider {
  readonly name = 'restriction';
  private readonly check: RestrictionCheck;

  constructor(store: Store) {
    this.check = new RestrictionCheck(store.subjectData);
  }

  async decide(candidates: readonly FanOutCandidate[]): Promise<readonly StageOutcome[]> {
    const restricted = await this.check.restrictedEvents(candidates.map(({ item }) => item));
    return restricted.map((r) => (r ? drop(RESTRICTED_REASON) : CONTINUE));
  }
}
