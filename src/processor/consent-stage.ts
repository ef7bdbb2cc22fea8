import { isBannerVersion } from '../core/consent/banner-content.js';
import { normalizePreferences } from '../core/consent/consent-category.js';
import { resolveConsent, type ConsentInput, type ConsentState } from '../core/consent/resolve-consent.js';
import { applyConsentRecords, mergeConsentStates, type ConsentRecordInput, type SubjectConsentState } from '../core/privacy/consent-record.js';
import { identifierKey, normalizeIdentifier, type SubjectIdentifier } from '../core/privacy/subject.js';
import type { JsonObject } from '../protocol/segment-event.js';
import type { PrivacyServices } from '../privacy/privacy-services.js';
import type { Store } from '../store/store.js';
import { linkedOf, type BatchContext } from './batch-context.js';
import { CONTINUE, type ProcessingItem, type ProcessorStage, type StageOutcome } from './stage.js';
import { believedEventTime } from '../core/tracking/event-time.js';

/** Segment's reserved event recording a subject's consent choice. */
export const CONSENT_UPDATED_EVENT = 'Segment Consent Preference Updated';

function isEmpty(record: Readonly<Record<string, unknown>>): boolean {
  for (const _ in record) return false;
  return true;
}

function obj(value: unknown): JsonObject | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/** `context.consent.categoryPreferences` of an event (undefined when absent). */
export function categoryPreferencesOf(event: { context?: JsonObject; properties?: JsonObject }): JsonObject | undefined {
  return obj(obj(event.context?.consent)?.categoryPreferences) ?? obj(obj(event.properties?.consent)?.categoryPreferences) ?? obj(event.properties?.categoryPreferences);
}

/**
 * The banner a `Segment Consent Preference Updated` event says the choice was made on (`properties.consentBanner`,
 * which Sluice's banner sends): the version of its wording and the policy version it was served under. Nothing when
 * absent or malformed: the entry then has no banner and the workspace's policy version in force.
 */
export function bannerShownOf(event: { properties?: JsonObject }): { bannerVersion?: string; policyVersion?: string } {
  const shown = obj(event.properties?.consentBanner);
  if (!shown || !isBannerVersion(shown.version)) return {};
  const policy = shown.policyVersion;
  return { bannerVersion: shown.version, ...(typeof policy === 'string' && policy !== '' && policy.length <= 100 && { policyVersion: policy }) };
}

/**
 * What decides an event's consent (resolveConsent's input): its linked identities' merged ledger state (a
 * GPC recorded for any of them included), the request's GPC signal, the event's own categoryPreferences, and
 * its country (`context.location.country`, else the request's country header).
 */
export function consentInputOf(item: Pick<ProcessingItem, 'event' | 'message'>, merged: { ledger: ConsentInput['ledger']; gpcAt: number | null }, requestGpc: boolean): ConsentInput {
  const preferences = categoryPreferencesOf(item.event);
  const location = obj(item.event.context?.location);
  const country = (typeof location?.country === 'string' ? location.country : undefined) ?? item.message.signals?.country;
  return {
    gpc: requestGpc || merged.gpcAt !== null,
    ...(preferences !== undefined && { preferences }),
    ledger: merged.ledger,
    ...(country !== undefined && { country }),
  };
}

