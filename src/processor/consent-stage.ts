import { normalizePreferences } from '../core/consent/consent-category.js';
import { resolveConsent } from '../core/consent/resolve-consent.js';
import { applyConsentRecords, mergeConsentStates, type ConsentRecordInput, type SubjectConsentState } from '../core/privacy/consent-record.js';
import { identifierKey, identifiersOfEvent, normalizeIdentifier, type SubjectIdentifier } from '../core/privacy/subject.js';
import type { JsonObject } from '../protocol/segment-event.js';
import type { PrivacyServices } from '../privacy/privacy-services.js';
import type { Store } from '../store/store.js';
import { CONTINUE, type ProcessingItem, type ProcessorStage, type StageOutcome } from './stage.js';

/** Segment's reserved event recording a subject's consent choice. */
export const CONSENT_UPDATED_EVENT = 'Segment Consent Preference Updated';

function obj(value: unknown): JsonObject | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/** `context.consent.categoryPreferences` of an event (undefined when absent). */
export function categoryPreferencesOf(event: { context?: JsonObject; properties?: JsonObject }): JsonObject | undefined {
  return obj(obj(event.context?.consent)?.categoryPreferences) ?? obj(obj(event.properties?.consent)?.categoryPreferences) ?? obj(event.properties?.categoryPreferences);
}

/**
 * Consent recording and resolution, per batch with two store calls per workspace (current state of every
 * linked identity; one transaction of new ledger entries):
 * - a `Segment Consent Preference Updated` track records its categoryPreferences in the ledger (source `event`);
 * - a GPC signal (`Sec-GPC: 1`, or `DNT: 1` when the workspace treats DNT as GPC) is recorded once per identity;
 * - each event gets `item.consent`: a decision per category by the rules of CONTRACT.md, which the fan-out's
 *   consent gate applies per destination. Events recorded earlier in the batch count for later ones.
 */
export class ConsentStage implements ProcessorStage {
  readonly name = 'consent';

  constructor(
    private readonly store: Store,
    private readonly privacy: PrivacyServices,
  ) {}

  async run(items: readonly ProcessingItem[]): Promise<readonly StageOutcome[]> {
    for (const workspaceId of new Set(items.map((i) => i.workspaceId))) {
      const mine = items.filter((i) => i.workspaceId === workspaceId);
      const { settings, categories } = await this.privacy.config.get(workspaceId);
      const policy = { categories, model: settings.consentModel, regionModels: settings.regionModels };
      const idsOf = mine.map((item) => identifiersOfEvent(item.event));
      const linked = await this.privacy.linked(workspaceId, idsOf.flat());
      const allIds = new Map<string, SubjectIdentifier>();
      for (const ids of linked.values()) for (const id of ids) allIds.set(identifierKey(id), normalizeIdentifier(id));
      for (const ids of idsOf) for (const id of ids) allIds.set(identifierKey(id), normalizeIdentifier(id));
      const states = new Map<string, SubjectConsentState>();
      for (const state of await this.store.consent.states(workspaceId, [...allIds.values()])) states.set(identifierKey(state.subject), state);
      const pending: ConsentRecordInput[] = [];
      const gpcCategories = Object.fromEntries(categories.filter((c) => c.gpc).map((c) => [c.id, false]));

      mine.forEach((item, index) => {
        const ids = idsOf[index]!;
        const subjects = new Map<string, SubjectIdentifier>();
        for (const id of ids) for (const l of linked.get(identifierKey(id)) ?? [id]) subjects.set(identifierKey(l), normalizeIdentifier(l));
        const stateOf = (s: SubjectIdentifier) => states.get(identifierKey(s)) ?? { subject: s, choices: {}, gpcAt: null };
        const signals = item.message.signals;
        const at = Date.parse(item.event.timestamp) || Date.now();
        const ip = typeof item.event.context?.ip === 'string' ? item.event.context.ip : null;
        const userAgent = signals?.userAgent ?? (typeof item.event.context?.userAgent === 'string' ? item.event.context.userAgent : null);
        // The IP's keyed hash is only computed when this event records something (most events do not).
        const base = () => ({ workspaceId, at, policyVersion: settings.policyVersion, ipHash: ip ? this.privacy.consent.hashIp(ip) : null, userAgent, messageId: item.event.messageId });
        const record = (records: ConsentRecordInput[]) => {
          for (const r of records) {
            const key = identifierKey(r.subject);
            states.set(key, applyConsentRecords(stateOf(r.subject), [r]));
          }
          pending.push(...records);
        };

        const requestGpc = signals?.gpc === true || (settings.dnt === 'as-gpc' && signals?.dnt === true);
        if (requestGpc && ids.length > 0) {
          const unrecorded = ids.filter((id) => stateOf(id).gpcAt === null);
          record(unrecorded.map((subject) => ({ ...base(), subject: normalizeIdentifier(subject), categories: gpcCategories, source: 'gpc' as const, gpc: true })));
        }
        const preferences = categoryPreferencesOf(item.event);
        if (item.event.type === 'track' && item.event.event === CONSENT_UPDATED_EVENT && preferences && ids.length > 0) {
          const choices = normalizePreferences(categories, preferences);
          if (Object.keys(choices).length > 0) record(ids.map((subject) => ({ ...base(), subject: normalizeIdentifier(subject), categories: choices, source: 'event' as const, gpc: false })));
        }

        const merged = mergeConsentStates([...subjects.values()].map(stateOf));
        const location = item.event.context?.location;
        const country = (obj(location) && typeof obj(location)!.country === 'string' ? (obj(location)!.country as string) : undefined) ?? signals?.country;
        item.consent = resolveConsent(policy, {
          gpc: requestGpc || merged.gpcAt !== null,
          ...(preferences !== undefined && { preferences }),
          ledger: merged.ledger,
          ...(country !== undefined && { country }),
        });
      });
      if (pending.length > 0) await this.store.consent.append(pending);
    }
    return items.map(() => CONTINUE);
  }
}
