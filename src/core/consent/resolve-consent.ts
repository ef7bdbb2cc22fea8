import { normalizePreferences, type ConsentCategory, type ConsentModel } from './consent-category.js';
import { lookupRegion, normalizeCountry } from './regions.js';

/** The workspace side of consent: its categories and model, optionally per region. */
export interface ConsentPolicy {
  categories: readonly ConsentCategory[];
  model: ConsentModel;
  /** Model per ISO country code or group (`EU`, `EEA`), e.g. `{EU: 'opt-in', US: 'opt-out'}`. */
  regionModels?: Readonly<Record<string, ConsentModel>>;
}

/** The latest recorded choice for a category, across every identity linked to the subject. */
export interface LedgerChoice {
  granted: boolean;
  /** Epoch ms of the choice. */
  at: number;
  /**
   * A denial the subject asked for through a privacy request (a CCPA opt-out, a GDPR objection). It holds against
   * the categoryPreferences events carry (a consent banner re-sends its stored choice with every event, so a
   * choice made before the request would undo it) until the subject records a newer choice.
   */
  binding?: true;
}

/** Everything known about one event's subject when consent is resolved. */
export interface ConsentInput {
  /** `context.consent.categoryPreferences` of the event, as sent. */
  preferences?: unknown;
  /** A GPC signal applies: on this request, or ever recorded for a linked identity (or DNT treated as GPC). */
  gpc: boolean;
  /** Latest ledger choice per category id. */
  ledger?: Readonly<Record<string, LedgerChoice>>;
  /** The visitor's country (alpha-2) from `context.location.country` or the proxy's header. */
  country?: string;
}

/** Which rule of CONTRACT.md "Consent semantics" decided a category. */
export type ConsentRule = 'required' | 'gpc' | 'event' | 'ledger' | 'model';

export interface CategoryDecision {
  granted: boolean;
  rule: ConsentRule;
}

/** The consent of one event: a decision per workspace category. */
export interface ConsentState {
  model: ConsentModel;
  gpc: boolean;
  categories: Readonly<Record<string, CategoryDecision>>;
}

/** The model that applies to a country: the per-region model if one matches, else the workspace model. */
export function modelFor(policy: ConsentPolicy, country: string | undefined): ConsentModel {
  return lookupRegion(policy.regionModels ?? {}, normalizeCountry(country)) ?? policy.model;
}

/**
 * Decides every category for one event. For each category the first rule that applies decides:
 * 1 required -> granted; 2 GPC -> `gpc` categories denied; 3 the event's categoryPreferences; 4 the latest
 * ledger choice; 5 the model (`opt-in` denies, `opt-out` grants). A binding ledger denial (an opt-out or an
 * objection filed as a privacy request, not yet followed by a newer choice) decides before rule 3, as GPC does:
 * it is the same kind of instruction, made through another channel. Pure: no I/O.
 *
 * @example
 *   resolveConsent(policy, { gpc: false, preferences: { Analytics: true } }).categories.analytics
 *   // -> { granted: true, rule: 'event' }
 */
export function resolveConsent(policy: ConsentPolicy, input: ConsentInput): ConsentState {
  const model = modelFor(policy, input.country);
  const preferences = normalizePreferences(policy.categories, input.preferences);
  const categories: Record<string, CategoryDecision> = {};
  for (const category of policy.categories) {
    categories[category.id] = decide(category, preferences, input, model);
  }
  return { model, gpc: input.gpc, categories };
}

function decide(category: ConsentCategory, preferences: Record<string, boolean>, input: ConsentInput, model: ConsentModel): CategoryDecision {
  if (category.required) return { granted: true, rule: 'required' };
  if (category.gpc && input.gpc) return { granted: false, rule: 'gpc' };
  const fromLedger = input.ledger?.[category.id];
  if (fromLedger?.binding && !fromLedger.granted) return { granted: false, rule: 'ledger' };
  const fromEvent = preferences[category.id];
  if (fromEvent !== undefined) return { granted: fromEvent, rule: 'event' };
  if (fromLedger !== undefined) return { granted: fromLedger.granted, rule: 'ledger' };
  return { granted: model === 'opt-out', rule: 'model' };
}
