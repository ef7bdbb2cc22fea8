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
    // One query per workspace and 500 identifiers, not one per event: a batch fans out thousands of candidates.
    const idsOf = (event: FanOutCandidate['item']['event']) => [event.userId, event.anonymousId].filter((id): id is string => typeof id === 'string' && id !== '');
    const restricted = new Map<string, Set<string>>();
    for (const workspaceId of new Set(candidates.map((c) => c.item.workspaceId))) {
      const ids = [...new Set(candidates.filter((c) => c.item.workspaceId === workspaceId).flatMap((c) => idsOf(c.item.event)))];
      const found = new Set<string>();
      for (let i = 0; i < ids.length; i += 500) for (const id of await this.check.restrictedAmong(workspaceId, ids.slice(i, i + 500))) found.add(id);
      restricted.set(workspaceId, found);
    }
    return candidates.map(({ item }) => {
      const found = restricted.get(item.workspaceId)!;
      return idsOf(item.event).some((id) => found.has(id)) ? drop(RESTRICTED_REASON) : CONTINUE;
    });
  }
}
