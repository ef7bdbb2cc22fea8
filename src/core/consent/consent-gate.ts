import { findCategory, type ConsentCategory } from './consent-category.js';
import type { ConsentState } from './resolve-consent.js';

/** The gate's verdict for one destination: send, or withhold with a machine-readable reason. */
export type GateOutcome = { readonly kind: 'continue' } | { readonly kind: 'drop'; readonly reason: string };

const PASS: GateOutcome = Object.freeze({ kind: 'continue' });

/**
 * A destination receives an event only if every category in its `consentCategories` is granted. The reason
 * of a drop is `gpc` when a GPC signal denied the category, else `consent_denied:<categoryId>`. A category
 * the workspace does not define can never be granted: the gate fails closed (`consent_denied:<name>`).
 * A destination without categories needs only the required one, which is always granted.
 */
export function consentGate(categories: readonly ConsentCategory[], destinationCategories: readonly string[] | undefined, state: ConsentState): GateOutcome {
  for (const wanted of destinationCategories ?? []) {
    const category = findCategory(categories, wanted);
    if (!category) return { kind: 'drop', reason: `consent_denied:${wanted.toLowerCase()}` };
    const decision = state.categories[category.id];
    if (!decision || !decision.granted) return { kind: 'drop', reason: decision?.rule === 'gpc' ? 'gpc' : `consent_denied:${category.id}` };
  }
  return PASS;
}
