import { identifiersOfEvent, type LinkedIdentityResolver } from '../../core/privacy/subject.js';
import { RESTRICTED_REASON, RestrictionCheck } from '../../privacy/requests/restriction-check.js';
import type { Store } from '../../store/store.js';
import type { BatchContext } from '../batch-context.js';
import { CONTINUE, drop, type ProcessingItem, type StageOutcome } from '../stage.js';
import type { DestinationDecider, FanOutCandidate } from './decision.js';

/**
 * GDPR Art. 18 restriction: while a `restrict` request holds for the subject (any identity linked to one it
 * named, through the identity graph as the batch left it), the data is kept but routed nowhere: `dropped` with
 * reason `restricted`. One check per batch (RestrictionCheck.restrictedEvents), each event once.
 *
 * It also marks the events of a subject who limited the use of their sensitive data (CPRA 1798.121, a
 * `limit_sensitive` request, linked identities included): `item.sensitiveLimited`, which the privacy decider reads.
 */
export class RestrictionDecider implements DestinationDecider {
  readonly name = 'restriction';
  private readonly check: RestrictionCheck;

  constructor(
    store: Store,
    private readonly linked: LinkedIdentityResolver,
  ) {
    this.check = new RestrictionCheck(store.subjectData);
  }

  async decide(candidates: readonly FanOutCandidate[], batch?: BatchContext): Promise<readonly StageOutcome[]> {
    const items = [...new Set(candidates.map(({ item }) => item))];
    const linked: LinkedIdentityResolver = batch ? (workspaceId, ids) => batch.linked(workspaceId, ids, this.linked) : this.linked;
    const answers = await this.check.restrictedEvents(items, (item) => identifiersOfEvent(item.event), linked);
    const restricted = new Map<ProcessingItem, boolean>(items.map((item, i) => [item, answers[i]!]));
    const open = items.filter((item) => !restricted.get(item));
    const limited = await this.check.restrictedEvents(open, (item) => identifiersOfEvent(item.event), linked, 'limit_sensitive');
    open.forEach((item, i) => {
      if (limited[i]) item.sensitiveLimited = true;
    });
    return candidates.map(({ item }) => (restricted.get(item) ? drop(RESTRICTED_REASON) : CONTINUE));
  }
}
