/** Country groups usable as keys of a per-region consent model, besides ISO 3166-1 alpha-2 codes. */
export const REGION_GROUPS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  EU: ['AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE'],
  EEA: [
    'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
    'IS', 'LI', 'NO',
  ],
});

/** Normalizes a country value (`de`, `DE`, `GB`, `UK`) to an upper-case alpha-2 code, or undefined. */
export function normalizeCountry(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code)) return undefined;
  return code === 'UK' ? 'GB' : code;
}

/**
 * The value of a per-region table for a country: the exact country first, then the groups containing it
 * (EU before EEA), else undefined. Keys `UK` and `GB` are the same country.
 */
export function lookupRegion<T>(table: Readonly<Record<string, T>>, country: string | undefined): T | undefined {
  if (!country) return undefined;
  for (const [key, value] of Object.entries(table)) {
    if (normalizeCountry(key) === country && !(key.toUpperCase() in REGION_GROUPS)) return value;
  }
  for (const group of ['EU', 'EEA']) {
    const value = table[group];
    if (value !== undefined && REGION_GROUPS[group]!.includes(country)) return value;
  }
  return undefined;
}
