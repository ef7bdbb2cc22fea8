/**
 * A purpose a subject can consent to (CONTRACT.md "Consent semantics"). `required` categories are always
 * granted; `gpc` categories are denied by a Global Privacy Control signal.
 */
export interface ConsentCategory {
  id: string;
  name: string;
  description?: string;
  required?: boolean;
  gpc?: boolean;
}

/** `opt-in`: nothing optional is granted until chosen. `opt-out`: granted until refused. */
export type ConsentModel = 'opt-in' | 'opt-out';
export const CONSENT_MODELS: readonly ConsentModel[] = ['opt-in', 'opt-out'];

/** The categories of a workspace that never configured its own. */
export const DEFAULT_CONSENT_CATEGORIES: readonly ConsentCategory[] = Object.freeze([
  { id: 'necessary', name: 'Necessary', description: 'Needed for the service to work; always granted.', required: true },
  { id: 'functional', name: 'Functional', description: 'Remembers choices and improves features.' },
  { id: 'analytics', name: 'Analytics', description: 'Measures use of the product.' },
  { id: 'advertising', name: 'Advertising', description: 'Targeted advertising, sale or sharing of personal information.', gpc: true },
]);

/**
 * Finds a category by id or name, case-insensitively (how `categoryPreferences` keys and destination
 * `consentCategories` entries are matched).
 */
export function findCategory(categories: readonly ConsentCategory[], key: string): ConsentCategory | undefined {
  const k = key.toLowerCase();
  let lookup = lookups.get(categories);
  if (!lookup || lookup.length !== categories.length || lookup.first !== categories[0]) {
    // Every event asks, so each list of categories is indexed once (first match wins, ids before names).
    lookup = { length: categories.length, first: categories[0], byId: new Map(), byName: new Map() };
    for (const c of categories) {
      if (!lookup.byId.has(c.id.toLowerCase())) lookup.byId.set(c.id.toLowerCase(), c);
      if (!lookup.byName.has(c.name.toLowerCase())) lookup.byName.set(c.name.toLowerCase(), c);
    }
    lookups.set(categories, lookup);
  }
  return lookup.byId.get(k) ?? lookup.byName.get(k);
}

const lookups = new WeakMap<readonly ConsentCategory[], { length: number; first: ConsentCategory | undefined; byId: Map<string, ConsentCategory>; byName: Map<string, ConsentCategory> }>();

/**
 * Maps a `{key: boolean}` preferences object onto category ids (keys match id or name case-insensitively);
 * keys matching no category and non-boolean values are ignored.
 */
export function normalizePreferences(categories: readonly ConsentCategory[], preferences: unknown): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  if (!preferences || typeof preferences !== 'object' || Array.isArray(preferences)) return out;
  for (const [key, value] of Object.entries(preferences as Record<string, unknown>)) {
    if (typeof value !== 'boolean') continue;
    const category = findCategory(categories, key);
    if (category) out[category.id] = value;
  }
  return out;
}
