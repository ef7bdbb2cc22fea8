import { classifyEvent, compileMatchers, type CompiledMatchers } from '../../core/pii/classify.js';
import { appliedPiiPolicy, type PiiPolicy } from '../../core/pii/pii-policy.js';
import type { SegmentEvent } from '../../protocol/segment-event.js';
import { privacyForDestination, withoutPrivacy } from '../../privacy/destination-privacy.js';
import type { PrivacyServices } from '../../privacy/privacy-services.js';
import type { Store } from '../../store/store.js';
import { CONTINUE, drop, type ProcessingItem, type StageOutcome } from '../stage.js';
import type { DestinationDecider, FanOutCandidate } from './decision.js';
import { judgeStoredEvents } from './stored-event-privacy.js';

function outgoingOf(cache: Map<ProcessingItem, SegmentEvent>, item: ProcessingItem): SegmentEvent {
  let event = cache.get(item);
  if (!event) cache.set(item, (event = withoutPrivacy(item.event)));
  return event;
}

/**
 * The privacy rules per destination (src/privacy/destination-privacy.ts): consent gate
 * (`consent_denied:<category>`, `gpc`), children (`child`), then the destination's PII action (Red and
 * sensitive fields removed unless allowed; `pii_blocked:<label>`). The event for the destination is a copy.
 */
export class PrivacyDecider implements DestinationDecider {
  readonly name = 'privacy';

  constructor(
    private readonly privacy: PrivacyServices,
    private readonly hashFor: (workspaceId: string) => (value: string) => string,
    private readonly store: Store,
  ) {}

  async decide(candidates: readonly FanOutCandidate[]): Promise<readonly StageOutcome[]> {
    const configs = new Map<string, { categories: Awaited<ReturnType<PrivacyServices['config']['get']>>['categories']; policy: PiiPolicy; matchers: CompiledMatchers }>();
    for (const { item } of candidates) {
      if (configs.has(item.workspaceId)) continue;
      const config = await this.privacy.config.get(item.workspaceId);
      const policy = appliedPiiPolicy(config.piiPolicy);
      configs.set(item.workspaceId, { categories: config.categories, policy, matchers: compileMatchers(policy.matchers) });
    }
    // Replays and manual retries start from stored events: judged now (consent, children) as live ones were.
    await judgeStoredEvents(this.store, this.privacy, candidates.map((c) => c.item));
    // The outgoing copy (without `_privacy`) is made once per event; destinations share it read-only.
    const outgoing = new Map<ProcessingItem, SegmentEvent>();
    return candidates.map((candidate) => {
      const { item, destination } = candidate;
      const config = configs.get(item.workspaceId)!;
      // Stored events sent again were not classified in this pass either: classify them now, so Red and
      // sensitive fields never leave on a replay.
      const pii = item.pii ?? classifyEvent(candidate.event, config.matchers);
      // Built field by field (no spread objects per candidate: this runs for every event and destination).
      const input: Parameters<typeof privacyForDestination>[0] = { event: candidate.event, pii };
      if (item.consent) input.consent = item.consent;
      if (item.child) input.child = item.child;
      if (item.sensitiveLimited) input.sensitiveLimited = true;
      const verdict = privacyForDestination(
        input,
        { id: destination.id, consentCategories: destination.consentCategories ?? undefined },
        config.categories,
        config.policy,
        this.hashFor(item.workspaceId),
        candidate.event === item.event ? outgoingOf(outgoing, item) : undefined,
      );
      if (verdict.kind === 'drop') return drop(verdict.reason);
      candidate.event = verdict.event;
      return CONTINUE;
    });
  }
}