/**
 * Consent recording and resolution, per batch with two store calls per workspace (current state of every
 * linked identity; one transaction of new ledger entries):
 * - a `Segment Consent Preference Updated` track records its categoryPreferences in the ledger (source `event`;
 *   with the banner wording and policy version it names in `properties.consentBanner`, `bannerShownOf`);
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

  async run(items: readonly ProcessingItem[], batch?: BatchContext): Promise<readonly StageOutcome[]> {
    for (const workspaceId of new Set(items.map((i) => i.workspaceId))) {
      const mine = items.filter((i) => i.workspaceId === workspaceId);
      const { settings, categories } = await this.privacy.config.get(workspaceId);
      const policy = { categories, model: settings.consentModel, regionModels: settings.regionModels };
      const { idsOf, linked } = batch ? await batch.linkedOfItems(workspaceId, mine, this.privacy.linked) : await linkedOf(workspaceId, mine, this.privacy.linked);
      const allIds = new Map<string, SubjectIdentifier>();
      // Every identifier of a profile maps to the same list: each list's keys once.
      const keysOfList = new Map<readonly SubjectIdentifier[], string[]>();
      for (const list of linked.values()) {
        if (keysOfList.has(list)) continue;
        const keys: string[] = [];
        for (const id of list) {
          const key = identifierKey(id);
          keys.push(key);
          allIds.set(key, normalizeIdentifier(id));
        }
        keysOfList.set(list, keys);
      }
      for (const ids of idsOf) for (const id of ids) allIds.set(identifierKey(id), normalizeIdentifier(id));
      const states = new Map<string, SubjectConsentState>();
      for (const state of await this.store.consent.states(workspaceId, [...allIds.values()])) states.set(identifierKey(state.subject), state);
      const pending: ConsentRecordInput[] = [];
      const gpcCategories = Object.fromEntries(categories.filter((c) => c.gpc).map((c) => [c.id, false]));

      const stateOf = (s: SubjectIdentifier) => states.get(identifierKey(s)) ?? { subject: s, choices: {}, gpcAt: null };
      // Most events of a batch name one person whose identifiers all resolve to the same linked list: their
      // merged state is computed once per list, again only after a record changed a state.
      let version = 0;
      const plainStates = new Map<string, ConsentState>();
      const mergedOfList = new Map<readonly SubjectIdentifier[], { version: number; merged: ReturnType<typeof mergeConsentStates> }>();
      /** The keys of every identity linked to the event's identifiers, each once, in order. */
      const subjectKeysOf = (lists: readonly (readonly SubjectIdentifier[])[]): readonly string[] => {
        if (lists.length === 1 || lists.every((l) => l === lists[0])) {
          const known = lists[0] && keysOfList.get(lists[0]);
          if (known) return known;
        }
        const keys = new Set<string>();
        for (const list of lists) for (const l of list) keys.add(identifierKey(l));
        return [...keys];
      };
      /** Linked identities' states merged (identities without a stored state add nothing). */
      const mergedOf = (keys: readonly string[]) => {
        const present: SubjectConsentState[] = [];
        for (const key of keys) {
          const state = states.get(key);
          if (state) present.push(state);
        }
        return mergeConsentStates(present);
      };

      const record = (records: ConsentRecordInput[]) => {
        for (const r of records) states.set(identifierKey(r.subject), applyConsentRecords(stateOf(r.subject), [r]));
        pending.push(...records);
        if (records.length > 0) version++;
      };
      // The ledger fields of an entry this event records (the IP's keyed hash only then: most events record nothing).
      const entryBase = (item: ProcessingItem, at: number) => {
        const ip = typeof item.event.context?.ip === 'string' ? item.event.context.ip : null;
        const userAgent = item.message.signals?.userAgent ?? (typeof item.event.context?.userAgent === 'string' ? item.event.context.userAgent : null);
        return { workspaceId, at, policyVersion: settings.policyVersion, ipHash: ip ? this.privacy.consent.hashIp(ip) : null, userAgent, messageId: item.event.messageId };
      };

      for (let index = 0; index < mine.length; index++) {
        const item = mine[index]!;
        const ids = idsOf[index]!;
        const lists = ids.map((id) => linked.get(identifierKey(id)) ?? [id]);
        const single = lists.length > 0 && lists.every((l) => l === lists[0]) ? lists[0]! : undefined;
        const signals = item.message.signals;
        let at: number | undefined; // the event's time, parsed only when it records something

        const requestGpc = signals?.gpc === true || (settings.dnt === 'as-gpc' && signals?.dnt === true);
        if (requestGpc && ids.length > 0) {
          const unrecorded = ids.filter((id) => stateOf(id).gpcAt === null);
          at ??= believedEventTime(item.event) || Date.now();
          const when = at;
          record(unrecorded.map((subject) => ({ ...entryBase(item, when), subject: normalizeIdentifier(subject), categories: gpcCategories, source: 'gpc' as const, gpc: true })));
        }
        const preferences = categoryPreferencesOf(item.event);
        if (item.event.type === 'track' && item.event.event === CONSENT_UPDATED_EVENT && preferences && ids.length > 0) {
          const choices = normalizePreferences(categories, preferences);
          at ??= believedEventTime(item.event) || Date.now();
          const when = at;
          const shown = bannerShownOf(item.event);
          if (Object.keys(choices).length > 0) record(ids.map((subject) => ({ ...entryBase(item, when), ...shown, subject: normalizeIdentifier(subject), categories: choices, source: 'event' as const, gpc: false })));
        }

        let merged = single && mergedOfList.get(single)?.version === version ? mergedOfList.get(single)!.merged : undefined;
        if (!merged) {
          merged = mergedOf(subjectKeysOf(lists));
          if (single) mergedOfList.set(single, { version, merged });
        }
        const input = consentInputOf(item, merged, requestGpc);
        // Without preferences in the event or a choice in the ledger, only GPC and the country decide: most
        // events of a batch share one of a few such states (read-only, so shared).
        const plain = input.preferences === undefined && isEmpty(merged.ledger) ? `${input.gpc ? 1 : 0}${input.country === undefined ? '-' : `+${input.country}`}` : undefined;
        let consent = plain !== undefined ? plainStates.get(plain) : undefined;
        if (!consent) {
          consent = resolveConsent(policy, input);
          if (plain !== undefined) plainStates.set(plain, consent);
        }
        item.consent = consent;
      }
      if (pending.length > 0) await this.store.consent.append(pending);
    }
    return items.map(() => CONTINUE);
  }
}
