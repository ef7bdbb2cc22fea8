import { normalizePreferences, type ConsentCategory } from '../../core/consent/consent-category.js';
import { resolveConsent, type ConsentInput } from '../../core/consent/resolve-consent.js';
import { ageOfEvent } from '../../core/privacy/child-age.js';
import { mergeConsentStates } from '../../core/privacy/consent-record.js';
import { identifierKey, normalizeIdentifier, type SubjectIdentifier } from '../../core/privacy/subject.js';
import type { PrivacyServices } from '../../privacy/privacy-services.js';
import type { Store } from '../../store/store.js';
import { linkedOf } from '../batch-context.js';
import { consentInputOf } from '../consent-stage.js';
import type { ProcessingItem } from '../stage.js';
import { believedEventTime } from '../../core/tracking/event-time.js';

/**
 * The event's own categoryPreferences, less those a ledger choice made after the event overrules: live, the
 * event's preferences come first (nothing later existed); sent again, a withdrawal since must win.
 */
function preferencesNotOverruled(input: ConsentInput, categories: readonly ConsentCategory[], item: ProcessingItem): Record<string, boolean> {
  const sentAt = believedEventTime(item.event) || 0;
  const preferences = normalizePreferences(categories, input.preferences);
  for (const category of Object.keys(preferences)) {
    if ((input.ledger?.[category]?.at ?? -Infinity) > sentAt) delete preferences[category];
  }
  return preferences;
}

/**
 * Stored events sent again (replays, manual retries) do not pass the consent and children stages: this judges
 * them as those stages judge live traffic, from their identities' state now (a consent withdrawn, a GPC
 * signal or a child flag recorded since counts, a choice made after the event over the event's own) and the event itself (its categoryPreferences, its country, an
 * age in its traits). Sets `item.consent` and `item.child`; items already judged (consent set) are left as
 * they are. Reads, per workspace: the linked identities, their consent states and their flags; records nothing.
 */
export async function judgeStoredEvents(store: Store, privacy: PrivacyServices, items: readonly ProcessingItem[]): Promise<void> {
  const unjudged = [...new Set(items.filter((item) => item.consent === undefined))];
  const now = new Date();
  for (const workspaceId of new Set(unjudged.map((item) => item.workspaceId))) {
    const mine = unjudged.filter((item) => item.workspaceId === workspaceId);
    const { categories, settings } = await privacy.config.get(workspaceId);
    const { idsOf, linked } = await linkedOf(workspaceId, mine, privacy.linked);
    // Each event's identifiers with every identity linked to them, by key.
    const everyone = new Map<string, SubjectIdentifier>();
    const keysOf = idsOf.map((ids) => {
      const keys = new Set<string>();
      for (const id of ids.flatMap((i) => [i, ...(linked.get(identifierKey(i)) ?? [])])) {
        const key = identifierKey(id);
        keys.add(key);
        everyone.set(key, normalizeIdentifier(id));
      }
      return keys;
    });
    const subjects = [...everyone.values()];
    const [states, flags] = await Promise.all([store.consent.states(workspaceId, subjects), store.subjectFlags.list(workspaceId, subjects)]);
    const stateOf = new Map(states.map((state) => [identifierKey(state.subject), state]));
    const children = new Set(flags.filter((f) => f.flag === 'child').map((f) => identifierKey(f.subject)));
    const policy = { categories, model: settings.consentModel, regionModels: settings.regionModels };
    mine.forEach((item, i) => {
      const keys = [...keysOf[i]!];
      const input = consentInputOf(item, mergeConsentStates(keys.flatMap((key) => stateOf.get(key) ?? [])), false);
      item.consent = resolveConsent(policy, { ...input, ...(input.preferences !== undefined && { preferences: preferencesNotOverruled(input, categories, item) }) });
      const age = ageOfEvent(item.event, now);
      if (keys.some((key) => children.has(key)) || (age !== undefined && age < settings.ageThreshold)) item.child = true;
    });
  }
}
