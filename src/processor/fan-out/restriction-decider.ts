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
    const known = new Map<string, boolean>();
    const outcomes: StageOutcome[] = [];
    for (const { item } of candidates) {
      const key = `${item.workspaceId}\u0000${item.event.userId ?? ''}\u0000${item.event.anonymousId ?? ''}`;
      let restricted = known.get(key);
      if (restricted === undefined) {
        restricted = await this.check.isRestricted(item.workspaceId, [item.event.userId, item.event.anonymousId]);
        known.set(key, restricted);
      }
      outcomes.push(restricted ? drop(RESTRICTED_REASON) : CONTINUE);
    }
    return outcomes;
  }
}
